#!/usr/bin/env bash
# The whole suite. Services the tests need are started by pytest fixtures (by PID) and
# stopped at the end of the session, also when tests fail.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check validator tests sample_data
.venv/bin/mypy validator
.venv/bin/lint-imports --no-cache  # the package's layers (pyproject [tool.importlinter])
.venv/bin/dqv validate-config
exec .venv/bin/python -m pytest -q -p no:cacheprovider tests "$@"
