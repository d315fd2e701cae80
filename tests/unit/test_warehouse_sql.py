"""The SQL of `engine: warehouse` (validator/sources/bigquery/stats_sql.py), without a server:
golden statements, how values are typed, quoting of hostile names, the partition's parameters,
the cap rule on a dry-run figure, and the answers' conversion to TFDV statistics."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import sqlglot
from hypothesis import given, settings
from hypothesis import strategies as st

from validator.engines import AUTO_BEAM_ROWS, AUTO_WAREHOUSE_ROWS, pick
from validator.errors import DataError
from validator.sources.bigquery import sql as bq_sql
from validator.sources.bigquery import stats_sql as s

DS = dt.date(2026, 11, 3)
COLUMNS = [s.Column("age", "FLOAT64", False, s.INT, False),
           s.Column("country", "STRING", False, s.BYTES, True),
           s.Column("tags", "INT64", True, s.INT, False)]

GOLDEN_AGGREGATES = r"""SELECT
  COUNT(*) AS n,
  COUNTIF(c0 IS NOT NULL) AS c0_present,
  COUNTIF(c0_bad) AS c0_invalid,
  APPROX_TOP_COUNT(IF(c0_bad, c0_raw, NULL), 4) AS c0_examples,
  MIN(c0) AS c0_min,
  MAX(c0) AS c0_max,
  AVG(c0) AS c0_mean,
  STDDEV_POP(c0) AS c0_std,
  COUNTIF(c0 = 0) AS c0_zeros,
  APPROX_QUANTILES(c0, 1000) AS c0_q,
  COUNTIF(c1 IS NOT NULL) AS c1_present,
  SUM(BYTE_LENGTH(c1)) AS c1_len,
  COUNT(DISTINCT c1) AS c1_unique,
  COUNT(*) AS c2_present,
  MIN(ARRAY_LENGTH(c2)) AS c2_nv_min,
  MAX(ARRAY_LENGTH(c2)) AS c2_nv_max,
  SUM(ARRAY_LENGTH(c2)) AS c2_nv_sum,
  APPROX_QUANTILES(ARRAY_LENGTH(c2), 10) AS c2_nv_q
FROM (
  SELECT
    IF(`age` = TRUNC(`age`), SAFE_CAST(`age` AS INT64), NULL) AS c0,
    `age` IS NOT NULL AND (IF(`age` = TRUNC(`age`), SAFE_CAST(`age` AS INT64), NULL)) IS NULL AS c0_bad,
    SUBSTR(CAST(`age` AS STRING), 1, 40) AS c0_raw,
    `country` AS c1,
    `tags` AS c2
  FROM `p`.`d`.`t`
  WHERE (`ds` = @dqv_ds)
) AS _dqv_rows
"""

GOLDEN_TOP_VALUES = r"""WITH _dqv_rows AS (
  SELECT
    `country` AS c1
  FROM `p`.`d`.`t`
  WHERE (`ds` = @dqv_ds)
),
_dqv_counts AS (
  SELECT p.i AS i, p.v AS v, COUNT(*) AS n
  FROM _dqv_rows, UNNEST([STRUCT(1 AS i, c1 AS v)]) AS p
  WHERE p.v IS NOT NULL
  GROUP BY p.i, p.v
)
SELECT i, v, n FROM (
  SELECT i, v, n, ROW_NUMBER() OVER (PARTITION BY i ORDER BY n DESC, v) AS r
  FROM _dqv_counts
)
WHERE r <= 1000
ORDER BY i, r
"""


def _plan(row_filter: str | None = None) -> s.SourcePlan:
    return s.table_plan(s.TableName("p", "d", "t"), s.partition_condition("ds", "DATE", DS),
                        row_filter)


def test_golden_sql() -> None:
    queries = s.build(_plan(), COLUMNS)
    assert queries.aggregates + "\n" == GOLDEN_AGGREGATES
    assert queries.top_values is not None and queries.top_values + "\n" == GOLDEN_TOP_VALUES
    assert queries.params == (s.Param("dqv_ds", "DATE", DS),)
    for sql in (queries.aggregates, queries.top_values):
        sqlglot.parse_one(sql, read="bigquery")  # valid GoogleSQL


def test_no_top_values_query_without_categorical_columns() -> None:
    assert s.build(_plan(), [COLUMNS[0]]).top_values is None


def test_row_filter_is_anded_in_parentheses() -> None:
    sql = s.aggregates_sql(_plan("a = 1 OR b = 2"), COLUMNS[:1])
    assert "WHERE (`ds` = @dqv_ds) AND (a = 1 OR b = 2)" in sql


def test_partition_conditions_take_the_day_as_parameters() -> None:
    assert s.partition_condition("ds", "DATE", DS) == ("`ds` = @dqv_ds",
                                                       (s.Param("dqv_ds", "DATE", DS),))
    sql, params = s.partition_condition("event_time", "TIMESTAMP", DS)
    assert sql == "`event_time` >= @dqv_ds_start AND `event_time` < @dqv_ds_end"
    assert [p.value for p in params] == [dt.datetime(2026, 11, 3, tzinfo=dt.UTC),
                                         dt.datetime(2026, 11, 4, tzinfo=dt.UTC)]
    assert s.partition_condition("d", "DATETIME", DS)[1][1].value == dt.datetime(2026, 11, 4)
    assert s.partition_condition(None, None, DS)[0] == "_PARTITIONDATE = @dqv_ds"
    with pytest.raises(DataError, match="must be DATE, TIMESTAMP or DATETIME"):
        s.partition_condition("n", "INT64", DS)


@pytest.mark.parametrize(("bq_type", "kind", "value", "can_be_invalid"), [
    ("INT64", s.INT, "CAST(x AS INT64)", False),
    ("BOOLEAN", s.INT, "CAST(x AS INT64)", False),
    ("TIMESTAMP", s.INT, "UNIX_SECONDS(x)", False),  # seconds, rounded down: as convert.py
    ("DATE", s.INT, "UNIX_DATE(x)", False),
    ("FLOAT", s.INT, "IF(x = TRUNC(x), SAFE_CAST(x AS INT64), NULL)", True),
    ("NUMERIC", s.FLOAT, "CAST(x AS FLOAT64)", False),
    ("TIMESTAMP", s.FLOAT, "UNIX_MICROS(x) / 1000000", False),
    ("STRING", s.BYTES, "x", False),
    ("BOOL", s.BYTES, "IF(x, 'true', 'false')", False),
    ("DATE", s.BYTES, "FORMAT_DATE('%Y-%m-%d', x)", False),
])
def test_values_are_typed_as_the_local_engine_types_them(bq_type: str, kind: str, value: str,
                                                         can_be_invalid: bool) -> None:
    typed, invalid = s.typed_value("x", bq_type, kind)
    assert typed == value
    assert (invalid is not None) == can_be_invalid


def test_text_is_parsed_with_the_local_engines_patterns_then_safe_cast() -> None:
    from validator.stats import convert

    assert s.INT_TEXT == convert._INT_TEXT and s.FLOAT_TEXT == convert._FLOAT_TEXT
    value, invalid = s.typed_value("x", "STRING", s.FLOAT)
    assert f"r'{s.FLOAT_TEXT}'" in value and "SAFE_CAST(" in value and "AS FLOAT64" in value
    assert invalid == f"NULLIF(TRIM(x), '') IS NOT NULL AND ({value}) IS NULL"  # blank: missing


def test_struct_columns_are_refused() -> None:
    with pytest.raises(DataError, match="STRUCT / RECORD"):
        s.typed_value("x", "RECORD", s.BYTES)


def test_columns_are_matched_like_the_storage_read_path() -> None:
    fields = [("Age", "INTEGER", "NULLABLE"), ("country", "STRING", "NULLABLE"),
              ("extra", "FLOAT", "NULLABLE"), ("tags", "STRING", "REPEATED")]
    features = {"age": (s.INT, False), "country": (s.BYTES, True), "gone": (s.INT, False),
                "tags": (s.BYTES, True)}
    chosen = s.plan_columns(fields, features, None)  # the schema's columns, not `extra`
    assert [(c.name, c.kind, c.repeated) for c in chosen] == [
        ("Age", s.INT, False), ("country", s.BYTES, False), ("tags", s.BYTES, True)]
    chosen = s.plan_columns(fields, features, ["EXTRA", "country"])  # source.columns
    assert [(c.name, c.kind, c.categorical) for c in chosen] == [
        ("extra", s.FLOAT, False), ("country", s.BYTES, True)]


HOSTILE = st.text(alphabet=st.sampled_from(list("`'\"\\;)(-_ aZ9\u00e9\u20ac\U0001f600\n")),
                  min_size=1, max_size=20)


def _statements(name: str) -> list[str]:
    column = s.Column(name, "STRING", False, s.BYTES, True)
    table = s.TableName("p", "d", "t")
    queries = s.build(s.table_plan(table, s.partition_condition(name, "DATE", DS), None), [column])
    return [queries.aggregates, queries.top_values or ""]


@settings(max_examples=200, deadline=None)
@given(name=HOSTILE)
def test_any_column_name_stays_one_quoted_identifier(name: str) -> None:
    """Whatever the name, the statements are the benign name's statements with only the quoted
    identifier changed, and they parse: a name can never become SQL syntax."""
    quoted = bq_sql.quote_identifier(name)
    benign = _statements("plain")
    for sql, expected in zip(_statements(name), benign, strict=True):
        sqlglot.parse_one(sql, read="bigquery")
        assert sql.replace(quoted, "<NAME>") == expected.replace("`plain`", "<NAME>")


def test_cap_rule_on_a_dry_run_figure() -> None:
    """The emulator's dry runs always report 0 bytes, so the rule the engine applies to the
    dry run's figure is shown here on made-up figures (BigQuery's are real)."""
    bq_sql.check_cost(5_000_000, 5_000_000, "the warehouse statistics queries")
    with pytest.raises(DataError, match=r"would bill 5,000,001 bytes .* above "
                                        r"source.maximum_bytes_billed = 5,000,000"):
        bq_sql.check_cost(5_000_001, 5_000_000, "the warehouse statistics queries")


def test_auto_picks_warehouse_for_large_bigquery_partitions() -> None:
    assert pick("auto", [], AUTO_WAREHOUSE_ROWS + 1, True) == "warehouse"
    assert pick("auto", [], AUTO_WAREHOUSE_ROWS, True) == "fast"
    assert pick("auto", [], None, True) == "fast"  # size unknown (a query): move the rows
    assert pick("auto", [], AUTO_WAREHOUSE_ROWS * 100, False) == "fast"  # not BigQuery
    assert pick("auto", ["--runner=DataflowRunner"], AUTO_BEAM_ROWS + 1, True) == "warehouse"
    assert pick("warehouse", [], 10) == "warehouse"


def test_cumulative_counts_from_quantiles_alone() -> None:
    from validator.engines.warehouse import cumulative_counts

    counts = cumulative_counts(np.array([1.0, 2.0, 3.0, 4.0, 5.0]), 100)
    assert counts.tolist() == [0.0, 25.0, 50.0, 75.0, 100.0]
    # Equal boundaries share the count of the last of them, as TFDV's sketch reports ties.
    assert cumulative_counts(np.array([1.0, 1.0, 1.0, 2.0, 2.0]), 8).tolist() == [4, 4, 4, 8, 8]


def test_answers_become_tfdv_statistics() -> None:
    from validator.engines.warehouse import to_statistics

    row = {"n": 10, "c0_present": 8, "c0_invalid": 1,
           "c0_examples": [{"value": None, "count": 2}, {"value": "x1", "count": 1}],
           "c0_min": 0, "c0_max": 9, "c0_mean": 4.5, "c0_std": 2.0, "c0_zeros": 1,
           "c0_q": [float(v) for v in np.linspace(0, 9, 1001)],
           "c1_present": 10, "c1_len": 20, "c1_unique": 2,
           "c2_present": 10, "c2_nv_min": 0, "c2_nv_max": 3, "c2_nv_sum": 12,
           "c2_nv_q": [0, 0, 1, 1, 1, 1, 1, 2, 2, 3, 3]}
    statistics, invalid = to_statistics(COLUMNS, row, {1: [("US", 7), ("DE", 3)]})
    age, country, tags = statistics.datasets[0].features
    assert statistics.datasets[0].num_examples == 10
    assert (age.num_stats.common_stats.num_non_missing, age.num_stats.common_stats.num_missing) \
        == (8, 2)
    assert (age.num_stats.min, age.num_stats.max, age.num_stats.num_zeros) == (0, 9, 1)
    assert [h.type for h in age.num_stats.histograms] == [0, 1]  # STANDARD, QUANTILES
    assert sum(b.sample_count for b in age.num_stats.histograms[0].buckets) == pytest.approx(8)
    assert invalid["age"].count == 1 and invalid["age"].examples == ["x1"]
    assert [(v.value, v.frequency) for v in country.string_stats.top_values] == [("US", 7),
                                                                                  ("DE", 3)]
    assert country.string_stats.avg_length == 2.0 and country.string_stats.unique == 2
    common = tags.num_stats.common_stats
    assert (common.min_num_values, common.max_num_values, common.tot_num_values) == (0, 3, 12)
    assert common.avg_num_values == pytest.approx(1.2)
    empty, _ = to_statistics(COLUMNS, {"n": 0}, {})
    assert len(empty.datasets) == 1 and not empty.datasets[0].features  # as TFDV: no rows
