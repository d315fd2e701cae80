"""Runs killed mid-way (SIGKILL, SIGTERM) while the local engine's forked workers read, and
runs racing for one partition. A run's lock dies with its process tree, nothing is left
running, SIGTERM records the run as interrupted, and every run is recorded once."""

from __future__ import annotations

import itertools
import pathlib
import signal

from tests.faults.conftest import Case, runs_text
from tests.faults.support import (
    DS,
    FORKING,
    JOB,
    alive,
    descendants,
    history,
    left_behind,
    pause_env,
    project,
    run,
    start,
    wait_started,
    workers_started,
)

WORKERS_PAUSE = {**FORKING, **pause_env(600, in_worker=True)}


def test_sigkill_mid_run_frees_the_lock_and_leaves_no_worker(tmp_path: pathlib.Path,
                                                             case: Case) -> None:
    proj = project(tmp_path)
    victim = start(proj, "run", JOB, "--ds", DS, env=WORKERS_PAUSE)
    workers = workers_started(victim)
    killed = wait_started(proj)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=60)
    case.processes_left = len(left_behind(workers))
    assert case.processes_left == 0, f"workers outlived the killed run: {alive(workers)}"
    # The lock died with the run: the next run of the same ds goes ahead (bounded wait).
    rerun = run(proj, timeout=240)
    assert rerun.code == 0, rerun.err
    assert f"earlier run {killed.run_id} was interrupted; marked failed" in rerun.err
    records = history(proj)
    case.verdict, case.exit_code, case.runs = "pass", rerun.code, runs_text(records)
    assert [r.outcome.value if r.outcome else None for r in records] == ["not_evaluated", "pass"]
    assert records[0].run_id == killed.run_id and (records[0].error or "").startswith("interrupted")


def test_sigterm_mid_run_records_interrupted_and_stops_workers(tmp_path: pathlib.Path,
                                                               case: Case) -> None:
    proj = project(tmp_path)
    victim = start(proj, "run", JOB, "--ds", DS, "--json", env=WORKERS_PAUSE)
    workers = workers_started(victim)
    started = wait_started(proj)
    victim.send_signal(signal.SIGTERM)
    out, err = victim.communicate(timeout=120)
    case.exit_code = victim.returncode
    assert victim.returncode == 2, err  # not evaluated, never a pass or a block
    case.processes_left = len(left_behind(workers | descendants(victim.pid)))
    assert case.processes_left == 0
    [record] = history(proj)
    case.verdict, case.runs = "not_evaluated", runs_text([record])
    assert record.run_id == started.run_id and record.outcome is not None
    assert record.outcome.value == "not_evaluated"
    assert (record.error or "").startswith("interrupted: dqv received SIGTERM"), record.error
    assert '"outcome": "not_evaluated"' in out
    # Nothing is held: the next run goes ahead at once and finds nothing to recover.
    rerun = run(proj, timeout=240)
    assert rerun.code == 0 and "was interrupted" not in rerun.err, rerun.err


def test_sigterm_while_starting_is_recorded(tmp_path: pathlib.Path, case: Case) -> None:
    """SIGTERM at the pause hook's point (recorded as started, before any work)."""
    proj = project(tmp_path)
    victim = start(proj, "run", JOB, "--ds", DS, env=pause_env(600))
    started = wait_started(proj)
    victim.send_signal(signal.SIGTERM)
    victim.communicate(timeout=120)
    [record] = history(proj)
    case.verdict, case.exit_code, case.runs = "not_evaluated", victim.returncode, runs_text([record])
    case.processes_left = len(descendants(victim.pid))
    assert victim.returncode == 2
    assert record.run_id == started.run_id and (record.error or "").startswith("interrupted")


def test_two_and_three_concurrent_runs_are_serialized_and_all_recorded(
        tmp_path: pathlib.Path, case: Case) -> None:
    proj = project(tmp_path)
    first = start(proj, "run", JOB, "--ds", DS, "--json", env={**FORKING, **pause_env(2)})
    wait_started(proj)
    others = [start(proj, "run", JOB, "--ds", DS, "--json", env=FORKING) for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in (first, *others)]
    codes = [p.returncode for p in (first, *others)]
    assert codes == [0, 0, 0], [err[-2000:] for _, err in outputs]
    assert sum("waiting for the run in progress" in err for _, err in outputs) >= 1
    records = history(proj)
    case.verdict, case.exit_code, case.runs = "pass x3", max(codes), runs_text(records)
    assert len({r.run_id for r in records}) == 3
    assert all(r.outcome is not None and r.outcome.value == "pass" for r in records)
    ordered = sorted(records, key=lambda r: r.started_at)
    for before, after in itertools.pairwise(ordered):
        assert before.ended_at is not None and after.started_at >= before.ended_at
    case.processes_left = sum(len(descendants(p.pid)) for p in (first, *others))
