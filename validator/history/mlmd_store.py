"""The run history in ML Metadata (MLMD), recorded the way TFX records its components.

    Context   dqv.Job             one per job (name = job name)
    Execution dqv.DataValidation  one per run (name = run id); ds, span, outcome, times,
                                  dqv version, engine, rows, bytes read, error, and the whole
                                  RunRecord as JSON (`record`) so the history round-trips exactly
    Artifact  Examples            the data read (URI such as bq://p.d.t$20261130 or a file URI)
              ExampleStatistics   FeatureStats.pb of the run (row count)
              ExampleAnomalies    anomalies.pbtxt of the run (anomaly counts by severity)
    Events    INPUT examples, INPUT baseline_statistics / reference_statistics (the artifacts of
              earlier runs), OUTPUT statistics and anomalies
    Attributions and Associations tie artifacts and executions to the job's context.

Span is the TFX span of a date partition: days since 1970-01-01. The TFX artifact types are
registered with `can_add_fields`/`can_omit_fields`, so a store shared with TFX pipelines keeps
its own definitions and gains dqv's extra properties.

Every access to a SQLite store holds a file lock (validator/history/locks.py): processes wait for each
other instead of failing with "database is locked". A run killed mid-way (its execution still
RUNNING, its run lock free) is marked FAILED / not_evaluated by the next run of the job.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import pathlib
import re
import socket
from collections.abc import Iterator
from typing import Any

from ml_metadata import errors as mlmd_errors
from ml_metadata.metadata_store import metadata_store
from ml_metadata.proto import metadata_store_pb2 as mlmd

from validator.core.baseline import latest_passing
from validator.core.outcome import Outcome
from validator.core.record import RUN_FILE, RunRecord, utc_now
from validator.errors import StoreError
from validator.history import artifact_fs, locks
from validator.history.mlmd_connection import connection_config

log = logging.getLogger("dqv")

JOB_CONTEXT = "dqv.Job"
EXECUTION = "dqv.DataValidation"
EXAMPLES = "Examples"
STATISTICS = "ExampleStatistics"
ANOMALIES = "ExampleAnomalies"

_S, _I, _D = mlmd.STRING, mlmd.INT, mlmd.DOUBLE
_EXECUTION_PROPS = {
    "run_id": _S, "job": _S, "ds": _S, "span": _I, "outcome": _S, "started_at": _S,
    "ended_at": _S, "duration_s": _D, "dqv_version": _S, "engine": _S, "rows": _I,
    "bytes_read": _I, "error": _S, "baseline_run_id": _S, "host": _S, "pid": _I, "record": _S,
}
_ARTIFACT_TYPES: dict[str, tuple[dict[str, int], Any]] = {
    # name: (properties, TFX base type). span/version/split_names are TFX's own properties.
    EXAMPLES: ({"span": _I, "version": _I, "split_names": _S, "ds": _S, "rows": _I,
                "bytes_read": _I, "engine": _S}, mlmd.ArtifactType.DATASET),
    STATISTICS: ({"span": _I, "split_names": _S, "ds": _S, "rows": _I},
                 mlmd.ArtifactType.STATISTICS),
    ANOMALIES: ({"span": _I, "split_names": _S, "ds": _S, "anomalies": _I, "errors": _I,
                 "warnings": _I, "outcome": _S}, None),
}
_STATE = {None: mlmd.Execution.RUNNING, Outcome.PASS: mlmd.Execution.COMPLETE,
          Outcome.WARN: mlmd.Execution.COMPLETE, Outcome.BLOCK: mlmd.Execution.COMPLETE,
          Outcome.NOT_EVALUATED: mlmd.Execution.FAILED, Outcome.NOT_READY: mlmd.Execution.COMPLETE}
INTERRUPTED = "interrupted"
NEW_STORE_ENV = "DQV_NEW_STORE"  # "1": a missing or empty store may start a new history


def span_of(ds: str | None) -> int | None:
    """TFX's span for a date partition: days since the Unix epoch."""
    return (dt.date.fromisoformat(ds) - dt.date(1970, 1, 1)).days if ds else None


def _set(props: Any, name: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, int):
        props[name].int_value = int(value)
    elif isinstance(value, float):
        props[name].double_value = value
    else:
        props[name].string_value = str(value)


def _value(props: Any, name: str) -> Any:
    if name not in props:
        return None
    value = props[name]
    return getattr(value, value.WhichOneof("value")) if value.WhichOneof("value") else None


def _counts(record: RunRecord) -> dict[str, int]:
    counts = record.counts
    return {"anomalies": counts.anomalies, "errors": counts.errors, "warnings": counts.warnings}


def _event(kind: int, key: str) -> mlmd.Event:
    event = mlmd.Event(type=kind)
    event.path.steps.add().key = key
    event.path.steps.add().index = 0
    return event


class _Types:
    def __init__(self, store: metadata_store.MetadataStore) -> None:
        context = mlmd.ContextType(name=JOB_CONTEXT)
        context.properties["owner"] = _S
        self.context = store.put_context_type(context, can_add_fields=True, can_omit_fields=True)
        execution = mlmd.ExecutionType(name=EXECUTION)
        for name, kind in _EXECUTION_PROPS.items():
            execution.properties[name] = kind
        self.execution = store.put_execution_type(execution, can_add_fields=True,
                                                  can_omit_fields=True)
        self.artifact: dict[str, int] = {}
        for type_name, (props, base) in _ARTIFACT_TYPES.items():
            artifact_type = mlmd.ArtifactType(name=type_name)
            if base is not None:
                artifact_type.base_type = base
            for name, kind in props.items():
                artifact_type.properties[name] = kind
            self.artifact[type_name] = store.put_artifact_type(
                artifact_type, can_add_fields=True, can_omit_fields=True)


class MlmdRunStore:
    """`RunStore` on ML Metadata. Also writes run.json beside each run's artifacts, for people
    browsing the artifact root."""

    def __init__(self, artifact_root: str | os.PathLike[str], url: str | None = None) -> None:
        self.root = artifact_fs.uri(artifact_root)
        self.config = connection_config(artifact_root, url)
        self.host = socket.gethostname()
        sqlite = self.config.sqlite.filename_uri if self.config.HasField("sqlite") else ""
        self.location = sqlite or f"mysql {self.config.mysql.host}/{self.config.mysql.database}"
        self._lock = pathlib.Path(sqlite + ".lock") if sqlite else None
        self._store: metadata_store.MetadataStore | None = None
        self._types: _Types | None = None

    # --- access ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def session(self) -> Iterator[metadata_store.MetadataStore]:
        """The MLMD store, with SQLite access serialized across processes. Other modules that
        keep their own types in the same database use this too. Not re-entrant."""
        with locks.exclusive(self._lock) if self._lock else contextlib.nullcontext():
            try:
                if self._store is None:
                    self._store = self._open()
                yield self._store
            except mlmd_errors.StatusError as err:
                raise StoreError(f"ML Metadata store {self.location}: {err}; check the file or "
                                 "the DQV_METADATA setting") from None

    def _open(self) -> metadata_store.MetadataStore:
        """Open the store once. A SQLite file that is damaged, or missing or empty while the
        artifact root holds runs, is an error: never silently replaced by a fresh history."""
        if self._lock is not None:
            check_sqlite_file(pathlib.Path(self.config.sqlite.filename_uri), self.root)
        try:
            store = metadata_store.MetadataStore(self.config)
            self._types = _Types(store)
        except (mlmd_errors.StatusError, RuntimeError) as err:
            text = str(err)
            found = re.search(r"executing query: (.*?) query:", text)
            reason = found.group(1) if found else (text.splitlines() or ["?"])[0][:200]
            raise StoreError(f"the run history {self.location} cannot be opened ({reason}); "
                             f"restore it from a backup, or move it away and start a new history "
                             f"with --new-store (env {NEW_STORE_ENV}=1)") from None
        return store

    @property
    def types(self) -> _Types:
        assert self._types is not None, "use inside session()"
        return self._types

    # --- RunStore ---------------------------------------------------------------------------

    def start(self, record: RunRecord) -> None:
        with self.session() as store:
            self._recover(store, record)
            execution = self._execution(record, None)
            context = self._context(store, record.job)
            store.put_execution(execution, [], [context], reuse_context_if_already_exist=True)
        self._write_run_file(record)

    def finish(self, record: RunRecord) -> None:
        with self.session() as store:
            found = store.get_execution_by_type_and_name(EXECUTION, record.run_id)
            execution = self._execution(record, found)
            links = [] if found is not None and self._has_lineage(store, found.id) \
                else self._lineage(store, record)
            store.put_execution(execution, links, [self._context(store, record.job)],
                                reuse_context_if_already_exist=True)
        self._write_run_file(record)

    def runs(self, job: str) -> list[RunRecord]:
        with self.session() as store:
            context = store.get_context_by_type_and_name(JOB_CONTEXT, job)
            executions = store.get_executions_by_context(context.id) if context else []
        records = [self._record(e) for e in executions]
        return sorted((r for r in records if r is not None), key=lambda r: r.started_at)

    def get(self, run_id: str) -> RunRecord | None:
        with self.session() as store:
            execution = store.get_execution_by_type_and_name(EXECUTION, run_id)
        return self._record(execution) if execution is not None else None

    def last_passing(self, job: str, before_ds: str | None) -> RunRecord | None:
        return latest_passing(self.runs(job), before_ds)

    def jobs(self) -> list[str]:
        """Names of every job with recorded runs."""
        with self.session() as store:
            return sorted(c.name for c in store.get_contexts_by_type(JOB_CONTEXT))

    # --- internals --------------------------------------------------------------------------

    def _context(self, store: metadata_store.MetadataStore, job: str) -> mlmd.Context:
        found = store.get_context_by_type_and_name(JOB_CONTEXT, job)
        return found if found is not None else mlmd.Context(type_id=self.types.context, name=job)

    def _execution(self, record: RunRecord, found: mlmd.Execution | None) -> mlmd.Execution:
        execution = mlmd.Execution()
        if found is not None:
            execution.CopyFrom(found)
        else:
            execution.type_id, execution.name = self.types.execution, record.run_id
            _set(execution.properties, "host", self.host)
            _set(execution.properties, "pid", os.getpid())
        execution.last_known_state = _STATE[record.outcome]
        props = execution.properties
        for name in ("run_id", "job", "ds", "started_at", "ended_at", "dqv_version", "engine",
                     "error", "baseline_run_id"):
            _set(props, name, getattr(record, name))
        _set(props, "span", span_of(record.ds))
        _set(props, "outcome", record.outcome.value if record.outcome else None)
        _set(props, "duration_s", record.duration_s)
        _set(props, "rows", record.rows)
        _set(props, "bytes_read", record.bytes_read)
        _set(props, "record", json.dumps(record.to_json(), sort_keys=True))
        return execution

    def _record(self, execution: mlmd.Execution) -> RunRecord | None:
        text = _value(execution.properties, "record")
        try:
            return RunRecord.from_json(json.loads(text)) if text else None
        except (ValueError, TypeError, KeyError):
            log.warning("run %s: damaged record in ML Metadata; skipped", execution.name)
            return None

    def _has_lineage(self, store: metadata_store.MetadataStore, execution_id: int) -> bool:
        # start() writes no events and finish() writes them all at once, so any event means
        # done (a not-evaluated run has inputs but no outputs).
        return bool(store.get_events_by_execution_ids([execution_id]))

    def _artifact(self, type_name: str, uri: str, record: RunRecord, **props: Any) -> mlmd.Artifact:
        artifact = mlmd.Artifact(type_id=self.types.artifact[type_name], uri=uri,
                                 state=mlmd.Artifact.LIVE)
        _set(artifact.properties, "span", span_of(record.ds))
        _set(artifact.properties, "ds", record.ds)
        for name, value in props.items():
            _set(artifact.properties, name, value)
        return artifact

    def _lineage(self, store: metadata_store.MetadataStore, record: RunRecord
                 ) -> list[tuple[mlmd.Artifact, mlmd.Event]]:
        links: list[tuple[mlmd.Artifact, mlmd.Event]] = []
        if record.source_uri:
            examples = self._artifact(EXAMPLES, record.source_uri, record, version=0,
                                      rows=record.rows, bytes_read=record.bytes_read,
                                      engine=record.engine)
            links.append((examples, _event(mlmd.Event.INPUT, "examples")))
        for key, run_id in (("baseline_statistics", record.baseline_run_id),
                            ("reference_statistics", record.reference_run_id)):
            earlier = self._statistics_of(store, run_id) if run_id else None
            if earlier is not None:
                links.append((earlier, _event(mlmd.Event.INPUT, key)))
        if record.reference_statistics and not record.reference_run_id:
            known = [a for a in store.get_artifacts_by_uri(record.reference_statistics)
                     if a.type_id == self.types.artifact[STATISTICS]]
            reference = known[0] if known else mlmd.Artifact(
                type_id=self.types.artifact[STATISTICS], uri=record.reference_statistics,
                state=mlmd.Artifact.LIVE)
            links.append((reference, _event(mlmd.Event.INPUT, "reference_statistics")))
        if record.statistics:
            links.append((self._artifact(STATISTICS, artifact_fs.uri(record.statistics), record,
                                         rows=record.rows), _event(mlmd.Event.OUTPUT, "statistics")))
        if record.anomalies:
            anomalies = self._artifact(ANOMALIES, artifact_fs.uri(record.anomalies), record,
                                       outcome=record.outcome.value if record.outcome else None,
                                       **_counts(record))
            links.append((anomalies, _event(mlmd.Event.OUTPUT, "anomalies")))
        return links

    def _statistics_of(self, store: metadata_store.MetadataStore, run_id: str) -> mlmd.Artifact | None:
        execution = store.get_execution_by_type_and_name(EXECUTION, run_id)
        if execution is None:
            return None
        outputs = [e.artifact_id for e in store.get_events_by_execution_ids([execution.id])
                   if e.type == mlmd.Event.OUTPUT]
        found = [a for a in store.get_artifacts_by_id(outputs)
                 if a.type_id == self.types.artifact[STATISTICS]]
        return found[0] if found else None

    def _recover(self, store: metadata_store.MetadataStore, current: RunRecord) -> None:
        """Mark runs of this job whose process died mid-way as failed. A RUNNING execution
        from this host is dead when nobody holds its job+ds run lock, or when it is for the
        ds whose lock this process holds for `current`."""
        context = store.get_context_by_type_and_name(JOB_CONTEXT, current.job)
        if context is None:
            return
        for execution in store.get_executions_by_context(context.id):
            if execution.last_known_state != mlmd.Execution.RUNNING or \
                    execution.name == current.run_id or \
                    _value(execution.properties, "host") != self.host:
                continue
            record = self._record(execution)
            if record is None:
                continue
            same_ds_is_ours = record.ds == current.ds and locks.holds_run_lock(
                self.root, current.job, current.ds)
            if not same_ds_is_ours and locks.run_is_alive(self.root, record.job, record.ds):
                continue
            pid = _value(execution.properties, "pid")
            record.outcome = Outcome.NOT_EVALUATED
            record.error = (f"{INTERRUPTED}: the run's process (pid {pid} on {self.host}) ended "
                            f"before it finished; marked failed at {utc_now().isoformat()} by run "
                            f"{current.run_id}")
            log.warning("%s ds=%s: earlier run %s was interrupted; marked failed",
                        record.job, record.ds or "-", record.run_id)
            store.put_execution(self._execution(record, execution), [], [context])
            self._write_run_file(record, quiet=True)

    def _write_run_file(self, record: RunRecord, *, quiet: bool = False) -> None:
        if not record.artifact_dir:
            return
        path = artifact_fs.join(record.artifact_dir, RUN_FILE)
        try:
            artifact_fs.write_text(path, json.dumps(record.to_json(), indent=2, sort_keys=True) + "\n")
        except OSError as err:
            if quiet:
                return
            raise StoreError(f"cannot write {path}: {err}; check the artifact root's permissions "
                             "and free space") from None


def check_sqlite_file(path: pathlib.Path, artifact_root: str) -> None:
    """A missing or 0-byte store is only created anew where no runs are expected: when the
    artifact root holds no run yet, or the user asked for a new store (DQV_NEW_STORE=1)."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        size = None
    if size or os.environ.get(NEW_STORE_ENV, "").strip() in ("1", "true", "yes"):
        return
    if artifact_fs.is_remote(artifact_root) or not _holds_runs(pathlib.Path(artifact_root)):
        return
    state = "missing" if size is None else "empty (0 bytes)"
    raise StoreError(f"the run history {path} is {state} but {artifact_root} holds runs; restore "
                     f"it from a backup, or start a new history with --new-store (env "
                     f"{NEW_STORE_ENV}=1)")


def _holds_runs(root: pathlib.Path) -> bool:
    return next(iter(root.glob(f"*/ds=*/*/{RUN_FILE}")), None) is not None


def open_metadata(artifact_root: str | os.PathLike[str]) -> MlmdRunStore:
    """The store the CLI uses, for modules that keep their own MLMD types beside the runs:
    `with open_metadata(root).session() as store: ...`."""
    return MlmdRunStore(artifact_root)
