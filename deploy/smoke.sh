#!/usr/bin/env bash
# Follows README.md's "I produktion" from scratch on PostgreSQL, as CI does (.ci/run):
# production settings from the environment, migrate, collectstatic, check --deploy, the
# system administrator, a municipality with its PPR-leder, gunicorn on 127.0.0.1, a login
# over HTTP (password and TOTP code), `spor backup`, and `spor restore` into an empty
# database that then holds the municipality and its leader.
#
#   SPOR_SMOKE_DATABASE_URL=postgres://spor:spor@127.0.0.1:54329/spor \
#   SPOR_SMOKE_OWNER_DATABASE_URL=postgres://spor_owner:spor_owner@127.0.0.1:54329/spor \
#   deploy/smoke.sh
#
# The cache is Redis at SPOR_SMOKE_CACHE_URL (default redis://127.0.0.1:6379/1).
#
# Two roles (docs/tenancy.md): the owner (CREATEDB) makes two fresh databases next to the one
# named, runs migrate, backup and restore, and drops them; everything else runs as the app
# role (NOSUPERUSER NOBYPASSRLS, owns nothing), which check --deploy and gunicorn accept.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
BASE=${SPOR_SMOKE_DATABASE_URL:?set SPOR_SMOKE_DATABASE_URL to a PostgreSQL URL (the app role)}
OWNER=${SPOR_SMOKE_OWNER_DATABASE_URL:?set SPOR_SMOKE_OWNER_DATABASE_URL (the owner role)}
TMP=$(mktemp -d /tmp/spor-smoke.XXXXXX)
DB1=spor_smoke_$$
DB2=spor_smoke_restore_$$
url_for() { echo "${BASE%/*}/$1"; }
owner_url_for() { echo "${OWNER%/*}/$1"; }
pg() { PYTHONPATH=src $BIN/python -c "
import sys, psycopg
with psycopg.connect(sys.argv[1], autocommit=True) as c:
    c.execute(sys.argv[2])" "$(owner_url_for postgres)" "$1"; }
cleanup() {
  [ -n "${GUNICORN_PID:-}" ] && kill "$GUNICORN_PID" 2>/dev/null && wait "$GUNICORN_PID" 2>/dev/null || true
  pg "DROP DATABASE IF EXISTS $DB1 WITH (FORCE)" || true
  pg "DROP DATABASE IF EXISTS $DB2 WITH (FORCE)" || true
  rm -rf "$TMP"
}
trap cleanup EXIT
pg "CREATE DATABASE $DB1"
pg "CREATE DATABASE $DB2"

key() { $BIN/python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'; }
export SPOR_ENV=production
SPOR_SECRET_KEY=$($BIN/python -c 'import secrets; print(secrets.token_urlsafe(50))')
SPOR_CPR_KEYS=$(key)
SPOR_CPR_HMAC_KEY=$(key)
export SPOR_SECRET_KEY SPOR_CPR_KEYS SPOR_CPR_HMAC_KEY
export SPOR_DATABASE_URL=$(url_for "$DB1")
export SPOR_OWNER_DATABASE_URL=$(owner_url_for "$DB1")
export SPOR_ALLOWED_HOSTS=127.0.0.1
# The login below comes from 127.0.0.1 with X-Forwarded-Proto, as the reverse proxy's would.
export SPOR_TRUSTED_PROXIES=127.0.0.1
export SPOR_CACHE_URL=${SPOR_SMOKE_CACHE_URL:-redis://127.0.0.1:6379/1}
export SPOR_STATIC_ROOT=$TMP/static
export PYTHONPATH=src

echo "== migrate (as the owner), collectstatic, check --deploy (as the app role)"
$BIN/spor manage migrate --noinput -v0
$BIN/spor manage collectstatic --noinput -v0
$BIN/spor manage check --deploy --fail-level "${SPOR_SMOKE_CHECK_LEVEL:-WARNING}"

echo "== the system administrator, a municipality and its PPR-leder"
DJANGO_SUPERUSER_PASSWORD="drift-$(key)" $BIN/spor manage createsuperuser --noinput \
  --username drift --email drift@example.invalid
PASSWORD="leder-$(key)"
SPOR_INITIAL_PASSWORD=$PASSWORD $BIN/spor manage spor_create_municipality 101 "Prøvekommune" \
  --lead proeveleder --email leder@example.invalid --first-name Pia

echo "== gunicorn on 127.0.0.1 and a login over HTTP"
PORT=$($BIN/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SPOR_BIND=127.0.0.1:$PORT SPOR_WORKERS=2 $BIN/gunicorn -c deploy/gunicorn.conf.py spor.wsgi:application \
  >"$TMP/gunicorn.log" 2>&1 &
GUNICORN_PID=$!
health() { $BIN/python -c "import sys, urllib.request as u; print(u.urlopen(sys.argv[1], timeout=10).read().decode())" "http://127.0.0.1:$PORT/drift/health/"; }
for _ in $(seq 1 120); do
  health >/dev/null 2>&1 && break
  sleep 0.5
done
health
$BIN/python deploy/smoke_login.py "http://127.0.0.1:$PORT" proeveleder "$PASSWORD"

$BIN/spor manage shell -c "
from django.core.cache import cache
cache.set('spor-smoke', 'ok', 60)
assert cache.get('spor-smoke') == 'ok'
print('Cachen (SPOR_CACHE_URL) svarer')"

echo "== spor backup, then spor restore into an empty database"
$BIN/spor backup "$TMP/spor.backup"
export SPOR_DATABASE_URL=$(url_for "$DB2") SPOR_OWNER_DATABASE_URL=$(owner_url_for "$DB2")
$BIN/spor restore "$TMP/spor.backup"
$BIN/spor manage shell -c "
from spor.accounts.models import Membership
from spor.tenancy import rls
from spor.tenancy.models import Municipality
m = Municipality.objects.get(code='101')
with rls.tenant(None):  # the app role, no municipality set: the tenant tables show nothing
    assert not Membership.objects.exists()
with rls.tenant(m.pk):
    assert Membership.objects.filter(municipality=m, user__username='proeveleder', role='leder').exists()
print('Gendannet:', m.name, 'med sin PPR-leder (set som app-rollen)')"
echo "== the app role cannot switch the walls off"
$BIN/spor manage shell -c "
from django.db import connection, DatabaseError, transaction
for sql in ('ALTER TABLE registry_child NO FORCE ROW LEVEL SECURITY', 'TRUNCATE audit_accesslogentry',
            'DELETE FROM audit_accesslogentry', 'ALTER TABLE audit_accesslogentry DISABLE TRIGGER ALL'):
    try:
        with transaction.atomic(), connection.cursor() as c:
            c.execute(sql)
    except DatabaseError:
        continue
    raise SystemExit('The app role may: ' + sql)
print('Afvist for app-rollen: NO FORCE, TRUNCATE, DELETE, DISABLE TRIGGER')"
echo "== the production section works from scratch"
