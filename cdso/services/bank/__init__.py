"""The question bank: editing, files, rows."""
