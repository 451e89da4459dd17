"""Service functions: the logic, in plain Python with explicit arguments.
They change data and flush, but never commit: the view commits once."""
