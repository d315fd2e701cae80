"""The pasteable evidence query (validator/core/evidence_sql.py): hostile column names and
values stay data, and the query DuckDB runs returns exactly the rows the check is about."""

from __future__ import annotations

import datetime as dt
import pathlib
import tempfile

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlglot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from validator.core.evidence_sql import FileTarget, Param, TableTarget, ValueCheck, query

HOSTILE = ["'); DROP TABLE t; --", 'a"b', "a`b", "x\\", "line\nbreak", "ü ß", "' OR 1=1 --",
           "$1", "@p0", "NULL"]
# No NUL: neither Parquet names nor DuckDB strings hold it. Names are case-insensitive in DuckDB.
names = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                min_size=1, max_size=12).filter(lambda n: n.lower() != "rowid_")
texts = st.one_of(st.sampled_from(HOSTILE),
                  st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                          max_size=8))


def _rows(path: pathlib.Path, sql: str) -> list[tuple[object, ...]]:
    con = duckdb.connect()
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=names, domain=st.lists(texts, max_size=5, unique=True),
       values=st.lists(st.one_of(st.none(), texts), min_size=1, max_size=12))
def test_domain_query_returns_exactly_the_values_outside_the_domain(
        name: str, domain: list[str], values: list[str | None]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "hostile'; DROP.parquet"
        pq.write_table(pa.table({name: pa.array(values, pa.string()),
                                 "n": pa.array(range(len(values)), pa.int64())}
                                if name.lower() != "n" else {name: pa.array(values, pa.string())}),
                       path)
        check = ValueCheck(name, "ENUM_TYPE_UNEXPECTED_STRING_VALUES", "domain",
                           values=tuple(domain), text=True)
        sql = query(check, FileTarget((str(path),)))
        got = sorted((r[0] for r in _rows(path, sql)), key=str)
        want = sorted((v for v in values if v is not None and v not in domain), key=str)
        assert got == want
        # The executed form: the given columns only, and a limit.
        limited = query(check, FileTarget((str(path),)), columns=(name,), limit=2)
        assert len(_rows(path, limited)) == min(2, len(want))


@settings(max_examples=40, deadline=None)
@given(name=names, low=st.integers(-1000, 1000), span=st.integers(0, 1000),
       values=st.lists(st.one_of(st.none(), st.integers(-3000, 3000)), min_size=1, max_size=12))
def test_range_queries_return_the_values_past_each_bound(name: str, low: int, span: int,
                                                         values: list[int | None]) -> None:
    high = low + span
    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "d.parquet"
        pq.write_table(pa.table({name: pa.array(values, pa.int64())}), path)
        for kind, bound, keep in (("below", low, lambda v: v < low), ("above", high, lambda v: v > high)):
            check = ValueCheck(name, "INT_TYPE_BIG_INT", kind, bound=bound, value_type="INT")
            got = sorted(r[0] for r in _rows(path, query(check, FileTarget((str(path),)))))
            assert got == sorted(v for v in values if v is not None and keep(v))


def test_text_numbers_are_parsed_as_dqv_parses_them(tmp_path: pathlib.Path) -> None:
    # A CSV column: blank text is missing, text that does not parse is a type error (not a
    # value past the bound), numbers with spaces or a '+' parse (validator/stats/convert.py).
    values = ["12", " 200 ", "+300", "12.5", "$4", "", "   ", None, "1e3", "121"]
    path = tmp_path / "d.csv"
    path.write_text("age\n" + "\n".join("" if v is None else f'"{v}"' for v in values) + "\n")
    target = FileTarget((str(path),), "csv")

    def run(check: ValueCheck) -> list[object]:
        return [r[0] for r in _rows(path, query(check, target))]

    assert run(ValueCheck("age", "INT_TYPE_BIG_INT", "above", bound=120, value_type="INT",
                          text=True)) == [" 200 ", "+300", "121"]
    assert run(ValueCheck("age", "UNEXPECTED_DATA_TYPE", "type", value_type="INT",
                          text=True)) == ["12.5", "$4", "1e3"]
    # Missing for a number: no value, blank, or a value that does not parse.
    assert run(ValueCheck("age", "FEATURE_TYPE_LOW_FRACTION_PRESENT", "missing",
                          value_type="INT", text=True)) == ["12.5", "$4", "", "   ", None, "1e3"]
    floats = run(ValueCheck("age", "UNEXPECTED_DATA_TYPE", "type", value_type="FLOAT", text=True))
    assert floats == ["$4"]


def test_the_partition_column_selects_the_day(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "d.parquet"
    pq.write_table(pa.table({"day": pa.array([dt.date(2026, 11, 8), dt.date(2026, 11, 9)] * 2),
                             "device": ["tv", "tv", "mobile", "tv"]}), path)
    check = ValueCheck("device", "ENUM_TYPE_UNEXPECTED_STRING_VALUES", "domain", values=("mobile",))
    target = FileTarget((str(path),), ds_column="day", ds=dt.date(2026, 11, 8))
    assert _rows(path, query(check, target)) == [(dt.date(2026, 11, 8), "tv")]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_googlesql_quotes_names_and_executes_with_parameters(hostile: str) -> None:
    check = ValueCheck(hostile, "ENUM_TYPE_UNEXPECTED_STRING_VALUES", "domain",
                       values=(hostile, "b"), text=True)
    target = TableTarget(table="proj.data set.t`x", conditions=("`ds` = DATE '2026-11-08'",))
    pasted = query(check, target)
    tree = sqlglot.parse_one(pasted, read="bigquery")  # one statement, the name one identifier
    assert isinstance(tree, sqlglot.exp.Select)
    assert {c.name for c in tree.find_all(sqlglot.exp.Column)} == {hostile, "ds"}
    assert hostile in {lit.this for lit in tree.find_all(sqlglot.exp.Literal)}
    params: list[Param] = []
    executed = query(check, target, columns=(hostile,), limit=21, params=params)
    assert [p.value for p in params] == [hostile, "b"]
    executed_tree = sqlglot.parse_one(executed, read="bigquery")
    assert hostile not in {lit.this for lit in executed_tree.find_all(sqlglot.exp.Literal)}
    assert executed.endswith("LIMIT 21")


def test_a_query_source_is_a_subquery_with_its_ds() -> None:
    check = ValueCheck("age", "INT_TYPE_BIG_INT", "above", bound=120, value_type="INT")
    target = TableTarget(query="SELECT * FROM d.t WHERE ds = @ds", conditions=("age IS NOT NULL",),
                         ds=dt.date(2026, 11, 8))
    pasted = query(check, target)
    assert "@ds" not in pasted and "'2026-11-08'" in pasted and "AS source" in pasted
    params: list[Param] = []
    executed = query(check, target, columns=("age",), params=params)
    assert "@ds" in executed
    assert params[0] == Param("ds", "DATE", dt.date(2026, 11, 8))
