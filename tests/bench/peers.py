"""Peer statistics on the same Parquet file for `make bench`: DuckDB's same-aggregates query
and the decoding floor.

`duckdb_tfdvlike` is the query of the shared peer benchmark (../shared/bench/peers.py, used for
/work/shared/notes/statistics-peers.md), copied unchanged in what it computes: one SQL pass with
what TFDV computes (counts, zeros, min/max/mean/std, 9 approximate quantiles, top-20 + uniques +
average length for strings), then one pass for the 10-bucket equal-width histograms, 2 threads.
`decoding_floor` reads every value once (the max of each column): no engine that reads the
Parquet file can be faster.
"""

from __future__ import annotations

from typing import Any


def _duck() -> Any:
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads=2")
    return con


def duckdb_tfdvlike(path: str) -> None:
    con = _duck()
    cols = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()
    num = [c[0] for c in cols if c[1] in ("DOUBLE", "BIGINT", "INTEGER", "FLOAT")]
    txt = [c[0] for c in cols if c[1] == "VARCHAR"]
    parts = ["count(*) AS n"]
    for c in num:
        q = f'"{c}"'
        parts += [f"count({q})", f"count_if({q}=0)", f"min({q})", f"max({q})", f"avg({q})",
                  f"stddev_pop({q})",
                  f"approx_quantile({q}, [0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9])"]
    for c in txt:
        q = f'"{c}"'
        parts += [f"count({q})", f"approx_count_distinct({q})", f"avg(length({q}))",
                  f"approx_top_k({q}, 20)"]
    con.execute(f"CREATE TEMP TABLE a AS SELECT {', '.join(parts)} FROM read_parquet('{path}')")
    mms = ", ".join(f'min("{c}"), max("{c}")' for c in num)
    mm = con.execute(f"SELECT {mms} FROM read_parquet('{path}')").fetchone()
    # equal-width 10-bucket histograms, one pass for all numeric columns
    hs = []
    for i, c in enumerate(num):
        lo, hi = mm[2 * i], mm[2 * i + 1]
        w = (hi - lo) / 10 or 1
        hs.append(f'histogram(least(9, floor(("{c}" - {lo!r}) / {w!r}))::INT)')
    con.execute(f"SELECT {', '.join(hs)} FROM read_parquet('{path}')").fetchall()


def decoding_floor(path: str) -> None:
    con = _duck()
    cols = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()
    maxima = ", ".join(f'max("{c[0]}")' for c in cols)
    con.execute(f"SELECT {maxima} FROM read_parquet('{path}')").fetchall()
