# Spor in a container: gunicorn serving the app (static files by whitenoise). The same image
# runs the background worker (`spor manage spor_worker`). See docs/deployment.md.
FROM python:3.11-slim-bookworm

# The PostgreSQL server's major version in docker-compose.yml (`image: postgres:17`): pg_dump
# refuses a server newer than itself, so `spor backup` needs this client, not Debian's
# (bookworm has 15). tests/ops/test_container.py checks that the two agree.
ARG PG_MAJOR=17
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/srv/spor/.venv UV_PYTHON_DOWNLOADS=never UV_COMPILE_BYTECODE=1 \
    PATH=/srv/spor/.venv/bin:$PATH SPOR_STATIC_ROOT=/srv/spor/staticfiles \
    SPOR_PG_BIN=/usr/lib/postgresql/${PG_MAJOR}/bin
# WeasyPrint (PDF reports) draws text with Pango; pg_dump/pg_restore for `spor backup` from
# PostgreSQL's own apt repository (PGDG) for this Debian release, set up by the script Debian's
# postgresql-common ships for it (it carries the repository's signing key); the build stops if
# pg_dump is not version PG_MAJOR.
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates postgresql-common \
    && /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 "postgresql-client-${PG_MAJOR}" gettext \
    && "${SPOR_PG_BIN}/pg_dump" --version | grep -q "(PostgreSQL) ${PG_MAJOR}\." \
    && "${SPOR_PG_BIN}/pg_restore" --version | grep -q "(PostgreSQL) ${PG_MAJOR}\." \
    && rm -rf /var/lib/apt/lists/* \
    && pip install --no-cache-dir uv==0.13.9 \
    && useradd --system --home /srv/spor spor
WORKDIR /srv/spor
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY src ./src
COPY deploy/gunicorn.conf.py ./deploy/gunicorn.conf.py
RUN uv sync --frozen --no-dev \
    && SPOR_ENV=production SPOR_SECRET_KEY=build SPOR_CPR_KEYS=build SPOR_CPR_HMAC_KEY=build \
       spor manage collectstatic --noinput -v0 \
    && chown -R spor /srv/spor/staticfiles
USER spor
ENV SPOR_ENV=production
EXPOSE 8000
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "spor.wsgi:application"]
