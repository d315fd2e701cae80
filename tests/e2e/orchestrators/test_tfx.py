"""TFX: dqv takes a StatisticsGen output folder as its skew reference.

TFX itself cannot be installed here (tfx 1.21 needs TFDV 1.21, whose wheels need glibc 2.39), so
the artifact is laid out as StatisticsGen writes it: `<pipeline_root>/StatisticsGen/statistics/
<execution id>/Split-train/FeatureStats.pb` and `Split-eval/FeatureStats.pb`, each a binary
DatasetFeatureStatisticsList from TFDV's GenerateStatistics. The serving job names the folder
(`skew.reference_statistics`); dqv compares with the train split's statistics.
"""

from __future__ import annotations

import pathlib

import pyarrow as pa
import pyarrow.parquet as pq
import tensorflow_data_validation as tfdv
from tensorflow_metadata.proto.v0 import schema_pb2

from tests.conftest import REPO
from tests.e2e.history.test_skew import CLEAN, SKEWED, _run, _serving_day, _serving_job, _skew
from validator.config.schema_io import load_schema


def _split_statistics(table: pa.Table, schema: schema_pb2.Schema) -> bytes:
    """A split's FeatureStats.pb as StatisticsGen writes it (TFDV statistics, binary)."""
    stats = tfdv.generate_statistics_from_dataframe(table.to_pandas(),
                                                    stats_options=tfdv.StatsOptions(schema=schema))
    return bytes(stats.SerializeToString())


def test_statisticsgen_folder_is_a_skew_reference(tmp_project: pathlib.Path, tmp_path: pathlib.Path
                                                   ) -> None:
    _serving_day(tmp_project, SKEWED, skewed=True)
    _serving_day(tmp_project, CLEAN, skewed=False)
    schema = load_schema(REPO / "schemas" / "training_events.pbtxt")
    artifact = tmp_path / "pipeline" / "StatisticsGen" / "statistics" / "7"
    train = pq.read_table(REPO / "sample_data" / "training_events" / "ds=2026-11-02" / "part-000.parquet")
    (artifact / "Split-train").mkdir(parents=True)
    (artifact / "Split-train" / "FeatureStats.pb").write_bytes(_split_statistics(train, schema))
    # The eval split looks like the skewed serving day: were it taken as the reference, the
    # skewed day would show no skew.
    skewed = pq.read_table(tmp_project / "serving" / f"ds={SKEWED}" / "part-000.parquet")
    (artifact / "Split-eval").mkdir()
    (artifact / "Split-eval" / "FeatureStats.pb").write_bytes(_split_statistics(skewed, schema))

    _serving_job(tmp_project, f"skew:\n  reference_statistics: {artifact}")
    root = tmp_path / "artifacts"
    code, record = _run(tmp_project, root, "serving_events", SKEWED)
    assert code == 1, record
    assert record["reference_statistics"] == str(artifact / "Split-train" / "FeatureStats.pb")
    assert {(f["feature"], f["anomaly_type"]) for f in record["findings"]} == {
        ("device", "COMPARATOR_L_INFTY_HIGH")}
    assert _skew(record)["device"]["value"] > 0.5

    code, clean = _run(tmp_project, root, "serving_events", CLEAN)
    assert code == 0 and clean["findings"] == [], clean
    assert all(m["value"] <= m["threshold"] for m in _skew(clean).values())
