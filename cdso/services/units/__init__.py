"""The city's commune-level units and their adult populations."""
