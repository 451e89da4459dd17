"""The contest's figures, kept on write and read as of a moment, and the dashboards."""
