#!/usr/bin/env bash
# A full backup of the cdso database in pg_dump's custom format (compressed, restorable
# table by table, checked by listing it), kept for KEEP_DAYS days.
#
#   DATABASE_URL=postgresql+psycopg://cdso@127.0.0.1:5432/cdso deploy/backup.sh
#
# Settings (environment): DATABASE_URL (required; the app's own), BACKUP_DIR
# (default /var/backups/cdso), KEEP_DAYS (default 14). Prints the new file's path.
# Scheduled by deploy/systemd/cdso-backup.timer (or the cron line in deploy/README.md).
set -euo pipefail

url="${DATABASE_URL:?DATABASE_URL is not set}"
url="${url/postgresql+psycopg:\/\//postgresql://}"   # SQLAlchemy's URL -> libpq's
url="${url/postgres:\/\//postgresql://}"
backup_dir="${BACKUP_DIR:-/var/backups/cdso}"
keep_days="${KEEP_DAYS:-14}"

mkdir -p "$backup_dir"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
target="$backup_dir/cdso-$stamp.dump"
partial="$target.partial"
trap 'rm -f "$partial"' EXIT

# One consistent snapshot (pg_dump runs in a single repeatable-read transaction); the
# app keeps running. The file gets its final name only once it is complete and readable.
pg_dump --dbname="$url" --format=custom --compress=6 --no-owner --file="$partial"
pg_restore --list "$partial" >/dev/null
mv "$partial" "$target"
trap - EXIT

find "$backup_dir" -maxdepth 1 -name 'cdso-*.dump' -mtime "+$keep_days" -delete
echo "$target"
