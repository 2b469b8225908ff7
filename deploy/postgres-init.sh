#!/bin/sh
# PostgreSQL's first start in docker-compose.yml (/docker-entrypoint-initdb.d): the two roles
# Spor needs (docs/tenancy.md). The image's POSTGRES_USER is the cluster's superuser and is
# used for nothing else. spor_owner owns the database and every table (it runs migrate and
# the backups); spor, the role the web process and the worker connect as, owns nothing, is
# no superuser and has no BYPASSRLS, so row-level security binds it.
set -eu
: "${SPOR_OWNER_DB_PASSWORD:?}" "${SPOR_DB_PASSWORD:?}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="$SPOR_OWNER_DB_PASSWORD" -v app_password="$SPOR_DB_PASSWORD" <<'SQL'
CREATE ROLE spor_owner LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE PASSWORD :'owner_password';
CREATE ROLE spor LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD :'app_password';
ALTER DATABASE spor OWNER TO spor_owner;
SQL
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname spor <<'SQL'
ALTER SCHEMA public OWNER TO spor_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL
