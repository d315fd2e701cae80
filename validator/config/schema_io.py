"""Curated schemas: TFDV Schema text protos (`schemas/*.pbtxt`), read and written.

Only protobuf and tensorflow_metadata are imported here (no TensorFlow), so config checks
stay fast.
"""

from __future__ import annotations

import pathlib
import re

from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2

from validator.errors import ConfigError

_POSITION = re.compile(r"^(\d+):(\d+) : (.*)$", re.S)


def load_schema(path: pathlib.Path) -> schema_pb2.Schema:
    """Parse and sanity-check a schema file; ConfigError names the file and line."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("schema file not found; fix the job's 'schema' path or create it with "
                          "'dqv schema infer JOB --ds D --write'", file=file) from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read schema ({err})", file=file) from None
    schema = schema_pb2.Schema()
    try:
        text_format.Parse(text, schema)
    except text_format.ParseError as err:
        match = _POSITION.match(str(err))
        line = int(match.group(1)) if match else None
        reason = match.group(3) if match else str(err)
        raise ConfigError(f"malformed schema text proto: {reason}", file=file, line=line) from None
    check_schema(schema, file)
    return schema


def check_schema(schema: schema_pb2.Schema, file: str) -> None:
    """Catch mistakes TFDV would otherwise report obscurely, or not at all."""
    domains = {d.name for d in schema.string_domain}
    seen: set[str] = set()
    for feature in schema.feature:
        if not feature.name:
            raise ConfigError("a feature has no name", file=file, field="feature.name")
        if feature.name in seen:
            raise ConfigError(f"feature '{feature.name}' is defined twice", file=file,
                              field=f"feature[{feature.name}]")
        seen.add(feature.name)
        if feature.type == schema_pb2.TYPE_UNKNOWN and not feature.HasField("struct_domain"):
            raise ConfigError(f"feature '{feature.name}' has no type; add 'type: INT|FLOAT|BYTES'",
                              file=file, field=f"feature[{feature.name}].type")
        if feature.HasField("domain") and feature.domain not in domains:
            raise ConfigError(f"feature '{feature.name}' names domain '{feature.domain}', which is "
                              "not defined; add a string_domain with that name",
                              file=file, field=f"feature[{feature.name}].domain")


def schema_to_text(schema: schema_pb2.Schema) -> str:
    return text_format.MessageToString(schema)


def write_schema(schema: schema_pb2.Schema, path: pathlib.Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(schema_to_text(schema), encoding="utf-8")


def feature_types(schema: schema_pb2.Schema) -> dict[str, int]:
    """Top-level feature name -> schema_pb2.FeatureType."""
    return {f.name: f.type for f in schema.feature}


def restrict_to(schema: schema_pb2.Schema, columns: list[str] | None
                ) -> tuple[schema_pb2.Schema, list[str]]:
    """The schema a run with `source.columns` validates against: only the selected features
    (a feature that was not read is not missing), and the names of those left out."""
    if not columns:
        return schema, []
    chosen = {c.lower() for c in columns}
    left_out = [f.name for f in schema.feature if f.name.lower() not in chosen]
    if not left_out:
        return schema, []
    restricted = schema_pb2.Schema()
    restricted.CopyFrom(schema)
    del restricted.feature[:]
    restricted.feature.extend(f for f in schema.feature if f.name.lower() in chosen)
    return restricted, left_out
