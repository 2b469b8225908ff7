# Spor: the two commands are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
VENV := .venv
BIN := $(VENV)/bin
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
export PYTHONPATH := src
UV := $(BIN)/uv

.PHONY: env demo test lint types pytest bench clean load faults

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) uv.lock pyproject.toml
	$(UV) sync --frozen --python $(BIN)/python --quiet --reinstall-package spor
	touch $@

env: $(VENV)/.synced

demo: env
	$(BIN)/python -m spor.manage migrate --noinput
	$(BIN)/python -m spor.manage spor_demo --seed 1 --partners
	@[ "$${SPOR_TOTP_REQUIRED:-false}" != false ] || echo "To-faktor-login (TOTP) er slået fra i demoen; i produktion kræves det. Prøv det: SPOR_TOTP_REQUIRED=true make demo (docs/login.md)."
	@# The background worker beside the server, on the same SQLite file: it makes the ordered
	@# reports (docs/jobs.md); the scheduled jobs (reminders, retention) stay off in the demo.
	$(BIN)/python -m spor.manage spor_worker --tasks-only & worker=$$!; trap "kill $$worker 2>/dev/null" EXIT; \
	SPOR_TOTP_REQUIRED=$${SPOR_TOTP_REQUIRED:-false} $(BIN)/python -m spor.manage runserver 127.0.0.1:8000

lint: env
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

types: env
	$(BIN)/mypy

pytest: env
	$(BIN)/pytest --durations=15 $(PYTEST_ARGS)

test: lint types pytest

# The screening week under load on a 60,000-children municipality (loadtest/run.py; pass
# options with LOAD_ARGS, e.g. LOAD_ARGS="--seconds 120"). PostgreSQL if SPOR_DATABASE_URL.
load: env
	$(BIN)/python loadtest/run.py $(LOAD_ARGS)

# Kill the server mid-write, cut its database, fill its disk (tests/ops/test_faults.py).
faults: env
	$(BIN)/pytest -m faults tests/ops/test_faults.py $(PYTEST_ARGS)

# Every benchmarks/*_bench.py, then one table of all their figures (benchmarks/report.py);
# exits non-zero if a goal is missed or a benchmark crashed. BENCH_ARGS e.g. "--quick"
# (small sizes), "--only sdq,import", '--args evaluation="--database-url postgres://…"'.
bench: env
	$(BIN)/python benchmarks/report.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .mypy_cache_pg .pytest_cache .ruff_cache spor.sqlite3
