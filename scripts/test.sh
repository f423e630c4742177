#!/usr/bin/env bash
# Set everything up, then run the whole test suite: lint, type check, pytest, and `tensorjudge check`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
# The tests use the machine's real PostgreSQL (127.0.0.1:5432, trust auth).
if [ -z "${TENSORJUDGE_TEST_PG_HOST:-}" ] && ! pg_isready -q -h 127.0.0.1 -p 5432; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
    for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
.venv/bin/ruff check .
.venv/bin/mypy  # app/ and sandbox/ (strict on sandbox/): [tool.mypy] in pyproject.toml
.venv/bin/pytest -p no:cacheprovider "$@"
.venv/bin/tensorjudge check -j 2 --junit artifacts/check-junit.xml
