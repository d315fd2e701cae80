#!/usr/bin/env bash
# Installs the local BigQuery emulator the component tests start on loopback
# (local-bigquery on DuckDB; notes in README "BigQuery"). It lives in its own virtualenv on
# Python 3.13 because it needs pyarrow >= 25 while TFDV pins pyarrow 10: the tests run it as a
# separate process. DuckDB's extensions come from PyPI wheels and are put where DuckDB looks
# for them under a HOME of our own, so nothing is downloaded when the emulator starts.
# Idempotent: does nothing when the pinned set is already installed.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${DQV_BQEMU_VENV:-.venv-bqemu}
REQS=scripts/bq-emulator-requirements.txt
STAMP=$VENV/.installed-$(sha256sum "$REQS" | cut -c1-16)
if [ -f "$STAMP" ]; then exit 0; fi

py=${DQV_BQEMU_PYTHON:-}
if [ -z "$py" ]; then
  for candidate in python3.13 /root/.pyenv/versions/3.13*/bin/python "$HOME"/.pyenv/versions/3.13*/bin/python; do
    # pyenv shims exist for versions that are not selected; ask the interpreter itself.
    if "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 13)' >/dev/null 2>&1; then
      py=$(command -v "$candidate"); break
    fi
  done
fi
if [ -z "$py" ]; then
  echo "bq-emulator: Python 3.13 not found; install it or set DQV_BQEMU_PYTHON" >&2
  exit 1
fi
echo "bq-emulator: installing local-bigquery into $VENV (Python: $py)"
rm -rf "$VENV"
"$py" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQS"

# DuckDB looks for extensions in $HOME/.duckdb/extensions/v<version>/<platform>/.
platform=$("$VENV/bin/python" -c "import duckdb; print(duckdb.sql('PRAGMA platform').fetchone()[0])")
version=$("$VENV/bin/python" -c "import duckdb; print(duckdb.__version__)")
ext_dir="$VENV/home/.duckdb/extensions/v$version/$platform"
mkdir -p "$ext_dir"
for name in icu ducklake spatial; do
  cp "$VENV"/lib/python3.13/site-packages/duckdb_extension_"$name"/extensions/v"$version"/"$name".duckdb_extension "$ext_dir/"
done
touch "$STAMP"
echo "bq-emulator: ready ($VENV/bin/local-bigquery, HOME=$VENV/home)"
