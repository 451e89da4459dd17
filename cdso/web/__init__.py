"""Web plumbing shared by every blueprint: assets, security, errors, htmx, access."""
