"""Signals of padded figures, their review, and leaving out attempts reviewed as invalid
(docs/integrity.md). Nothing here changes a score or a figure by itself."""
