"""Worker processes shared by the local engines (`local`: TFDV's generators, `fast`: the fast
core): how they are started, how their results are collected, and the small sizing rules.

TensorFlow-free, so the fast engine can use it without importing TFDV.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import threading
from collections.abc import Sequence
from typing import Any

from validator.engines.lifetime import die_with_parent
from validator.engines.progress import Progress
from validator.errors import ConfigError, DataError
from validator.sources.base import ReadStats, Shard, Source, SourcePlan

_POLL_S = 0.5
# Below this many rows, forking workers costs more than it saves (env DQV_PARALLEL_MIN_ROWS).
SMALL_ROWS = 100_000


def default_workers() -> int:
    """Worker processes: DQV_LOCAL_WORKERS, else one per core."""
    return env_int("DQV_LOCAL_WORKERS") or os.cpu_count() or 1


def default_min_parallel_rows() -> int:
    return env_int("DQV_PARALLEL_MIN_ROWS", SMALL_ROWS)


def process_context(preload: str) -> Any:
    """fork when this process has one thread; a forkserver once others run (dqv serve's HTTP and
    worker threads), because a lock another thread holds at fork time (logging, gRPC, TensorFlow)
    stays locked forever in the child. The forkserver imports `preload` once, not per worker."""
    if threading.active_count() == 1:
        return mp.get_context("fork")
    context = mp.get_context("forkserver")
    context.set_forkserver_preload([preload])
    return context


def env_int(name: str, default: int = 0) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        raise ConfigError(f"environment variable {name}={text!r} is not a whole number") from None


def split_plan(source: Source, plan: SourcePlan, workers: int, min_rows: int
               ) -> list[Shard] | None:
    """Shards for `workers` processes, or None when one process is better: one worker, a small
    partition (forking costs more than it saves), or a source that cannot be split."""
    small = plan.estimated_rows is not None and plan.estimated_rows < min_rows
    if workers < 2 or small:
        return None
    shards = source.split(plan, workers)
    return shards if shards and len(shards) > 1 else None


def count_files(read: ReadStats, plan: SourcePlan) -> None:
    """The plan's files and bytes, each file once (shards may share a file's row groups)."""
    if plan.parts:
        read.uri, read.files = plan.uri, len(plan.files)
        read.bytes_read = sum({p.file: p.size for p in plan.parts}.values())


def collect(procs: Sequence[Any], results: Any, progress: Progress, engine: str) -> list[Any]:
    """Each worker's result, in shard order; progress as it comes; the first error raised."""
    partials: dict[int, Any] = {}
    while len(partials) < len(procs):
        try:
            kind, index, payload = results.get(timeout=_POLL_S)
        except queue.Empty:
            dead = [i for i, p in enumerate(procs) if not p.is_alive() and i not in partials]
            if dead and results.empty():
                code = procs[dead[0]].exitcode
                raise DataError(f"a statistics worker stopped (exit code {code}) before it "
                                f"finished; rerun with engine: {engine} and --verbose") from None
            continue
        if kind == "progress":
            progress.update(payload)
        elif kind == "error":
            raise DataError(payload)
        else:
            partials[index] = payload
    return [partials[i] for i in sorted(partials)]


def _in_worker(target: Any, parent_pid: int | None, *args: Any) -> None:
    die_with_parent(parent_pid)
    target(*args)


def run_workers(target: Any, shards: Sequence[Shard], args: tuple[Any, ...], preload: str,
                progress: Progress, engine: str) -> list[Any]:
    """Start one process per shard running target(index, shard, *args, results); collect.
    Every worker dies with this process (engines/lifetime.py), so a killed run leaves none."""
    context = process_context(preload)
    results = context.Queue()
    parent = os.getpid() if context.get_start_method() == "fork" else None
    procs = [context.Process(target=_in_worker, args=(target, parent, i, shard, *args, results),
                             daemon=True)
             for i, shard in enumerate(shards)]
    for proc in procs:
        proc.start()
    try:
        return collect(procs, results, progress, engine)
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
            proc.join()
