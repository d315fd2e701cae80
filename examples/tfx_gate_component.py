"""TFX: a Python function component that runs the dqv gate; make the Trainer depend on it.
A blocked or unevaluated ds raises `DataQualityBlocked`, the component fails, and the Trainer
does not run.

    gate = DqvGate(job="training_events", ds=ds)
    trainer = Trainer(...)
    trainer.add_upstream_node(gate)
    pipeline.Pipeline(components=[example_gen, gate, ..., trainer], ...)

dqv's statistics and anomalies are TFX artifacts (ExampleStatistics, ExampleAnomalies) in the
ML Metadata store, so the gate's run can be found next to the pipeline's own.
Imports without TFX installed; `run_gate` is what the component executes (tested).
"""

from __future__ import annotations

import os
import pathlib
from typing import Any

from validator import GateOptions, require_pass


def run_gate(job: str, ds: str, project_dir: str | None = None) -> dict[str, Any]:
    """The gate for `job` and `ds`; returns the verdict as JSON, raises unless pass or warn."""
    options = GateOptions(project_dir=pathlib.Path(project_dir or os.environ.get("DQV_PROJECT_DIR", ".")))
    return require_pass(job, ds, options).to_json()


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
