"""`make bench`: how fast each statistics engine is on this machine, as ratios to TFDV's own
in-memory path and to DuckDB's same-aggregates query, both measured in the same run.

    python -m tests.bench.main                  1M x 12, 10M x 12, 1M x 100 columns (default)
    python -m tests.bench.main --quick          200k x 12 and 200k x 100: a minute, for a smoke run
    python -m tests.bench.main --rows 1M,10M --shapes 12,100 --full   also 10M x 100 (local only)
    python -m tests.bench.main --engines fast,duckdb,floor --rows 10M --shapes 12 --parts engines
                                                the fast core against DuckDB only
    python -m tests.bench.main --parts monitors,serve   only those two figures (a few minutes)

Parts (--parts, default all): `engines` (the sizes below), `bigquery` (the emulator path),
`monitors` (what the history monitors add to one run with 365 days of history, target < 100
ms; tests/bench/monitors.py) and `serve` (200 concurrent /gate calls answered from the history,
target < 2 s; 200 with max_age=0 start one run; the service process's peak RSS, target < 300
MB; tests/bench/serve_gate.py).

For each size it writes a synthetic Parquet file (tests/bench/data.py) to a temporary
folder, runs every engine in its own process (tests/bench/child.py) while watching that
process tree's memory (tests/bench/proc.py), prints a table and saves everything as JSON in
bench-results/<UTC timestamp>.json. Then the BigQuery emulator path, when it can run.

Columns: `s` = engine seconds end to end from the Parquet file; `rows/s` = rows / `s`;
`cpu s` = CPU seconds of the same span, all threads and worker processes (steadier than wall
time when other work shares the machine: the interpreter and TensorFlow start are not in it;
the JSON's `cpu_s` is the whole process tree's, start included); `rows/cpu s` = rows / `cpu s`;
`x ref` = TFDV's `generate_statistics_from_dataframe` seconds / engine seconds (the frame
already in memory); `x ref+read` = the same with the reference's pandas read counted, i.e. both
end to end from Parquet; `x duckdb` = DuckDB's seconds for the same aggregates
(tests/bench/peers.py, 2 threads) / engine seconds, `x duckdb cpu` the same for CPU seconds,
both from the same bench run; `floor` = DuckDB reading every value once, the decoding floor;
memory as explained in tests/bench/proc.py; `load` = the 1-minute load average as the run
started.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pathlib
import platform
import shutil
import sys
import tempfile
import time
from typing import Any

from tests.bench.data import Shape, write_parquet
from tests.bench.proc import run_measurement

DEFAULT_ENGINES = ("reference", "fast", "fast-1", "local", "local-1", "beam", "beam-tfdv-defaults",
                   "duckdb", "floor")
# Engines that stream the file (memory does not grow with rows): they run on every size.
STREAMING = ("fast", "fast-1", "local", "local-1", "duckdb", "floor")
BEFORE_MAX_ROWS = 1_000_000  # the old Beam path takes minutes per million rows
REFERENCE_MAX_CELLS = 300_000_000  # pandas holds the whole frame: 10M x 100 would not fit
BYTES_PER_CELL = 8
TIMEOUT_S = 3600.0
PARTS = ("engines", "bigquery", "monitors", "serve")


def _count(text: str) -> int:
    text = text.strip().lower().replace("_", "")
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    try:
        return int(float(text.rstrip("km")) * scale)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a row count (e.g. 200k, 1M)") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.main", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="200k rows, 12 and 100 columns")
    parser.add_argument("--rows", help="comma-separated row counts, e.g. 1M,10M")
    parser.add_argument("--shapes", help="comma-separated shapes: 12, 100 or fF,iI,sS,lL")
    parser.add_argument("--full", action="store_true", help="include 10M x 100 (local engine only)")
    parser.add_argument("--engines", default=",".join(DEFAULT_ENGINES),
                        help=f"comma-separated; default {','.join(DEFAULT_ENGINES)} "
                             "(also: beam-multiprocess, beam-notes-setup: minutes per 1M rows)")
    parser.add_argument("--bigquery-rows", type=_count, default=None,
                        help="rows for the BigQuery emulator path (default: the smallest size)")
    parser.add_argument("--no-bigquery", action="store_true",
                        help="skip the BigQuery emulator path (the same as leaving out the part)")
    parser.add_argument("--parts", default=",".join(PARTS),
                        help=f"comma-separated; default {','.join(PARTS)}")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("bench-results"))
    parser.add_argument("--data-dir", type=pathlib.Path, default=None,
                        help="where the Parquet files go (default: a temporary folder, removed)")
    return parser


def plan(args: argparse.Namespace) -> list[tuple[int, Shape, list[str]]]:
    """(rows, shape, engines) per size, in the order they run."""
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if args.quick:
        rows, shapes = [200_000], ["12", "100"]
    else:
        rows = [_count(r) for r in (args.rows or "1M,10M").split(",")]
        shapes = (args.shapes or "12,100").split(",")
    sizes = []
    for shape_text in shapes:
        shape = Shape.parse(shape_text.strip())
        for count in rows:
            big = count * shape.columns > REFERENCE_MAX_CELLS
            if big and shape.columns > 12 and not args.full and not args.rows:
                continue  # 10M x 100 only when asked for (--full or explicit --rows)
            chosen = [e for e in engines
                      if not (e.startswith("beam-") and e != "beam-multiprocess"
                              and (count > BEFORE_MAX_ROWS
                                                              or shape.columns > 12))
                      and not (big and e not in STREAMING)]
            sizes.append((count, shape, chosen))
    return sizes


def _fmt_rate(rows: float) -> str:
    return f"{rows / 1e6:.2f}M" if rows >= 1e6 else f"{rows / 1e3:.0f}k"


def _ratio(ref: float | None, seconds: float | None) -> str:
    return f"{ref / seconds:.2f}x" if ref and seconds else "-"


def _ok(size: dict[str, Any], engine: str) -> dict[str, Any] | None:
    return next((r for r in size["runs"] if r["engine"] == engine and "error" not in r), None)


_HEAD = (f"{'size':<12}{'engine':<19}{'s':>7}{'rows/s':>8}{'cpu s':>7}{'rows/cpu s':>11}"
         f"{'x ref':>7}{'x ref+read':>11}{'x duckdb':>9}{'x duckdb cpu':>13}{'maxRSS MB':>10}"
         f"{'treePSS MB':>11}{'load':>6}")


def table(results: list[dict[str, Any]]) -> str:
    """One line per run; the ratios are to runs of the same size in the same bench run."""
    lines = [_HEAD, "-" * len(_HEAD)]
    for size in results:
        ref, duck = _ok(size, "reference"), _ok(size, "duckdb")
        ref_e2e = ref["seconds"] + ref["read_seconds"] if ref else None
        label = f"{size['rows'] / 1e6:g}M x {size['columns']}"
        for run in size["runs"]:
            if "error" in run:
                lines.append(f"{label:<12}{run['engine']:<19}  {run['error']}")
                continue
            seconds, cpu = run["seconds"], run.get("engine_cpu_s")
            name = {"floor": "floor (DuckDB max)", "duckdb": "duckdb (same aggs)",
                    "reference": "reference (TFDV)"}.get(run["engine"], run["engine"])
            is_ref = run["engine"] == "reference"
            x_ref = "1.00x" if is_ref else _ratio(ref["seconds"] if ref else None, seconds)
            x_e2e = f"(+{run['read_seconds']:.2f}s)" if is_ref else _ratio(ref_e2e, seconds)
            lines.append(
                f"{label:<12}{name:<19}{seconds:>7.2f}{_fmt_rate(run['rows'] / seconds):>8}"
                f"{cpu if cpu is not None else '-':>7}"
                f"{_fmt_rate(run['rows'] / cpu) if cpu else '-':>11}{x_ref:>7}{x_e2e:>11}"
                f"{_ratio(duck['seconds'] if duck else None, seconds):>9}"
                f"{_ratio(duck.get('engine_cpu_s') if duck else None, cpu):>13}"
                f"{run['max_rss_mb']:>10}{run['tree_pss_mb']:>11}{run.get('load_1m', '-'):>6}")
    return "\n".join(lines)


def _bigquery(rows: int) -> dict[str, Any]:
    """The Storage Read path from the BigQuery emulator (tests/bench/bigquery.py)."""
    try:
        from tests.bench import bigquery as bench_bigquery
    except ImportError as err:
        return {"skipped": f"tests/bench/bigquery.py is not available ({err})"}
    try:
        return dict(bench_bigquery.bench_bigquery_read(rows, engines=True))
    except Exception as err:  # the emulator may be missing: say why, go on
        return {"skipped": f"BigQuery emulator path could not run: {err.__class__.__name__}: {err}"}


def _machine() -> dict[str, Any]:
    from importlib import metadata

    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "load_avg_at_start": os.getloadavg(), "platform": platform.platform(),
            **{pkg: metadata.version(pkg) for pkg in ("tensorflow-data-validation",
                                                      "apache-beam", "pyarrow")}}


def _engines(args: argparse.Namespace, sizes: list[tuple[int, Shape, list[str]]]
             ) -> list[dict[str, Any]]:
    data_dir = args.data_dir or pathlib.Path(tempfile.mkdtemp(prefix="dqv-bench-"))
    results: list[dict[str, Any]] = []
    try:
        for rows, shape, engines in sizes:
            need = rows * shape.columns * BYTES_PER_CELL
            if shutil.disk_usage(data_dir).free < need * 1.5:
                print(f"skip {rows:,} x {shape.columns}: not enough free disk in {data_dir}")
                continue
            file = data_dir / f"bench-{rows}-{shape.label.replace(',', '_')}.parquet"
            start = time.monotonic()
            if not file.exists():
                write_parquet(file, shape, rows)
            print(f"\n{rows:,} rows x {shape.columns} columns ({shape.label}): data "
                  f"{file.stat().st_size / 1e6:,.0f} MB in {time.monotonic() - start:.0f}s",
                  flush=True)
            runs: list[dict[str, Any]] = []
            size = {"rows": rows, "columns": shape.columns, "shape": shape.label, "runs": runs}
            for engine in engines:
                run = run_measurement(engine, file, shape.label, TIMEOUT_S)
                runs.append(run)
                print("  " + (f"{engine}: {run['error']}" if "error" in run else
                              f"{engine}: {run['seconds']:.2f}s, peak tree PSS "
                              f"{run['tree_pss_mb']} MB"), flush=True)
            results.append(size)
            if args.data_dir is None:
                file.unlink()
    finally:
        if args.data_dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)
    return results


def _service_figures(parts: list[str]) -> dict[str, Any]:
    """The history monitors' cost per run and the service's gate and memory figures."""
    out: dict[str, Any] = {}
    if "monitors" in parts:
        from tests.bench import monitors

        out["monitors"] = result = monitors.bench_monitors()
        print("\n" + monitors.report(result), flush=True)
    if "serve" in parts:
        from tests.bench import serve_gate

        try:
            out["serve"] = result = serve_gate.bench_serve_gate()
            print("\n" + serve_gate.report(result), flush=True)
        except Exception as err:  # say why, go on: the other figures still count
            out["serve"] = {"error": f"{err.__class__.__name__}: {err}"}
            print(f"\nserve: {out['serve']['error']}", flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        _parser().error(f"unknown part(s) {', '.join(unknown)}; choose from {', '.join(PARTS)}")
    sizes = plan(args) if "engines" in parts else []
    machine = _machine()
    print(f"dqv bench on {machine['cpus']} cores, load average {machine['load_avg_at_start']}",
          flush=True)
    results = _engines(args, sizes)
    saved: dict[str, Any] = {"machine": machine, "sizes": results}
    if results:
        print("\n" + table(results))
    if "bigquery" in parts and not args.no_bigquery:
        bq_rows = args.bigquery_rows or min((r for r, _, _ in sizes), default=200_000)
        saved["bigquery"] = bigquery = _bigquery(bq_rows)
        print(f"\nBigQuery emulator, Storage Read API ({bq_rows:,} rows): "
              + ", ".join(f"{k}={v}" for k, v in bigquery.items() if not isinstance(v, dict)))
        if "warehouse" in bigquery:
            from tests.bench.bigquery import engines_line

            print(engines_line(bigquery))
    saved.update(_service_figures(parts))
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = args.out / f"{stamp}.json"
    path.write_text(json.dumps(saved, indent=2, default=str), encoding="utf-8")
    print(f"saved {path}")
    ok = all("error" not in r for s in results for r in s["runs"])
    return 0 if ok and "error" not in saved.get("serve", {}) else 1


if __name__ == "__main__":
    sys.exit(main())
