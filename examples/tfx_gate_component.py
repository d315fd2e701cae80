"""TFX: a Python function component that runs the dqv gate; make the Trainer depend on it.

    gate = DqvGate(job="training_events", ds=ds)
    trainer = Trainer(...)
    trainer.add_upstream_node(gate)
    pipeline.Pipeline(components=[example_gen, gate, ..., trainer], ...)

    exit 0 (pass/warn)  -> the component succeeds (outputs outcome and run_id); the Trainer runs
    exit 1 (blocked)    -> raises DataQualityBlocked: the component fails, the Trainer does not
                           run. Do not re-run the pipeline for this ds: the data is bad.
    exit 3 (not ready) / exit 2 (not evaluated)
                        -> raises DataNotReady (also a DataQualityBlocked: never a pass). The
                           component fails and the Trainer does not run; it is worth running
                           again later (TFX has no retry of its own: the orchestrator running the
                           pipeline, e.g. Vertex, Kubeflow or Airflow, retries the component).

`run_gate` answers like `dqv gate` (validator.run.api.check): from the run history, or by running
the job now. dqv's statistics and anomalies are TFX artifacts (ExampleStatistics,
ExampleAnomalies) in the ML Metadata store, so the gate's run can be found next to the
pipeline's own; a StatisticsGen output folder can be a job's skew reference
(`skew.reference_statistics`, see docs/orchestrators/tfx.md).
Imports without TFX installed; `run_gate` is what the component executes (tested in
tests/e2e/test_examples.py: TFX 1.21 needs TFDV 1.21, which does not install next to dqv's 1.16).
"""

from __future__ import annotations

import os
import pathlib
from typing import Any

from validator import DataQualityBlocked, GateOptions, check


class DataNotReady(DataQualityBlocked):
    """Exit 3 or 2: the ds is not there yet or could not be evaluated; run again later."""


def run_gate(job: str, ds: str, project_dir: str | None = None) -> dict[str, Any]:
    """The gate for `job` and `ds`; returns the verdict as JSON, raises unless pass or warn."""
    options = GateOptions(project_dir=pathlib.Path(project_dir or os.environ.get("DQV_PROJECT_DIR", ".")))
    verdict = check(job, ds, options)
    if verdict.may_train:
        return verdict.to_json()
    if verdict.exit_code == 1:
        raise DataQualityBlocked(verdict)
    raise DataNotReady(verdict)


try:
    from tfx.dsl.component.experimental.annotations import OutputDict, Parameter
    from tfx.dsl.component.experimental.decorators import component
except ImportError:  # TFX is not needed to read or test this file
    component = None

if component is not None:
    @component
    def DqvGate(job: Parameter[str], ds: Parameter[str]
                ) -> OutputDict(outcome=str, run_id=str):  # type: ignore[valid-type]
        verdict = run_gate(job, ds)
        return {"outcome": verdict["outcome"], "run_id": verdict["run_id"] or ""}
