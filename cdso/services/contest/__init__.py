"""The contest: its edition and settings, rankings, winners, certificates."""
