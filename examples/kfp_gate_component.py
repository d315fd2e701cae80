"""Kubeflow Pipelines / Vertex AI Pipelines (KFP v2 SDK): the dqv gate step before training.

    dqv_gate  runs `dqv gate JOB --ds DS --json` (in the dqv image) and outputs the outcome
      exit 0 (pass/warn)       -> outputs "pass"/"warn": the `train` branch runs
      exit 1 (blocked)         -> outputs "block": the `dqv-blocked` step fails the run at once;
                                  nothing is retried (the data is bad) and `train` never starts
      exit 3 (not ready: the partition has not landed yet)
      exit 2 (not evaluated: broken job/schema, unreadable store, an outage)
                               -> the gate step fails; KFP retries it (`set_retry`, GATE_RETRIES x
                                  GATE_RETRY_DELAY_SECONDS); when the retries run out the run fails
                                  and `train` never starts. Never a pass.
      (dqv before exit code 3 existed answers a missing partition with 2: retried the same way.)

KFP retries a failed step whatever made it fail, so a blocked day must not fail the gate step
itself: the gate outputs "block" and a step of its own, never retried, fails the run.
Caching is off for the gate (a cached verdict of yesterday's check must never answer today's).

    pip install kfp   # compile: kfp.compiler.Compiler().compile(pipeline, "p.yaml")
    # Vertex AI: aiplatform.PipelineJob(template_path="p.yaml", parameter_values={"ds": ...}).submit()
    # locally, no Kubernetes: kfp.local.init(runner=kfp.local.SubprocessRunner(use_venv=False))
    #                         pipeline(ds="2026-11-01")   (tests/e2e/orchestrators/test_kfp.py)

The dqv image must contain dqv and the project (jobs/, schemas/); DQV_ARTIFACT_ROOT should point
at shared storage (e.g. gs://...) so that the gate can answer from the run history of `dqv serve`.
Settings (environment of the step): DQV_BIN (default `dqv`), DQV_PROJECT_DIR, DQV_ARTIFACT_ROOT;
TRAIN_COMMAND (the training step; `{ds}` is replaced; default `python -m trainer.train --ds {ds}`).
DQV_GATE_RETRIES and DQV_GATE_RETRY_DELAY_SECONDS are read when the pipeline is defined.
Imports without kfp installed (tests/e2e/test_examples.py runs `gate_args` with the real dqv).
"""

# No `from __future__ import annotations` here: KFP reads the components' type annotations.
import os
from typing import Any

DQV_IMAGE = "europe-docker.pkg.dev/my-project/ml/dqv:0.1.0"
TRAINER_IMAGE = "europe-docker.pkg.dev/my-project/ml/trainer:latest"
GATE_RETRIES = int(os.environ.get("DQV_GATE_RETRIES", "6"))
GATE_RETRY_DELAY_SECONDS = int(os.environ.get("DQV_GATE_RETRY_DELAY_SECONDS", "1200"))


def gate_args(job: Any, ds: Any, max_age: str = "6h") -> list[Any]:
    """Arguments of `dqv` in the gate step. `dqv_gate` below repeats them: the body of a KFP
    component must be self-contained (KFP ships its source alone to the step)."""
    return ["gate", job, "--ds", ds, "--max-age", max_age, "--json", "--quiet"]


try:
    from kfp import dsl
except ImportError:  # kfp is not needed to read or test this file
    dsl = None

if dsl is not None:
    @dsl.component(base_image=DQV_IMAGE)
    def dqv_gate(job: str, ds: str, max_age: str = "6h") -> str:
        """The verdict's outcome (pass, warn, block); raises (a retryable failure) otherwise."""
        import json
        import os
        import subprocess

        command = [os.environ.get("DQV_BIN", "dqv"),
                   "gate", job, "--ds", ds, "--max-age", max_age, "--json", "--quiet"]
        proc = subprocess.run(command, capture_output=True, text=True, check=False, timeout=3600)
        try:
            verdict = json.loads(proc.stdout) if proc.stdout.strip() else {}
        except ValueError:
            verdict = {}
        print(proc.stdout or proc.stderr)
        if proc.returncode == 0 or (proc.returncode == 1 and verdict.get("outcome") == "block"):
            return str(verdict["outcome"])
        what = "is not ready" if proc.returncode == 3 else "could not be evaluated"
        reason = verdict.get("error") or proc.stderr.strip()
        raise RuntimeError(f"dqv gate: {job} ds={ds} {what} (exit {proc.returncode}): {reason}")

    @dsl.component(base_image=DQV_IMAGE)
    def dqv_blocked(job: str, ds: str) -> None:
        """Fails the run: the gate blocked this ds (see `dqv history JOB` / `dqv show RUN_ID`)."""
        raise RuntimeError(f"dqv gate blocked {job} ds={ds}: do not train")

    @dsl.component(base_image=TRAINER_IMAGE)
    def train(ds: str) -> None:
        import os
        import subprocess

        command = os.environ.get("TRAIN_COMMAND", "python -m trainer.train --ds {ds}")
        subprocess.run(command.format(ds=ds), shell=True, check=True)

    @dsl.pipeline(name="train-with-dqv-gate")
    def pipeline(ds: str, job: str = "training_events") -> None:
        gate = dqv_gate(job=job, ds=ds)
        gate.set_caching_options(False)
        gate.set_retry(num_retries=GATE_RETRIES, backoff_duration=f"{GATE_RETRY_DELAY_SECONDS}s",
                       backoff_factor=1.0)
        with dsl.If(gate.output == "block", name="blocked"):
            dqv_blocked(job=job, ds=ds).set_caching_options(False)
        with dsl.Else(name="may-train"):
            train(ds=ds).set_caching_options(False)
