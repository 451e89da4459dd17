#!/usr/bin/env bash
# System packages the app and its tests need (Debian): WeasyPrint's Pango, fonts,
# poppler-utils (PDF to PNG/text in tests), Chromium and npm (browser tests), ICU headers
# (PyICU), headless LibreOffice Writer and Calc (tests print our DOCX and XLSX with them),
# nginx with the brotli_static module (tests run deploy/nginx.conf).
# Installs what is missing when run as root with apt-get; otherwise says what to install.
set -euo pipefail
need=()
have_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }
have_lib libpango-1.0.so || need+=(libpango-1.0-0 libpangoft2-1.0-0)
have_lib libharfbuzz-subset.so || need+=(libharfbuzz-subset0)
command -v pdftoppm >/dev/null || need+=(poppler-utils)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v npm >/dev/null || need+=(npm)  # axe-core for the browser tests (package.json)
have_lib libicu || need+=(libicu-dev)               # PyICU builds against ICU (Vietnamese collation)
[ -e /usr/include/unicode/ucol.h ] || need+=(libicu-dev)
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v g++ >/dev/null || need+=(g++)
[ -x /usr/lib/libreoffice/program/soffice ] || need+=(libreoffice-writer-nogui libreoffice-calc-nogui)  # tests: DOCX and XLSX as LibreOffice prints them
[ -x /usr/sbin/nginx ] || need+=(nginx-light)  # tests and bench/step_wire.py run deploy/nginx.conf
[ -e /usr/share/nginx/modules-available/mod-http-brotli-static.conf ] || [ -e /usr/lib/nginx/modules/ngx_http_brotli_static_module.so ] || need+=(libnginx-mod-http-brotli-static)  # brotli_static in deploy/nginx.conf
# PDF fonts ship in static/fonts (Liberation Serif 2, with Vietnamese); no system font needed.
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "==> apt-get install ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "Thiếu gói hệ thống: ${need[*]} — cài bằng: sudo apt-get install ${need[*]}" >&2
  exit 1
fi
