"""Benchmark figure (not a test): `dqv serve` under 200 concurrent gate calls on loopback.

    PYTHONPATH=. .venv/bin/python -m tests.bench.serve_gate [--calls 200] [--rounds 3]

Prints how long 200 concurrent /gate calls answered from the history take in all (each round
on fresh connections; target < 2 s), how many runs 200 concurrent calls with max_age=0 start
for one job and ds (target: 1), and the service's resident memory (process tree)."""

from __future__ import annotations

import argparse
import pathlib
import statistics
import tempfile
import time

from tests.support.serve import SAMPLE_JOB, make_project, start_service
from validator.history import open_store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dqv-bench-serve-") as tmp:
        project = make_project(pathlib.Path(tmp), {"training_events": SAMPLE_JOB})
        service = start_service(project, "--workers", "2", token="bench-token")
        try:
            gate = "/gate/training_events?ds=2026-11-01"
            status, first = service.get(gate)  # the run that answers from now on
            assert status == 200, first
            rss_before = service.rss_kb()
            times = []
            for _ in range(args.rounds):
                started = time.perf_counter()
                answers = service.concurrent_gets(gate, args.calls)
                times.append(time.perf_counter() - started)
                assert {s for s, _ in answers} == {200}
                assert {b["answered_from"] for _, b in answers} == {"history"}
            print(f"{args.calls} concurrent /gate answered from the history: "
                  f"{statistics.median(times):.2f} s in all (median of {args.rounds}: "
                  f"{', '.join(f'{t:.2f}' for t in times)} s; target < 2 s)")

            fresh = "/gate/training_events?ds=2026-11-02&max_age=0"
            started = time.perf_counter()
            answers = service.concurrent_gets(fresh, args.calls)
            took = time.perf_counter() - started
            runs = [r for r in open_store(service.artifact_root).runs("training_events")
                    if r.ds == "2026-11-02"]
            print(f"{args.calls} concurrent /gate with max_age=0: {len(runs)} run(s) started, "
                  f"{len({b.get('run_id') for _, b in answers})} distinct answer(s), "
                  f"statuses {sorted({s for s, _ in answers})}, {took:.2f} s in all")
            print(f"service tree VmRSS: {rss_before // 1024} MB after the first run, "
                  f"{service.rss_kb() // 1024} MB at the end")
        finally:
            service.stop()


if __name__ == "__main__":
    main()
