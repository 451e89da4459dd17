"""Official documents: lifecycle, fields, figures, PDF, DOCX and the SVG map and chart."""
