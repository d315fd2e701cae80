"""Kubeflow Pipelines / Vertex AI Pipelines: a container step that runs the dqv gate before
training. A non-zero exit (1 blocked, 2 not evaluated) fails the step, and the training step,
which runs `.after()` the gate, never starts.

    pip install kfp   # KFP v2 SDK; compile with kfp.compiler.Compiler().compile(pipeline, "p.yaml")
    # Vertex AI: aiplatform.PipelineJob(template_path="p.yaml", ...).submit()

The image must contain dqv and the project (jobs/, schemas/); DQV_ARTIFACT_ROOT should point at
shared storage (e.g. gs://...) so that the gate can answer from the run history of `dqv serve`.
Imports without kfp installed; `gate_args` is what the container runs (tested).
"""

from __future__ import annotations

from typing import Any

DQV_IMAGE = "europe-docker.pkg.dev/my-project/ml/dqv:0.1.0"
TRAINER_IMAGE = "europe-docker.pkg.dev/my-project/ml/trainer:latest"


def gate_args(job: Any, ds: Any, max_age: str = "6h") -> list[Any]:
    """Arguments of `dqv` in the gate container (job and ds may be KFP placeholders)."""
    return ["gate", job, "--ds", ds, "--max-age", max_age, "--json"]


try:
    from kfp import dsl
except ImportError:  # kfp is not needed to read or test this file
    dsl = None

if dsl is not None:
    @dsl.container_component
    def dqv_gate(job: str, ds: str) -> Any:
        return dsl.ContainerSpec(image=DQV_IMAGE, command=["dqv"], args=gate_args(job, ds))

    @dsl.container_component
    def train(ds: str) -> Any:
        return dsl.ContainerSpec(image=TRAINER_IMAGE, command=["python", "-m", "trainer.train"],
                                 args=["--ds", ds])

    @dsl.pipeline(name="train-with-dqv-gate")
    def pipeline(ds: str, job: str = "training_events") -> None:
        gate = dqv_gate(job=job, ds=ds)
        train(ds=ds).after(gate)
