"""Imports every office area so that its routes register on the blueprint.
Add a line here when you add an area module."""
from cdso.office import home  # noqa: F401
