#!/usr/bin/env bash
# Builds the pinned Apache Airflow virtualenv (.venv-airflow, Python 3.12) that
# tests/e2e/orchestrators/test_airflow.py runs the example DAG in. Airflow cannot share the
# project's virtualenv (TFDV pins an old protobuf/pyarrow/SQLAlchemy world), so it gets its own;
# the DAG reaches dqv only through the `dqv` executable, as on a real Airflow worker.
# The lock (scripts/airflow-requirements.txt) is complete, so it installs with --no-deps: no
# resolver run, nothing but the pinned files. Cached: does nothing when a venv built from this
# exact lock exists (the stamp is keyed on the lock's hash).
#
# Also builds the KFP venv: scripts/kfp-venv.sh calls this script with its own venv and lock.
#   usage: airflow-venv.sh [VENV REQUIREMENTS]
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${1:-${DQV_AIRFLOW_VENV:-.venv-airflow}}
REQS=${2:-scripts/airflow-requirements.txt}
STAMP=$VENV/.installed-$(sha256sum "$REQS" | cut -c1-16)
if [ -f "$STAMP" ]; then exit 0; fi

py=${DQV_ORCH_PYTHON:-}
if [ -z "$py" ]; then
  for candidate in python3.12 /root/.pyenv/versions/3.12*/bin/python "$HOME"/.pyenv/versions/3.12*/bin/python; do
    # pyenv shims exist for versions that are not selected; ask the interpreter itself.
    if "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 12)' >/dev/null 2>&1; then
      py=$(command -v "$candidate"); break
    fi
  done
fi
if [ -z "$py" ]; then
  echo "$VENV: Python 3.12 not found; install it or set DQV_ORCH_PYTHON" >&2
  exit 1
fi
echo "$VENV: installing $REQS (Python: $py)"
start=$SECONDS
rm -rf "$VENV"
"$py" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -r "$REQS"
"$VENV/bin/python" -m pip check --disable-pip-version-check >/dev/null
touch "$STAMP"
echo "$VENV: ready in $((SECONDS - start)) s"
