"""Local Parquet and CSV files, streamed as Arrow record batches (never one big frame).

The plan of a read lists the files once and reads each Parquet footer once (row groups and row
counts); reading, splitting into shards (sources/local_split.py) and the Beam read
(sources/local_beam.py) all work from that plan."""

from __future__ import annotations

import datetime as dt
import glob
import pathlib
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from validator.config.job import LocalSource
from validator.core.evidence_sql import ValueCheck
from validator.core.suggest import did_you_mean
from validator.errors import DataError, DataNotFound
from validator.sources.base import FilePart, ReadStats, Shard, SourcePlan
from validator.sources.evidence import EvidenceTarget, Sample

_EXTENSIONS = {"parquet": (".parquet", ".parq", ".pq"), "csv": (".csv", ".csv.gz", ".tsv")}


class LocalFileSource:
    def __init__(self, config: LocalSource, project_dir: pathlib.Path,
                 bytes_columns: frozenset[str] = frozenset()) -> None:
        self.config = config
        self.project_dir = project_dir
        # CSV columns read as text; parsing to the schema's types happens downstream.
        self.bytes_columns = bytes_columns

    def _base(self, ds: dt.date | None) -> str:
        path = self.config.path
        if "{ds}" in path:
            if ds is None:
                raise DataError(f"source path '{path}' has a {{ds}} placeholder; pass --ds YYYY-MM-DD")
            path = path.replace("{ds}", ds.isoformat())
        base = pathlib.Path(path).expanduser()
        if not base.is_absolute():
            base = self.project_dir / base
        partition = self.config.partition
        if partition and partition.hive_key:
            if ds is None:
                raise DataError("this job reads one partition per day; pass --ds YYYY-MM-DD")
            base = base / f"{partition.hive_key}={ds.isoformat()}"
        if partition and partition.column and ds is None:
            raise DataError(f"this job filters on column '{partition.column}'; pass --ds YYYY-MM-DD")
        return str(base)

    def uri(self, ds: dt.date | None) -> str:
        return "file://" + str(pathlib.Path(self._base(ds)).absolute())

    def format_of(self, file: str) -> str:
        if self.config.format:
            return self.config.format
        for fmt, endings in _EXTENSIONS.items():
            if file.lower().endswith(endings):
                return fmt
        raise DataError(f"{file}: cannot tell the format from the name; set source.format "
                        "to parquet or csv in the job")

    def files(self, ds: dt.date | None) -> list[str]:
        base = self._base(ds)
        endings = _EXTENSIONS[self.config.format] if self.config.format else sum(
            _EXTENSIONS.values(), ())
        if glob.has_magic(base):
            # Skip the markers Spark and Hive leave beside the data (_SUCCESS, .crc files).
            found = sorted(p for p in glob.glob(base, recursive=True) if pathlib.Path(p).is_file()
                           and not pathlib.Path(p).name.startswith((".", "_"))
                           and (self.config.format or p.lower().endswith(endings)))
        elif pathlib.Path(base).is_dir():
            found = sorted(str(p) for p in pathlib.Path(base).rglob("*")
                           if p.is_file() and p.name.lower().endswith(endings)
                           and not p.name.startswith((".", "_")))
        elif pathlib.Path(base).is_file():
            found = [base]
        else:
            found = []
        if not found:
            when = f" for ds={ds.isoformat()}" if ds else ""
            raise DataNotFound(f"no data{when}: nothing matches {base}; check --ds or the job's "
                               "source.path")
        return found

    def plan(self, ds: dt.date | None, estimate_rows: bool = False) -> SourcePlan:
        """The files of this ds and, for Parquet, their row groups from one read of each footer."""
        parts = [part for file in self.files(ds) for part in self._file_parts(file)]
        return SourcePlan(ds=ds, uri=self.uri(ds), parts=tuple(parts),
                          estimated_rows=sum(p.rows for p in parts))

    def column_names(self, ds: dt.date | None) -> list[str] | None:
        """The columns of this ds's data (from its first file), or None when there is none yet."""
        try:
            first = self.files(ds)[0]
            if self.format_of(first) == "parquet":
                return list(pq.read_schema(first).names)
            return list(next(iter(self._read_csv(first))).schema.names)
        except (DataError, StopIteration, pa.ArrowInvalid, OSError):
            return None

    def _file_parts(self, file: str) -> list[FilePart]:
        size = pathlib.Path(file).stat().st_size
        if self.format_of(file) != "parquet":
            return [FilePart(file, None, size // 64, size)]  # rough: only used to balance shards
        try:
            meta = pq.read_metadata(file)
        except (pa.ArrowInvalid, OSError):
            return [FilePart(file, None, 0, size)]  # reading it will report the problem in full
        return [FilePart(file, tuple(range(meta.num_row_groups)), meta.num_rows, size, meta)]

    def split(self, plan: SourcePlan, n: int) -> list[Shard] | None:
        from validator.sources.local_split import split_local

        return list(split_local(self, plan, n))

    def beam_read(self, plan: SourcePlan, spread: bool) -> object:
        from validator.sources.local_beam import read_local

        return read_local(self, plan, spread)

    def evidence_target(self, plan: SourcePlan) -> EvidenceTarget:
        """The plan's files for a DuckDB query (sources/local_evidence.py)."""
        from validator.sources.local_evidence import file_target

        files = plan.files
        fmt = self.format_of(files[0]) if files else (self.config.format or "parquet")
        delimiter = "\t" if files and files[0].endswith(".tsv") else self.config.csv_delimiter
        column = self.config.partition.column if self.config.partition else None
        return file_target(files, fmt, delimiter=delimiter,
                           null_values=tuple(self.config.csv_null_values), ds_column=column, plan=plan)

    def sample_rows(self, plan: SourcePlan, target: EvidenceTarget, check: ValueCheck,
                    columns: tuple[str, ...], limit: int) -> Sample:
        from validator.sources.local_evidence import sample

        return sample(plan, target, check, columns, limit)

    def read(self, ds: dt.date | None, stats: ReadStats, plan: SourcePlan | None = None
             ) -> Iterator[pa.RecordBatch]:
        plan = plan or self.plan(ds)
        stats.uri = plan.uri
        stats.files = len(plan.files)
        from validator.sources.local_split import merge_parts

        for part in merge_parts(plan.parts):
            stats.bytes_read += part.size
            for batch in self._read_part(part, plan.dictionary_columns, plan.batch_rows):
                _unique_columns(batch, part.file)
                column = self.config.partition.column if self.config.partition else None
                if column and ds is not None:
                    batch = _rows_of_day(batch, column, ds, part.file)
                if column and column not in self.bytes_columns and column in batch.schema.names:
                    # The column that selects the ds is not a feature unless the schema names it.
                    batch = _select(batch, [c for c in batch.schema.names if c != column], part.file)
                if self.config.columns:
                    batch = _select(batch, self.config.columns, part.file)
                stats.rows += batch.num_rows
                yield batch

    def _read_part(self, part: FilePart, dictionary: tuple[str, ...] = (),
                   batch_rows: int | None = None) -> Iterator[pa.RecordBatch]:
        file = part.file
        fmt = self.format_of(file)
        try:
            if fmt == "parquet":
                # The footer from the plan: each file's footer is parsed once per run.
                parquet = pq.ParquetFile(file, metadata=part.metadata,
                                         read_dictionary=list(dictionary) or None)
                groups = None if part.row_groups is None else list(part.row_groups)
                yield from parquet.iter_batches(batch_size=batch_rows or self.config.batch_rows,
                                                row_groups=groups)
            else:
                yield from self._read_csv(file)
        except (pa.ArrowInvalid, OSError) as err:
            reason = str(err).splitlines()[0]
            raise DataError(f"{file}: cannot read as {fmt} ({reason}); check the file or "
                            "source.format") from None

    def _read_csv(self, file: str) -> Iterator[pa.RecordBatch]:
        delimiter = self.config.csv_delimiter if not file.endswith(".tsv") else "\t"
        reader = pacsv.open_csv(
            file,
            # CSV is split by bytes, not rows: aim for about batch_rows rows per block.
            read_options=pacsv.ReadOptions(block_size=max(1 << 16, self.config.batch_rows * 128)),
            parse_options=pacsv.ParseOptions(delimiter=delimiter),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in self.bytes_columns},
                null_values=["", *self.config.csv_null_values],
                strings_can_be_null=True, quoted_strings_can_be_null=False),
        )
        yield from reader


def _unique_columns(batch: pa.RecordBatch, file: str) -> None:
    names = batch.schema.names
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise DataError(f"{file}: duplicate column name(s) {', '.join(map(repr, twice))}; each "
                        "column needs its own name (rename them in the file)")


def _rows_of_day(batch: pa.RecordBatch, column: str, ds: dt.date, file: str) -> pa.RecordBatch:
    if column not in batch.schema.names:
        hint = did_you_mean(column, batch.schema.names)
        raise DataError(f"{file}: partition column '{column}' is not in the file{hint}; fix "
                        "source.partition.column")
    values = batch.column(batch.schema.get_field_index(column))
    if pa.types.is_timestamp(values.type) or pa.types.is_date(values.type):
        keep = pc.equal(pc.cast(values, pa.date32()), pa.scalar(ds, pa.date32()))
    else:
        keep = pc.equal(pc.utf8_slice_codeunits(pc.cast(values, pa.string()), 0, 10), ds.isoformat())
    return batch.filter(pc.fill_null(keep, False))


def _select(batch: pa.RecordBatch, columns: list[str], file: str) -> pa.RecordBatch:
    present = [c for c in columns if c in batch.schema.names]
    return pa.RecordBatch.from_arrays([batch.column(batch.schema.get_field_index(c))
                                       for c in present], present)
