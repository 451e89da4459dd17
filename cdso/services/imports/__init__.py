"""Uploaded tables and the imports that read them."""
