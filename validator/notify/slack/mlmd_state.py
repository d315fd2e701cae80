"""Alert threads and the Slack outbox in the ML Metadata store that holds the run history.

    context type  dqv.AlertThread  one per thread (name = thread id)
    artifact type dqv.SlackOutbox  one per queued message; state PENDING until delivered
                                   (LIVE) or rejected by Slack for good (ABANDONED)

Artifact ids grow with insertion, so they give the delivery order. Every access goes
through the run store's session (validator/history/mlmd_store.py), which serializes SQLite access
across processes; no session is held while talking to Slack.
"""

from __future__ import annotations

import contextlib
import json
import pathlib
from collections.abc import Callable, Iterator
from typing import Any

from ml_metadata.proto import metadata_store_pb2

from validator.errors import StoreError
from validator.notify.slack.state import OutboxEntry, Thread

mlmd: Any = metadata_store_pb2  # generated code without type stubs
THREAD_TYPE = "dqv.AlertThread"
OUTBOX_TYPE = "dqv.SlackOutbox"
_S, _D, _I = mlmd.STRING, mlmd.DOUBLE, mlmd.INT
_THREAD_PROPS = {"job": _S, "channel": _S, "opened_at": _D, "open_keys": _S, "ts": _S,
                 "channel_id": _S, "closed": _I}
_OUTBOX_PROPS = {"job": _S, "channel": _S, "thread_id": _S, "kind": _S, "message": _S,
                 "created_at": _D, "attempts": _I, "last_error": _S}


def _value(props: Any, name: str) -> Any:
    if name not in props:
        return None
    value = props[name]
    return getattr(value, value.WhichOneof("value")) if value.WhichOneof("value") else None


class MlmdAlertStore:
    def __init__(self, session: Callable[[], contextlib.AbstractContextManager[Any]]) -> None:
        """`session` yields a MetadataStore with the database to itself (MlmdRunStore.session)."""
        self._session = session
        self._types: tuple[int, int] | None = None

    @classmethod
    def open(cls, artifact_root: pathlib.Path) -> MlmdAlertStore:
        from validator.history.mlmd_store import MlmdRunStore

        return cls(MlmdRunStore(artifact_root).session)

    @contextlib.contextmanager
    def _db(self) -> Iterator[Any]:
        with self._session() as store:
            if self._types is None:
                try:
                    self._types = (
                        store.put_context_type(mlmd.ContextType(name=THREAD_TYPE, properties=_THREAD_PROPS),
                                               can_add_fields=True),
                        store.put_artifact_type(mlmd.ArtifactType(name=OUTBOX_TYPE,
                                                                  properties=_OUTBOX_PROPS),
                                                can_add_fields=True))
                except Exception as err:  # ml_metadata raises its own error classes
                    raise StoreError(f"cannot register the Slack alert types in ML Metadata: {err}; "
                                     "check the DQV_METADATA store") from None
            yield store

    # -- threads -----------------------------------------------------------------------
    def open_threads(self, job: str) -> list[Thread]:
        with self._db() as db:
            threads = [_thread(c) for c in db.get_contexts_by_type(THREAD_TYPE)]
        return [t for t in threads if t.job == job and not t.closed]

    def thread(self, thread_id: str) -> Thread | None:
        with self._db() as db:
            context = db.get_context_by_type_and_name(THREAD_TYPE, thread_id)
        return _thread(context) if context is not None else None

    def save_thread(self, thread: Thread) -> None:
        with self._db() as db:
            context = db.get_context_by_type_and_name(THREAD_TYPE, thread.thread_id)
            if context is None:
                assert self._types is not None
                context = mlmd.Context(type_id=self._types[0], name=thread.thread_id)
            _fill_thread(context, thread)
            db.put_contexts([context])

    # -- outbox ------------------------------------------------------------------------
    def enqueue(self, entry: OutboxEntry) -> None:
        with self._db() as db:
            assert self._types is not None
            artifact = mlmd.Artifact(type_id=self._types[1], state=mlmd.Artifact.PENDING,
                                     uri=f"slack:{entry.channel}")
            _fill(artifact, entry)
            [entry.id] = db.put_artifacts([artifact])

    def pending(self) -> list[OutboxEntry]:
        with self._db() as db:
            artifacts = [a for a in db.get_artifacts_by_type(OUTBOX_TYPE)
                         if a.state == mlmd.Artifact.PENDING]
        return [_entry(a) for a in sorted(artifacts, key=lambda a: a.id)]

    def settle(self, entry: OutboxEntry, *, delivered: bool, error: str = "") -> None:
        if entry.id is None:
            return
        entry.last_error = error
        self._update(entry, mlmd.Artifact.LIVE if delivered else mlmd.Artifact.ABANDONED)

    def record_attempt(self, entry: OutboxEntry, error: str) -> None:
        entry.attempts += 1
        entry.last_error = error
        if entry.id is not None:
            self._update(entry, mlmd.Artifact.PENDING)

    def _update(self, entry: OutboxEntry, state: Any) -> None:
        assert entry.id is not None
        with self._db() as db:
            [artifact] = db.get_artifacts_by_id([entry.id])
            artifact.state = state
            _fill(artifact, entry)
            db.put_artifacts([artifact])


def _fill_thread(context: Any, thread: Thread) -> None:
    props = context.properties
    props["job"].string_value = thread.job
    props["channel"].string_value = thread.channel
    props["opened_at"].double_value = thread.opened_at
    props["open_keys"].string_value = json.dumps(list(thread.open_keys))
    props["ts"].string_value = thread.ts or ""
    props["channel_id"].string_value = thread.channel_id or ""
    props["closed"].int_value = int(thread.closed)


def _fill(artifact: Any, entry: OutboxEntry) -> None:
    props = artifact.properties
    props["job"].string_value = entry.job
    props["channel"].string_value = entry.channel
    props["thread_id"].string_value = entry.thread_id
    props["kind"].string_value = entry.kind
    props["message"].string_value = json.dumps(entry.message, sort_keys=True)
    props["created_at"].double_value = entry.created_at
    props["attempts"].int_value = entry.attempts
    props["last_error"].string_value = entry.last_error


def _thread(context: Any) -> Thread:
    p = context.properties
    return Thread(thread_id=context.name, job=_value(p, "job") or "", channel=_value(p, "channel") or "",
                  opened_at=float(_value(p, "opened_at") or 0.0),
                  open_keys=tuple(json.loads(_value(p, "open_keys") or "[]")),
                  ts=_value(p, "ts") or None, channel_id=_value(p, "channel_id") or None,
                  closed=bool(_value(p, "closed")))


def _entry(artifact: Any) -> OutboxEntry:
    p = artifact.properties
    return OutboxEntry(job=_value(p, "job") or "", channel=_value(p, "channel") or "",
                       thread_id=_value(p, "thread_id") or "", kind=_value(p, "kind") or "open",
                       message=json.loads(_value(p, "message") or "{}"),
                       created_at=float(_value(p, "created_at") or 0.0), id=artifact.id,
                       attempts=int(_value(p, "attempts") or 0), last_error=_value(p, "last_error") or "")
