"""The gate under concurrency, against a real service on loopback: 200 gate calls at once for one
job and ds with max_age=0 share one run (same answer for all; the service process stays under
300 MB and never loads TensorFlow: runs are child processes), 200 answers from the history read
the store once, and a gate call during a re-run of its ds waits for that run.
Every run pauses a few seconds after it is recorded as started (the test pause hook), so all
200 calls are in while the run is going; counts are asserted, never times."""

from __future__ import annotations

import pathlib
from collections.abc import Iterator

import pytest

from tests.support.pause_hook import pause_env
from tests.support.serve import SAMPLE_JOB, Service, make_project, running_service, wait_for
from validator.history import open_store

CALLS = 200
GATE = "/gate/training_events?ds=2026-11-01"
RSS_GROWTH_LIMIT_KB = 100 * 1024  # the 200 calls may add this much at most (before: +588 MB)
RSS_LIMIT_KB = 300 * 1024  # the service process's peak, runs included (before: about 600 MB)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    project = make_project(tmp_path_factory.mktemp("serve-gate"), {"training_events": SAMPLE_JOB})
    yield from running_service(project, "--workers", "2", env=pause_env(4), token="gate-token")


def _runs_of(service: Service, ds: str) -> list[str]:
    return [r.run_id for r in open_store(service.artifact_root).runs("training_events") if r.ds == ds]


def test_concurrent_gates_with_max_age_0_share_one_run(service: Service) -> None:
    # A first run (in a child process), so that what follows measures the gate alone.
    assert service.get("/gate/training_events?ds=2026-11-02")[0] == 200
    before_kb = service.rss_kb()

    answers = service.concurrent_gets(GATE + "&max_age=0", CALLS)

    after_kb = service.rss_kb()
    assert {status for status, _ in answers} == {200}, answers[:3]
    assert len({body["run_id"] for _, body in answers}) == 1, "the calls did not share one run"
    assert {(b["outcome"], b["answered_from"], b["may_train"]) for _, b in answers} == {
        ("pass", "new_run", True)}
    assert _runs_of(service, "2026-11-01") == [answers[0][1]["run_id"]]  # exactly one run started
    assert service.metric("dqv_service_runs_total", job="training_events", outcome="pass",
                          trigger="gate") == 2.0
    print(f"service tree VmRSS: {before_kb // 1024} MB before, {after_kb // 1024} MB after "
          f"{CALLS} calls")
    assert after_kb - before_kb < RSS_GROWTH_LIMIT_KB, (before_kb, after_kb)
    now_kb, peak_kb = service.memory_kb()
    print(f"service process VmRSS {now_kb // 1024} MB, peak (VmHWM) {peak_kb // 1024} MB")
    assert peak_kb < RSS_LIMIT_KB, (now_kb, peak_kb)
    heavy = {lib for lib in service.mapped_libraries()
             if "/tensorflow" in lib or "/tfx_bsl/" in lib or "/apache_beam/" in lib}
    assert not heavy, f"the service process loaded the run stack: {sorted(heavy)[:5]}"
    assert not service.run_children(), "a run process outlived its run"


def test_concurrent_answers_from_the_history_read_the_store_once(service: Service) -> None:
    status, first = service.get(GATE)
    assert status == 200, first
    reads = service.metric("dqv_service_gate_history_reads_total", job="training_events") or 0.0

    answers = service.concurrent_gets(GATE, CALLS)

    assert {status for status, _ in answers} == {200}
    assert {(b["run_id"], b["answered_from"]) for _, b in answers} == {(first["run_id"], "history")}
    # At most one more read (the in-memory copy expires after 30 s); not one per call.
    assert (service.metric("dqv_service_gate_history_reads_total", job="training_events")
            or 0.0) - reads <= 1.0


def test_a_gate_during_a_rerun_of_its_ds_answers_from_that_run(service: Service) -> None:
    status, older = service.get(GATE)
    assert (status, older["answered_from"]) == (200, "history")
    status, accepted = service.request("POST", "/jobs/training_events/run?ds=2026-11-01")
    assert status == 202, accepted
    job = wait_for("the re-run to be recorded as started",
                   lambda: (j := service.job("training_events"))["running_run_id"] and j)
    rerun = job["running_run_id"]
    assert rerun != older["run_id"]

    status, verdict = service.get(GATE)  # the re-run is paused: this call must wait for it

    assert status == 200, verdict
    assert (verdict["run_id"], verdict["answered_from"]) == (rerun, "new_run")
    assert verdict["run_ended_at"] is not None
    assert rerun in _runs_of(service, "2026-11-01")
    assert not pathlib.Path(service.log_path).read_text().count("gate-token")
