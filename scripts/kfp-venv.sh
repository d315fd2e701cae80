#!/usr/bin/env bash
# Builds the pinned Kubeflow Pipelines SDK virtualenv (.venv-kfp, Python 3.12) that
# tests/e2e/orchestrators/test_kfp.py runs the example pipeline in with kfp.local (no
# Kubernetes). Same builder and cache as the Airflow venv; see scripts/airflow-venv.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash scripts/airflow-venv.sh "${DQV_KFP_VENV:-.venv-kfp}" scripts/kfp-requirements.txt
