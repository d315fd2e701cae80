"""Benchmark figure (not a test): `dqv serve` under 200 concurrent gate calls on loopback.

    PYTHONPATH=. .venv/bin/python -m tests.bench.serve_gate [--calls 200] [--rounds 3]

Prints how long 200 concurrent /gate calls answered from the history take in all (each round
on fresh connections; target < 2 s), how many runs 200 concurrent calls with max_age=0 start
for one job and ds (target: 1), and the service's resident memory: the service process's own
peak (VmHWM; target < 300 MB, its runs are child processes) and its process tree's."""

from __future__ import annotations

import argparse
import pathlib
import statistics
import tempfile
import time
from typing import Any

from tests.support.serve import SAMPLE_JOB, make_project, start_service
from validator.history import open_store

TARGET_S = 2.0
TARGET_RSS_MB = 300


def bench_serve_gate(calls: int = 200, rounds: int = 3) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="dqv-bench-serve-") as tmp:
        project = make_project(pathlib.Path(tmp), {"training_events": SAMPLE_JOB})
        service = start_service(project, "--workers", "2", token="bench-token")
        try:
            gate = "/gate/training_events?ds=2026-11-01"
            status, first = service.get(gate)  # the run that answers from now on
            assert status == 200, first
            tree_after_run_kb = service.rss_kb()
            times = []
            for _ in range(rounds):
                started = time.perf_counter()
                answers = service.concurrent_gets(gate, calls)
                times.append(time.perf_counter() - started)
                assert {s for s, _ in answers} == {200}
                assert {b["answered_from"] for _, b in answers} == {"history"}

            fresh = "/gate/training_events?ds=2026-11-02&max_age=0"
            started = time.perf_counter()
            answers = service.concurrent_gets(fresh, calls)
            fresh_s = time.perf_counter() - started
            runs = [r for r in open_store(service.artifact_root).runs("training_events")
                    if r.ds == "2026-11-02"]
            rss_kb, peak_kb = service.memory_kb()
            return {"calls": calls, "rounds_s": [round(t, 3) for t in times],
                    "history_s": round(statistics.median(times), 3), "target_s": TARGET_S,
                    "max_age_0_runs": len(runs),
                    "max_age_0_answers": len({b.get("run_id") for _, b in answers}),
                    "max_age_0_statuses": sorted({s for s, _ in answers}),
                    "max_age_0_s": round(fresh_s, 2),
                    "service_rss_mb": rss_kb // 1024, "service_peak_rss_mb": peak_kb // 1024,
                    "target_rss_mb": TARGET_RSS_MB,
                    "tree_rss_after_first_run_mb": tree_after_run_kb // 1024,
                    "tree_rss_end_mb": service.rss_kb() // 1024}
        finally:
            service.stop()


def report(r: dict[str, Any]) -> str:
    return "\n".join([
        f"{r['calls']} concurrent /gate answered from the history: {r['history_s']:.2f} s in all "
        f"(median of {len(r['rounds_s'])}: {', '.join(f'{t:.2f}' for t in r['rounds_s'])} s; "
        f"target < {r['target_s']:g} s)",
        f"{r['calls']} concurrent /gate with max_age=0: {r['max_age_0_runs']} run(s) started, "
        f"{r['max_age_0_answers']} distinct answer(s), statuses {r['max_age_0_statuses']}, "
        f"{r['max_age_0_s']:.2f} s in all",
        f"service process VmRSS {r['service_rss_mb']} MB, peak (VmHWM) "
        f"{r['service_peak_rss_mb']} MB (target < {r['target_rss_mb']} MB; runs are child "
        f"processes); whole tree {r['tree_rss_after_first_run_mb']} MB after the first run, "
        f"{r['tree_rss_end_mb']} MB at the end"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(report(bench_serve_gate(args.calls, args.rounds)))


if __name__ == "__main__":
    main()
