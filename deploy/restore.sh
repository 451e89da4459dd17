#!/usr/bin/env bash
# Restore a backup made by deploy/backup.sh into a NEW database, all or nothing.
#
#   deploy/restore.sh /var/backups/cdso/cdso-20251022T150000Z.dump \
#       postgresql://postgres@127.0.0.1:5432/cdso_restored
#
# The target database must not exist: it is created, the dump is restored in one
# transaction (any error leaves nothing behind: the new database is dropped), and the
# row counts of the main tables are printed. Point DATABASE_URL at it (or rename it)
# once you have checked them; the live database is never touched.
set -euo pipefail

dump="${1:?usage: restore.sh <dump file> <new database URL>}"
url="${2:?usage: restore.sh <dump file> <new database URL>}"
url="${url/postgresql+psycopg:\/\//postgresql://}"
url="${url/postgres:\/\//postgresql://}"
[ -r "$dump" ] || { echo "restore.sh: cannot read $dump" >&2; exit 2; }

base="${url%%\?*}"            # postgresql://user@host:port/name
query="${url#"$base"}"        # ?sslmode=… or empty
database="${base##*/}"
server="${base%/*}"
[[ "$database" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] \
  || { echo "restore.sh: choose a plain database name (letters, digits, _): $database" >&2; exit 2; }
maintenance="$server/postgres$query"

exists="$(psql --dbname="$maintenance" -tAc "SELECT 1 FROM pg_database WHERE datname = '$database'")"
if [ "$exists" = "1" ]; then
  echo "restore.sh: database $database already exists; restore into a new one" >&2
  exit 3
fi

psql --dbname="$maintenance" -q -c "CREATE DATABASE \"$database\""
if ! pg_restore --dbname="$url" --single-transaction --exit-on-error --no-owner \
       --no-privileges "$dump"; then
  psql --dbname="$maintenance" -q -c "DROP DATABASE IF EXISTS \"$database\""
  echo "restore.sh: restore failed; $database was removed" >&2
  exit 1
fi
psql --dbname="$url" -q -c "ANALYZE"
psql --dbname="$url" -tA -F ' ' -c "
  SELECT 'unit', count(*) FROM unit UNION ALL
  SELECT 'account', count(*) FROM account UNION ALL
  SELECT 'registration', count(*) FROM registration UNION ALL
  SELECT 'attempt', count(*) FROM attempt UNION ALL
  SELECT 'attempt_question', count(*) FROM attempt_question UNION ALL
  SELECT 'alembic_version', count(*) FROM alembic_version"
echo "restored into $database"
