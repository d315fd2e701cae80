"""Which engine a run uses, and how partial results from workers merge (pure logic)."""

from __future__ import annotations

from validator.engines import AUTO_BEAM_ROWS, pick, runner_of
from validator.stats.convert import MAX_EXAMPLES, InvalidValues

DATAFLOW = ["--runner=DataflowRunner", "--project=p", "--region=europe-west4"]


def test_explicit_engine_wins() -> None:
    assert pick("beam", [], 10) == "beam"
    assert pick("local", DATAFLOW, AUTO_BEAM_ROWS * 10) == "local"


def test_auto_stays_local_unless_big_and_remote() -> None:
    # On this machine auto means the fast core (issue 16: the fastest engine that fits).
    assert pick("auto", [], AUTO_BEAM_ROWS * 10) == "fast"  # DirectRunner is slower than local
    assert pick("auto", DATAFLOW, 1_000) == "fast"
    assert pick("auto", DATAFLOW, None) == "fast"  # size unknown: do not launch a cluster
    assert pick("auto", DATAFLOW, AUTO_BEAM_ROWS + 1) == "beam"
    assert pick("auto", ["--runner", "FlinkRunner"], AUTO_BEAM_ROWS + 1) == "beam"


def test_runner_of_reads_both_option_spellings() -> None:
    assert runner_of([]) == "DirectRunner"
    assert runner_of(["--runner=SparkRunner"]) == "SparkRunner"
    assert runner_of(["--runner", "FlinkRunner", "--parallelism=4"]) == "FlinkRunner"


def test_invalid_values_merge_counts_and_keeps_few_examples() -> None:
    from validator.engines.local import merge_invalid

    merged: dict[str, InvalidValues] = {}
    merge_invalid(merged, {"price": InvalidValues("FLOAT", 2, ["$1", "$2"])})
    merge_invalid(merged, {"price": InvalidValues("FLOAT", 5, ["$2", "$3", "$4"]),
                           "age": InvalidValues("INT", 1, ["x"])})
    assert merged["price"].count == 7
    assert merged["price"].examples == ["$1", "$2", "$3"][:MAX_EXAMPLES]
    assert (merged["age"].count, merged["age"].expected) == (1, "INT")
