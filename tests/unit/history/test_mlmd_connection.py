"""The ML Metadata store's location: one setting, checked at the config level (MySQL has no
server here; the config it produces is what ml_metadata connects with)."""

from __future__ import annotations

import pathlib

import pytest
from ml_metadata.proto import metadata_store_pb2

from validator.errors import ConfigError
from validator.history.mlmd_connection import PASSWORD_ENV, connection_config

READWRITE_OPENCREATE = metadata_store_pb2.SqliteMetadataSourceConfig.READWRITE_OPENCREATE


def test_default_is_a_sqlite_file_under_the_artifact_root(tmp_path: pathlib.Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DQV_METADATA", raising=False)
    config = connection_config(tmp_path / "root")
    assert config.WhichOneof("config") == "sqlite"
    assert config.sqlite.filename_uri == str(tmp_path / "root" / "metadata.sqlite")
    assert config.sqlite.connection_mode == READWRITE_OPENCREATE
    assert (tmp_path / "root").is_dir()


def test_environment_setting_wins(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DQV_METADATA", f"sqlite://{tmp_path}/elsewhere/md.sqlite")
    config = connection_config(tmp_path / "root")
    assert config.sqlite.filename_uri == f"{tmp_path}/elsewhere/md.sqlite"


def test_mysql_url(monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "s3cret")
    config = connection_config(tmp_path, "mysql://dqv%40svc@db.internal:3307/dqv_metadata")
    assert config.WhichOneof("config") == "mysql"
    assert (config.mysql.host, config.mysql.port, config.mysql.database) == \
        ("db.internal", 3307, "dqv_metadata")
    assert config.mysql.user == "dqv@svc"
    assert config.mysql.password == "s3cret"
    assert connection_config(tmp_path, "mysql://dqv@db/md").mysql.port == 3306


@pytest.mark.parametrize(("url", "message"), [
    ("mysql://dqv:pw@db:3306/md", "do not put the password in the URL"),
    ("mysql://dqv@db:3306/", "needs a host and a database"),
    ("postgres://db/md", "unsupported store 'postgres'"),
    ("sqlite://", "needs a path"),
])
def test_bad_settings_say_how_to_fix(url: str, message: str, tmp_path: pathlib.Path) -> None:
    with pytest.raises(ConfigError, match=message) as err:
        connection_config(tmp_path, url)
    assert "DQV_METADATA" in str(err.value)
    assert "pw" not in str(err.value).replace("password", "")


def test_remote_artifact_root_needs_an_explicit_store(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: pathlib.Path) -> None:
    monkeypatch.delenv("DQV_METADATA", raising=False)
    # pathlib collapses gs://bucket into gs:/bucket, as the CLI hands it over
    with pytest.raises(ConfigError, match="gs://bucket/dqv is remote"):
        connection_config(pathlib.Path("gs://bucket/dqv"))
    assert not pathlib.Path("gs:").exists()
    config = connection_config("gs://bucket/dqv", f"sqlite://{tmp_path}/md.sqlite")
    assert config.sqlite.filename_uri == f"{tmp_path}/md.sqlite"
