"""Synthetic tables for `make bench`: a given number of rows and a given column mix, written to
Parquet in row groups, with the TFDV schema that describes them.

Column kinds: float (normal), int (uniform 0..10^6), string (categorical: half the string
columns have 50 values, the other half are near-unique ids, which is what makes top-k and
uniques expensive), list (variable-length lists of 0..4 ints). About 1% of float values are
missing. Generation is chunked, so 10M rows never sit in memory at once.
"""

from __future__ import annotations

import dataclasses
import pathlib
import re

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from tensorflow_metadata.proto.v0 import schema_pb2

CHUNK_ROWS = 500_000  # one Parquet row group per chunk
_SHAPE = re.compile(r"^f(\d+),i(\d+),s(\d+),l(\d+)$")


@dataclasses.dataclass(frozen=True)
class Shape:
    """How many columns of each kind."""

    floats: int
    ints: int
    strings: int
    lists: int = 0

    @property
    def columns(self) -> int:
        return self.floats + self.ints + self.strings + self.lists

    @property
    def label(self) -> str:
        return f"f{self.floats},i{self.ints},s{self.strings},l{self.lists}"

    @classmethod
    def parse(cls, text: str) -> Shape:
        """`12`, `100`, or an explicit mix `fF,iI,sS,lL`."""
        if text in STANDARD:
            return STANDARD[text]
        match = _SHAPE.match(text.replace(" ", ""))
        if not match:
            raise ValueError(f"shape '{text}' is not 12, 100 or fF,iI,sS,lL (e.g. f6,i3,s3,l0)")
        return cls(*(int(g) for g in match.groups()))


STANDARD = {
    # The mix the TFDV reference figures were first measured on (6 float, 3 int, 3 string).
    "12": Shape(6, 3, 3, 0),
    "100": Shape(50, 20, 25, 5),
}


def column_names(shape: Shape) -> list[tuple[str, str]]:
    kinds = ("float", shape.floats), ("int", shape.ints), ("string", shape.strings), \
        ("list", shape.lists)
    return [(f"{kind}_{i:03d}", kind) for kind, count in kinds for i in range(count)]


def _chunk(shape: Shape, rows: int, rng: np.random.Generator) -> pa.Table:
    arrays, names = [], []
    for index, (name, kind) in enumerate(column_names(shape)):
        if kind == "float":
            values = rng.normal(100.0 * (index + 1), 15.0, rows)
            arrays.append(pa.array(values, mask=rng.random(rows) < 0.01))
        elif kind == "int":
            arrays.append(pa.array(rng.integers(0, 1_000_000, rows, dtype=np.int64)))
        elif kind == "string":
            if index % 2:
                codes = rng.integers(0, 50, rows)
                dictionary = pa.array([f"category-{c}" for c in range(50)])
                arrays.append(pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()),
                                                             dictionary).cast(pa.string()))
            else:  # near-unique ids
                ids = rng.integers(0, 1 << 40, rows)
                arrays.append(pa.array(np.char.mod("id-%x", ids).astype(object)))
        else:
            lengths = rng.integers(0, 5, rows)
            offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
            values = pa.array(rng.integers(0, 1000, int(offsets[-1]), dtype=np.int64))
            arrays.append(pa.ListArray.from_arrays(pa.array(offsets), values))
        names.append(name)
    return pa.Table.from_arrays(arrays, names)


def write_parquet(path: pathlib.Path, shape: Shape, rows: int, seed: int = 7) -> pathlib.Path:
    """Write `rows` rows of `shape` to one Parquet file (row groups of CHUNK_ROWS)."""
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer: pq.ParquetWriter | None = None
    try:
        for offset in range(0, rows, CHUNK_ROWS):
            table = _chunk(shape, min(CHUNK_ROWS, rows - offset), rng)
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table, row_group_size=CHUNK_ROWS)
    finally:
        if writer is not None:
            writer.close()
    return path


def schema_for(shape: Shape) -> schema_pb2.Schema:
    """The schema dqv validates the synthetic table against (types only, presence optional)."""
    schema = schema_pb2.Schema()
    types = {"float": schema_pb2.FLOAT, "int": schema_pb2.INT, "string": schema_pb2.BYTES,
             "list": schema_pb2.INT}
    for name, kind in column_names(shape):
        schema.feature.add(name=name, type=types[kind])
    return schema
