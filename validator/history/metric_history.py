"""The metric history: the metrics of every evaluated run, read back by one query per job and
window (validator/core/run_metrics.py has the values; docs/monitors.md the design).

In ML Metadata, beside the run history (same database, SQLite or MySQL):

    artifact type dqv.PartitionMetrics   one per evaluated run; properties job, ds, span,
                                         run_id, blocked, base_blocked, flagged (JSON list),
                                         metrics (compact JSON of PartitionMetrics)

A window is one `get_artifacts` call filtered on job and span (no statistics file is opened);
artifact ids grow with insertion, so the last artifact of a ds is its latest run. A
`FileRunStore` keeps the same points as JSON lines under the artifact root instead.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import pathlib
import re
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from validator.core.run_metrics import HistoryPoint, PartitionMetrics
from validator.errors import StoreError

METRICS_TYPE = "dqv.PartitionMetrics"
JSONL_FILE = "metric_history.jsonl"
EPOCH = dt.date(1970, 1, 1)
_JOB = re.compile(r"[a-z0-9][a-z0-9_\-]{0,62}")


class MetricHistory(Protocol):
    def points(self, job: str, start: dt.date, end: dt.date) -> list[HistoryPoint]:
        """The latest evaluated run of each ds in [start, end), oldest ds first."""
        ...

    def put(self, job: str, point: HistoryPoint, uri: str = "") -> None: ...


def _span(day: dt.date) -> int:
    return (day - EPOCH).days


def _latest_per_ds(points: list[HistoryPoint]) -> list[HistoryPoint]:
    by_ds = {p.ds: p for p in points}  # insertion order: a later run of a ds wins
    return [by_ds[d] for d in sorted(by_ds)]


def _value(props: Any, name: str) -> Any:
    if name not in props:
        return None
    value = props[name]
    kind = value.WhichOneof("value")
    return getattr(value, kind) if kind else None


class MlmdMetricHistory:
    def __init__(self, session: Callable[[], contextlib.AbstractContextManager[Any]]) -> None:
        """`session` yields a MetadataStore with the database to itself (MlmdRunStore.session)."""
        self._session = session
        self._type_id: int | None = None

    @contextlib.contextmanager
    def _db(self) -> Iterator[Any]:
        from ml_metadata.proto import metadata_store_pb2 as mlmd

        with self._session() as store:
            if self._type_id is None:
                kind = mlmd.ArtifactType(name=METRICS_TYPE)
                for name, value_type in (("job", mlmd.STRING), ("ds", mlmd.STRING),
                                         ("span", mlmd.INT), ("run_id", mlmd.STRING),
                                         ("blocked", mlmd.INT), ("base_blocked", mlmd.INT),
                                         ("flagged", mlmd.STRING), ("metrics", mlmd.STRING)):
                    kind.properties[name] = value_type
                self._type_id = store.put_artifact_type(kind, can_add_fields=True,
                                                        can_omit_fields=True)
            yield store

    def put(self, job: str, point: HistoryPoint, uri: str = "") -> None:
        from ml_metadata.proto import metadata_store_pb2 as mlmd

        with self._db() as store:
            artifact = mlmd.Artifact(type_id=self._type_id, uri=uri, state=mlmd.Artifact.LIVE)
            props = artifact.properties
            props["job"].string_value = job
            props["ds"].string_value = point.ds.isoformat()
            props["span"].int_value = _span(point.ds)
            props["run_id"].string_value = point.run_id
            props["blocked"].int_value = int(point.blocked)
            props["base_blocked"].int_value = int(point.base_blocked)
            props["flagged"].string_value = json.dumps(sorted(point.flagged))
            props["metrics"].string_value = json.dumps(point.metrics.to_json(),
                                                       separators=(",", ":"))
            store.put_artifacts([artifact])

    def points(self, job: str, start: dt.date, end: dt.date) -> list[HistoryPoint]:
        from ml_metadata.metadata_store import metadata_store

        if not _JOB.fullmatch(job):  # job names are checked on load; never quote into a filter
            raise StoreError(f"'{job}' is not a job name")
        query = (f"type = '{METRICS_TYPE}' AND properties.job.string_value = '{job}' AND "
                 f"properties.span.int_value >= {_span(start)} AND "
                 f"properties.span.int_value < {_span(end)}")
        with self._db() as store:
            found = store.get_artifacts(list_options=metadata_store.ListOptions(
                filter_query=query))
        out = []
        for artifact in sorted(found, key=lambda a: a.id):
            props = artifact.properties
            try:
                out.append(HistoryPoint(
                    ds=dt.date.fromisoformat(_value(props, "ds")),
                    run_id=_value(props, "run_id") or "",
                    metrics=PartitionMetrics.from_json(json.loads(_value(props, "metrics"))),
                    blocked=bool(_value(props, "blocked")),
                    base_blocked=bool(_value(props, "base_blocked")),
                    flagged=frozenset(json.loads(_value(props, "flagged") or "[]"))))
            except (TypeError, ValueError, KeyError):
                continue  # a damaged entry is not a point; the others still count
        return _latest_per_ds(out)


class JsonlMetricHistory:
    """For stores without ML Metadata (FileRunStore): one JSON line per point and job."""

    def __init__(self, root: pathlib.Path) -> None:
        self.root = root

    def _file(self, job: str) -> pathlib.Path:
        return self.root / job / JSONL_FILE

    def put(self, job: str, point: HistoryPoint, uri: str = "") -> None:
        path = self._file(job)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(point.to_json(), separators=(",", ":")) + "\n")
        except OSError as err:
            raise StoreError(f"cannot write {path}: {err}") from None

    def points(self, job: str, start: dt.date, end: dt.date) -> list[HistoryPoint]:
        path = self._file(job)
        if not path.is_file():
            return []
        out = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                point = HistoryPoint.from_json(json.loads(line))
            except (TypeError, ValueError, KeyError):
                continue
            if start <= point.ds < end:
                out.append(point)
        return _latest_per_ds(out)


def open_for(store: object) -> MetricHistory | None:
    """The metric history kept beside a run store: in its ML Metadata database, or as JSON
    lines beside a FileRunStore's run.json files; None for other stores."""
    session = getattr(store, "session", None)
    if callable(session):
        return MlmdMetricHistory(session)
    root = getattr(store, "root", None)
    if isinstance(root, pathlib.Path):
        return JsonlMetricHistory(root)
    return None
