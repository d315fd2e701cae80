"""Loaded by Python at start when tests/support/count_hook is on PYTHONPATH (see __init__.py)."""

import os

if os.environ.get("DQV_TEST_COUNT_FILE"):
    import atexit
    import collections
    import json
    import sys

    _counts = {"schema_reads": 0, "store_opens": 0, "history_reads": 0}
    _footers: collections.Counter[str] = collections.Counter()
    _schema = os.environ["DQV_TEST_COUNT_SCHEMA"]
    _pid = os.getpid()

    def _audit(event, args):  # type: ignore[no-untyped-def]
        if event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
            mode = args[1] if len(args) > 1 and isinstance(args[1], str) else "r"
            if os.path.realpath(os.fsdecode(args[0])) == _schema and "w" not in mode:
                _counts["schema_reads"] += 1

    sys.addaudithook(_audit)

    import pyarrow.parquet as _pq
    from ml_metadata.metadata_store import metadata_store as _ms

    from validator.history.mlmd_store import MlmdRunStore as _Store

    _store_init = _ms.MetadataStore.__init__
    _runs = _Store.runs
    _pf_init = _pq.ParquetFile.__init__

    def _counted_store(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        _counts["store_opens"] += 1
        _store_init(self, *args, **kwargs)

    def _counted_runs(self, job):  # type: ignore[no-untyped-def]
        _counts["history_reads"] += 1
        return _runs(self, job)

    def _path_of(source):  # type: ignore[no-untyped-def]
        """The file behind a path or an opened pyarrow file (read_metadata opens one first)."""
        if isinstance(source, (str, os.PathLike)):
            return os.path.realpath(os.fsdecode(source))
        return _reading[-1] if _reading else None  # read_metadata(path) opened it first

    _reading: list[str] = []
    _read_metadata = _pq.read_metadata

    def _counted_read_metadata(where, *args, **kwargs):  # type: ignore[no-untyped-def]
        _reading.append(os.path.realpath(os.fsdecode(where)))
        try:
            return _read_metadata(where, *args, **kwargs)
        finally:
            _reading.pop()

    def _counted_parquet(self, source, *args, **kwargs):  # type: ignore[no-untyped-def]
        # A footer parse: every ParquetFile without the footer handed in (read_metadata too).
        path = _path_of(source)
        if kwargs.get("metadata") is None:
            _footers[path or repr(source)] += 1
        _pf_init(self, source, *args, **kwargs)

    _ms.MetadataStore.__init__ = _counted_store
    _Store.runs = _counted_runs
    _pq.ParquetFile.__init__ = _counted_parquet
    _pq.read_metadata = _counted_read_metadata

    def _write() -> None:
        if os.getpid() != _pid:  # forked workers exit too; only the run's own process reports
            return
        with open(os.environ["DQV_TEST_COUNT_FILE"], "w", encoding="utf-8") as out:
            json.dump({**_counts, "footer_reads": dict(_footers)}, out)

    atexit.register(_write)
