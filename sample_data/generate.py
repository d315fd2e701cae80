"""Generate the bundled sample training table: `training_events`, 11 daily partitions.

A click-stream table used to train a purchase-propensity model. Days 2026-11-01..05 are
clean; later days carry realistic defects that dqv must catch:

    2026-11-06  device gets an unseen category "smart_tv"          (warning by job policy)
    2026-11-07  column account_age_days is gone (upstream dropped it)
    2026-11-08  age carries sentinel values -1 and 999 (out of the schema's range)
    2026-11-09  cart_value arrives as text such as "$12.50" (a type change)
    2026-11-10  country mix and session durations drifted (new traffic source)
    2026-11-11  clean again

Deterministic: the same seed always writes the same files. Run:
    python sample_data/generate.py [--out DIR] [--rows N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import pathlib

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

FIRST_DAY = dt.date(2026, 11, 1)
DAYS = 11
COUNTRIES = ["US", "GB", "DE", "FR", "IN", "BR", "JP", "CA"]
COUNTRY_P = [0.40, 0.12, 0.10, 0.08, 0.12, 0.08, 0.05, 0.05]
DRIFTED_COUNTRY_P = [0.75, 0.04, 0.04, 0.04, 0.05, 0.04, 0.02, 0.02]
DEVICES = ["mobile", "desktop", "tablet"]
BROWSERS = ["chrome", "safari", "firefox", "edge", "other"]
REFERRERS = ["search", "direct", "social", "email", "ads"]


def make_day(day: dt.date, rows: int, rng: np.random.Generator) -> pa.Table:
    index = (day - FIRST_DAY).days
    drifted = day == dt.date(2026, 11, 10)
    country = rng.choice(COUNTRIES, rows, p=DRIFTED_COUNTRY_P if drifted else COUNTRY_P)
    device = rng.choice(DEVICES, rows, p=[0.62, 0.30, 0.08]).astype(object)
    if day == dt.date(2026, 11, 6):
        device[rng.random(rows) < 0.05] = "smart_tv"
    browser = rng.choice(BROWSERS, rows, p=[0.55, 0.25, 0.1, 0.07, 0.03]).astype(object)
    browser[rng.random(rows) < 0.02] = None
    age = rng.normal(36, 11, rows).clip(16, 90).round().astype("int64")
    age_missing = rng.random(rows) < 0.05
    if day == dt.date(2026, 11, 8):
        age[rng.random(rows) < 0.03] = -1
        age[rng.random(rows) < 0.02] = 999
    duration_scale = 3.0 if drifted else 1.0
    duration = (rng.lognormal(5.0, 0.8, rows) * duration_scale).round(2)
    pages = rng.poisson(4, rows) + 1
    has_cart = rng.random(rows) < 0.6
    cart_value = np.where(has_cart, rng.gamma(2.0, 30.0, rows).round(2), np.nan)
    discount = np.where(rng.random(rows) < 0.25, rng.choice([5.0, 10.0, 15.0, 20.0, 30.0], rows), np.nan)
    returning = (rng.random(rows) < 0.45).astype("int64")
    logit = -2.2 + 0.35 * np.log1p(pages) + 0.8 * returning + 0.004 * np.nan_to_num(cart_value)
    label = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype("int64")
    start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    seconds = np.sort(rng.integers(0, 86400, rows))
    event_time = [start + dt.timedelta(seconds=int(s)) for s in seconds]

    columns: dict[str, pa.Array] = {
        "user_id": pa.array([f"u{n:06d}" for n in rng.integers(0, 200_000, rows)]),
        "session_id": pa.array([f"s{index:02d}{n:07d}" for n in range(rows)]),
        "event_time": pa.array(event_time, pa.timestamp("us", tz="UTC")),
        "country": pa.array(country),
        "device": pa.array(list(device)),
        "browser": pa.array(list(browser)),
        "age": pa.array(age, mask=age_missing),
        "account_age_days": pa.array(rng.exponential(400, rows).astype("int64")),
        "session_duration_s": pa.array(duration),
        "pages_viewed": pa.array(pages.astype("int64")),
        "cart_value": pa.array(cart_value, from_pandas=True),
        "discount_pct": pa.array(discount, from_pandas=True),
        "is_returning": pa.array(returning),
        "referrer": pa.array(rng.choice(REFERRERS, rows, p=[0.35, 0.25, 0.2, 0.1, 0.1])),
        "label": pa.array(label),
    }
    if day == dt.date(2026, 11, 7):
        del columns["account_age_days"]
    if day == dt.date(2026, 11, 9):
        columns["cart_value"] = pa.array(
            [None if np.isnan(v) else f"${v:.2f}" for v in cart_value], pa.string())
    return pa.table(columns)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path,
                        default=pathlib.Path(__file__).parent / "training_events")
    parser.add_argument("--rows", type=int, default=2000)
    args = parser.parse_args()
    rng = np.random.default_rng(20261101)
    for offset in range(DAYS):
        day = FIRST_DAY + dt.timedelta(days=offset)
        table = make_day(day, args.rows, rng)
        folder = args.out / f"ds={day.isoformat()}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, folder / "part-000.parquet", compression="zstd")
        print(f"{folder}: {table.num_rows} rows, {table.num_columns} columns")


if __name__ == "__main__":
    main()
