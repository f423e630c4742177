#!/usr/bin/env bash
# Set everything up, then serve TensorJudge (SQLite + embedded workers, problems loaded).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/tensorjudge serve "$@"
