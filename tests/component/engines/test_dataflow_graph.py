"""The Beam engine's Dataflow pipeline for a BigQuery job is built (options, graph and the
Dataflow job request) but never run: nothing goes to the cloud. This keeps the production path
(Storage Read API, TFDV GenerateStatistics, statistics written to GCS) from rotting unseen.

The table, its ds partition and its columns are resolved against the BigQuery emulator, as the
launcher resolves them against BigQuery.
"""

from __future__ import annotations

import datetime as dt
import pathlib
from typing import Any

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import GoogleCloudOptions, StandardOptions

from tests.conftest import REPO
from tests.support.bigquery import DATASET, PROJECT
from validator.config.job import load_job
from validator.config.schema_io import load_schema
from validator.engines.beam import build_pipeline, pipeline_options, read_transform
from validator.errors import ConfigError
from validator.run.runner import build_source

DATAFLOW = ["--runner=DataflowRunner", "--project=acme-ml", "--region=europe-west4",
            "--temp_location=gs://acme-dqv/tmp", "--dry_run=true"]
OUTPUT = "gs://acme-dqv/stats/training_events/FeatureStats.pb"


def _job(project: pathlib.Path, emulator: Any, source: str) -> Any:
    (project / "jobs").mkdir(exist_ok=True)
    (project / "schemas").mkdir(exist_ok=True)
    (project / "schemas" / "training_events.pbtxt").write_text(
        (REPO / "schemas" / "training_events.pbtxt").read_text())
    file = project / "jobs" / "bq_events.yaml"
    file.write_text(f"""name: bq_events
schema: schemas/training_events.pbtxt
engine: beam
beam_options: ["--runner=DataflowRunner"]
source:
  kind: bigquery
  project: {PROJECT}
  endpoint: "{emulator.endpoint}"
{source}""")
    return load_job(file)


class _Transforms(beam.pipeline.PipelineVisitor):  # type: ignore[misc]
    def __init__(self) -> None:
        self.applied: list[Any] = []

    def enter_composite_transform(self, node: Any) -> None:
        self.applied.append(node)

    def visit_transform(self, node: Any) -> None:
        self.applied.append(node)


def test_dataflow_graph_reads_bigquery_with_the_storage_api(bq_emulator: Any,
                                                            tmp_path: pathlib.Path) -> None:
    job = _job(tmp_path, bq_emulator, f"""  table: {DATASET}.training_events
  partition: {{column: ds}}
  columns: [user_id, country, age, cart_value]
""")
    assert job.engine == "beam"
    schema = load_schema(job.schema_path)
    source = build_source(job, schema)
    options = pipeline_options([*job.beam_options, *DATAFLOW])
    pipeline = build_pipeline(beam.Pipeline(options=options),
                              read_transform(source, dt.date(2026, 11, 5), spread=True),
                              schema, OUTPUT)

    assert options.view_as(StandardOptions).runner == "DataflowRunner"
    assert options.view_as(GoogleCloudOptions).region == "europe-west4"
    visitor = _Transforms()
    pipeline.visit(visitor)
    labels = [node.full_label for node in visitor.applied]
    sources = [node.transform.source for node in visitor.applied
               if isinstance(node.transform, beam.io.Read)]
    assert [type(s).__name__ for s in sources] == ["_CustomBigQueryStorageSource"], sources
    read = sources[0]
    assert (read.table_reference.projectId, read.table_reference.datasetId,
            read.table_reference.tableId) == (PROJECT, DATASET, "training_events")
    assert "2026-11-05" in read.row_restriction and "`ds`" in read.row_restriction
    assert list(read.selected_fields) == ["user_id", "country", "age", "cart_value"]
    assert not [label for label in labels if "Export" in label], "a GCS export crept in"
    assert any(label.endswith("GenerateStatistics") for label in labels)
    assert any("ToTFDVTypes" in label for label in labels)
    writes = [node.transform for node in visitor.applied
              if type(node.transform).__name__ == "WriteStatisticsToBinaryFile"]
    assert [w._output_path for w in writes] == [OUTPUT]

    # The request Dataflow would receive: built from the runner API graph, never sent.
    from apache_beam.runners.dataflow.internal import apiclient

    proto = pipeline.to_runner_api()
    request = apiclient.Job(options, proto)
    assert request.proto.type.name == "JOB_TYPE_BATCH"
    assert request.proto.name.startswith("beamapp-")
    transforms = {t.unique_name for t in proto.components.transforms.values()}
    assert "Read/ReadFromBigQuery" in transforms


def test_beam_engine_refuses_a_query_job(bq_emulator: Any, tmp_path: pathlib.Path) -> None:
    job = _job(tmp_path, bq_emulator, f"""  query: "SELECT * FROM {DATASET}.training_events WHERE ds = @ds"
""")
    source = build_source(job, load_schema(job.schema_path))
    with pytest.raises(ConfigError, match="engine beam reads BigQuery tables"):
        read_transform(source, dt.date(2026, 11, 5))
