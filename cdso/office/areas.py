"""Imports every office area so that its routes register on the blueprint.
Add a line here when you add an area module."""
from cdso.office import home  # noqa: F401
from cdso.office import bank  # noqa: F401
from cdso.office import settings  # noqa: F401
from cdso.office import accounts, dashboard, exports, population  # noqa: F401
from cdso.office import certificates, rankings  # noqa: F401
from cdso.office import import_jobs, members_import, results_import  # noqa: F401
from cdso.office import documents  # noqa: F401
from cdso.office import gaps, item_stats  # noqa: F401
from cdso.office import integrity  # noqa: F401
