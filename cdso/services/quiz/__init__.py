"""The quiz: drawing, answering, finishing, reviewing an attempt."""
