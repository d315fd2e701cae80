# dqv: two commands do everything on a fresh machine with Python 3.11:
#   make demo   install, then run the sample job day by day and show what it finds, from local
#               files and from BigQuery (a local sandbox), side by side
#   make test   install, start the services the tests need, run the whole suite
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_ROOT ?= dqv-artifacts/demo

.PHONY: bq-emulator bq-sandbox bq-sandbox-stop airflow-venv kfp-venv install system-deps demo test \
	test-fast lint bench wheel constraints clean

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

install: $(STAMP)

# Debian packages the tests drive for real (promtool, Pushgateway, Alertmanager, Chromium).
system-deps:
	bash scripts/system-deps.sh

demo: install bq-emulator
	rm -rf $(DEMO_ROOT)
	$(BIN)/dqv validate-config
	@# exit 1 means blocked days were found, which is the point of the demo; 2 would be a failure
	$(BIN)/dqv backfill training_events --start 2026-11-01 --end 2026-11-11 --artifact-root $(DEMO_ROOT) --quiet; test $$? -le 1
	$(BIN)/dqv report --date 2026-11-11 --artifact-root $(DEMO_ROOT) --out $(DEMO_ROOT)/report-2026-11-11.html
	@echo
	$(BIN)/dqv history training_events --artifact-root $(DEMO_ROOT)
	@echo
	@echo "Artifacts (statistics, anomalies, run.json per run) are in $(DEMO_ROOT)/"
	@echo
	@# The same days from BigQuery (the sandbox below, real clients, Storage Read API), side by
	@# side with the local verdicts; the sandbox is stopped at the end.
	$(BIN)/python scripts/bq-sandbox.py demo --dir $(DEMO_ROOT)/bq-sandbox --local-root $(DEMO_ROOT)

# A local BigQuery with the sample days loaded, to try `dqv init --bigquery` on (docs/bigquery.md).
bq-sandbox: install bq-emulator
	$(BIN)/python scripts/bq-sandbox.py start

bq-sandbox-stop:
	$(BIN)/python scripts/bq-sandbox.py stop

# The wheel to install dqv into your own project (offline: no isolated build env, no deps).
wheel: install
	$(BIN)/python -m pip wheel --quiet --disable-pip-version-check --no-deps --no-build-isolation \
		--wheel-dir dist .
	@ls dist/*.whl

# The local BigQuery emulator (own virtualenv, Python 3.13) the BigQuery tests start.
bq-emulator:
	bash scripts/bq-emulator.sh

# Apache Airflow 3 and the KFP SDK, each in its own pinned virtualenv (Python 3.12), for the
# orchestrator tests (tests/e2e/orchestrators). Built once, rebuilt when the lock changes.
airflow-venv:
	bash scripts/airflow-venv.sh

kfp-venv:
	bash scripts/kfp-venv.sh

test: install system-deps bq-emulator airflow-venv kfp-venv
	bash scripts/run-tests.sh

test-fast: install
	$(BIN)/python -m pytest -q tests/unit

lint: install
	$(BIN)/ruff check validator tests sample_data
	$(BIN)/mypy validator
	$(BIN)/lint-imports --no-cache

bench: install bq-emulator
	$(BIN)/python -m tests.bench.main

clean:
	rm -rf $(VENV) dqv-artifacts .pytest_cache
