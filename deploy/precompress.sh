#!/usr/bin/env bash
# Pre-compressed copies of the text files in static/ (file.css -> file.css.gz, file.css.br)
# for nginx's gzip_static/brotli_static (deploy/nginx.conf): compressed once, at the
# strongest level (zopfli gzip, brotli 11: cdso/web/assets.py compress()), at deploy time instead of on every request. Run after each deploy:
#   deploy/precompress.sh            (from the checkout, with the app's virtualenv in .venv)
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-.venv/bin/python}"
find static -type f \( -name '*.css' -o -name '*.js' -o -name '*.svg' -o -name '*.txt' \) \
  -print0 | while IFS= read -r -d '' file; do
    "$python" -c 'import sys; from cdso.web.assets import compress; p = sys.argv[1]
raw = open(p, "rb").read()
open(p + ".gz", "wb").write(compress(raw, "gzip"))
open(p + ".br", "wb").write(compress(raw, "br"))' "$file"
    touch -r "$file" "$file.gz" "$file.br"
done
echo "static/: compressed copies written"
