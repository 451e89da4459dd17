"""Files handed out: XLSX workbooks, CSV and GeoJSON open data."""
