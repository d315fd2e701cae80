"""Where the ML Metadata store lives: one setting, `DQV_METADATA` (or the service config).

    unset                      SQLite file ARTIFACT_ROOT/metadata.sqlite (the default)
    sqlite:///abs/path.sqlite  SQLite file
    mysql://user@host:3306/db  MySQL, as TFX uses in production; the password comes from
                               DQV_METADATA_PASSWORD, never from a file in the repo

Only the connection config is built here (no ml_metadata import), so it is cheap to test.
"""

from __future__ import annotations

import os
import pathlib
import urllib.parse

from ml_metadata.proto import metadata_store_pb2

from validator.errors import ConfigError
from validator.history import artifact_fs

ENV = "DQV_METADATA"
PASSWORD_ENV = "DQV_METADATA_PASSWORD"
DEFAULT_FILE = "metadata.sqlite"


def connection_config(artifact_root: str | os.PathLike[str], url: str | None = None
                      ) -> metadata_store_pb2.ConnectionConfig:
    url = url if url is not None else os.environ.get(ENV, "")
    config = metadata_store_pb2.ConnectionConfig()
    if not url:
        if artifact_fs.is_remote(artifact_root):
            raise ConfigError(f"the artifact root {artifact_fs.uri(artifact_root)} is remote and "
                              f"SQLite needs a local file: set {ENV} to sqlite:///LOCAL/PATH or "
                              "mysql://USER@HOST:PORT/DATABASE")
        path = pathlib.Path(artifact_root) / DEFAULT_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        config.sqlite.filename_uri = str(path)
        config.sqlite.connection_mode = metadata_store_pb2.SqliteMetadataSourceConfig.READWRITE_OPENCREATE
        return config
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme == "sqlite":
        if not parsed.path:
            raise ConfigError(f"{ENV}: sqlite URL needs a path, e.g. sqlite:///var/dqv/metadata.sqlite")
        pathlib.Path(parsed.path).parent.mkdir(parents=True, exist_ok=True)
        config.sqlite.filename_uri = parsed.path
        config.sqlite.connection_mode = metadata_store_pb2.SqliteMetadataSourceConfig.READWRITE_OPENCREATE
        return config
    if parsed.scheme == "mysql":
        database = parsed.path.lstrip("/")
        if not parsed.hostname or not database:
            raise ConfigError(f"{ENV}: MySQL URL needs a host and a database, e.g. "
                              "mysql://dqv@db.internal:3306/dqv_metadata")
        if parsed.password:
            raise ConfigError(f"{ENV}: do not put the password in the URL; set {PASSWORD_ENV}")
        config.mysql.host = parsed.hostname
        config.mysql.port = parsed.port or 3306
        config.mysql.database = database
        config.mysql.user = urllib.parse.unquote(parsed.username or "")
        config.mysql.password = os.environ.get(PASSWORD_ENV, "")
        return config
    raise ConfigError(f"{ENV}: unsupported store '{parsed.scheme or url}'; use sqlite:///PATH or "
                      "mysql://USER@HOST:PORT/DATABASE")
