"""Runs the example KFP pipeline (examples/kfp_gate_component.py) for one ds with kfp.local's
SubprocessRunner: every step is a subprocess of this Python, no Kubernetes, no containers, no
installs (use_venv=False). Run in .venv-kfp by tests/e2e/orchestrators/test_kfp.py:

    python kfp_run.py EXAMPLE_FILE PIPELINE_ROOT DS

Prints KFP's own log (each task's status), then, last, one JSON line:
{"status": "SUCCESS" | "FAILURE", "error": "..."}.
"""

import importlib.util
import json
import sys

from kfp import local


def main(example: str, pipeline_root: str, ds: str) -> None:
    spec = importlib.util.spec_from_file_location("kfp_gate_component", example)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=pipeline_root)
    try:
        module.pipeline(ds=ds)
    except RuntimeError as exc:  # kfp.local raises when a task of the pipeline failed
        print(json.dumps({"status": "FAILURE", "error": str(exc)}))
    else:
        print(json.dumps({"status": "SUCCESS", "error": ""}))


if __name__ == "__main__":
    main(*sys.argv[1:4])
