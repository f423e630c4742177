#!/usr/bin/env bash
# Set everything up, then run the whole test suite: lint, pytest, and `tensorjudge check`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/pytest -p no:cacheprovider "$@"
.venv/bin/tensorjudge check
