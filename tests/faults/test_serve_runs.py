"""`dqv serve` runs each validation in a child process. Killed or stopped at any point, a run
ends not evaluated and recorded once, its lock is free, and no process is left: SIGTERM to the
service (the child records the run as interrupted), SIGKILL to a run's child (the service
records it), SIGKILL to the service (the child and its workers die with it)."""

from __future__ import annotations

import pathlib
import signal
import subprocess

from tests.conftest import dqv
from tests.faults.conftest import Case, runs_text
from tests.faults.support import DS, FORKING, JOB, Proc, alive, descendants, left_behind, project
from tests.support.pause_hook import pause_env
from tests.support.serve import Service, start_service, wait_for
from validator.core.outcome import Outcome
from validator.core.record import RunRecord
from validator.history.mlmd_store import MlmdRunStore

WORKERS_PAUSE = {**FORKING, **pause_env(600, in_worker=True)}


def _history(service: Service) -> list[RunRecord]:
    return MlmdRunStore(service.artifact_root).runs(JOB)


def _run_in_progress(service: Service) -> tuple[str, set[Proc]]:
    """Trigger a run; wait until its child process and the child's two workers are up."""
    status, accepted = service.request("POST", f"/jobs/{JOB}/run?ds={DS}")
    assert status == 202, accepted

    def probe() -> set[Proc] | None:
        found = descendants(service.proc.pid)
        return found if len(found) >= 3 else None

    tree = wait_for("the run's process and its two workers", probe, timeout=300)
    return str(accepted["run_id"]), tree


def _rerun(service: Service) -> subprocess.CompletedProcess[str]:
    """`dqv run` of the same ds, without any pause: goes ahead only if the lock is free."""
    return dqv("run", JOB, "--ds", DS, "--project-dir", str(service.artifact_root.parent),
               "--artifact-root", str(service.artifact_root), timeout=300)


def _signal_mid_run(tmp_path: pathlib.Path, case: Case, sig: signal.Signals, *args: str,
                    ) -> tuple[Service, str]:
    """Start a service, trigger a run, send `sig` to the service while the run's workers read;
    the service's exit code and the processes left behind go into `case`."""
    service = start_service(project(tmp_path), *args, env=WORKERS_PAUSE)
    try:
        run_id, tree = _run_in_progress(service)
        service.signal(sig)
        case.exit_code = service.wait_exit()
    finally:
        service.stop()
    case.processes_left = len(left_behind(tree))
    assert case.processes_left == 0, f"left behind: {alive(tree)}"
    return service, run_id


def test_serve_sigterm_mid_run_records_interrupted_and_leaves_no_process(
        tmp_path: pathlib.Path, case: Case) -> None:
    service, run_id = _signal_mid_run(tmp_path, case, signal.SIGTERM, "--grace-seconds", "0")
    records = _history(service)
    case.verdict, case.runs = "not_evaluated", runs_text(records)
    assert case.exit_code == 0, service.log()
    assert [r.run_id for r in records] == [run_id]
    assert records[0].outcome is Outcome.NOT_EVALUATED and records[0].ended_at is not None
    assert (records[0].error or "").startswith("interrupted: the service stopped (SIGTERM)")
    assert "stopped (1 run(s) recorded as interrupted)" in service.log()


def test_a_killed_run_process_is_recorded_not_evaluated_and_the_service_goes_on(
        tmp_path: pathlib.Path, case: Case) -> None:
    service = start_service(project(tmp_path), env=WORKERS_PAUSE)
    try:
        run_id, tree = _run_in_progress(service)
        [child] = service.run_children()
        subprocess.run(["kill", "-KILL", str(child)], check=True)

        def finished() -> dict[str, object] | None:
            code, body = service.get(f"/runs/{run_id}")
            assert code == 200, body
            return body if body["state"] == "finished" else None

        answer = wait_for("the killed run to be settled", finished, timeout=120)
        case.processes_left = len(left_behind(tree))
        assert service.proc.poll() is None, "the service went down with its run"
        assert service.get("/healthz")[0] == 200
    finally:
        service.stop()
    records = _history(service)
    case.verdict, case.runs = str(answer["outcome"]), runs_text(records)
    assert answer["outcome"] == "not_evaluated", answer
    assert "killed by SIGKILL" in str(answer["error"]), answer
    assert [(r.run_id, r.outcome) for r in records] == [(run_id, Outcome.NOT_EVALUATED)]
    assert records[0].error == answer["error"] and records[0].ended_at is not None
    assert case.processes_left == 0, f"the run's workers outlived it: {alive(tree)}"
    # Its lock died with it, and it is recorded already: the next run has nothing to recover.
    rerun = _rerun(service)
    assert rerun.returncode == 0 and "was interrupted" not in rerun.stderr, rerun.stderr


def test_a_killed_service_takes_its_runs_with_it(tmp_path: pathlib.Path, case: Case) -> None:
    service, run_id = _signal_mid_run(tmp_path, case, signal.SIGKILL)
    rerun = _rerun(service)
    records = _history(service)
    case.verdict, case.runs = "not_evaluated, then pass", runs_text(records)
    assert rerun.returncode == 0, rerun.stderr
    assert f"earlier run {run_id} was interrupted; marked failed" in rerun.stderr
    assert [(r.run_id, r.outcome) for r in records] == [
        (run_id, Outcome.NOT_EVALUATED), (records[-1].run_id, Outcome.PASS)]
