"""Imports every office area so that its routes register on the blueprint."""
