"""Files under the artifact root, which is a local directory or a `gs://` bucket path.

Local paths use the standard library; `gs://` paths go through `tf.io.gfile` (imported only
then, so local runs and fast commands never pay for TensorFlow here). `ram://` (TensorFlow's
in-process memory file system) takes the same path, which lets tests exercise it without a
bucket. `pathlib` collapses `gs://bucket` into `gs:/bucket`; `uri()` undoes that, so a root
given on the command line as a `pathlib.Path` still works.
"""

from __future__ import annotations

import os
import pathlib
from typing import Any

REMOTE_SCHEMES = ("gs", "ram")
REMOTE_PREFIXES = tuple(f"{scheme}://" for scheme in REMOTE_SCHEMES)


def uri(path: str | os.PathLike[str]) -> str:
    text = os.fspath(path)
    for scheme in REMOTE_SCHEMES:
        collapsed = f"{scheme}:/"
        if text.startswith(collapsed) and not text.startswith(collapsed + "/"):
            return f"{scheme}://" + text[len(collapsed):]
    return text


def is_remote(path: str | os.PathLike[str]) -> bool:
    return uri(path).startswith(REMOTE_PREFIXES)


def join(root: str | os.PathLike[str], *parts: str) -> str:
    base = uri(root)
    if is_remote(base):
        return "/".join([base.rstrip("/"), *(p.strip("/") for p in parts)])
    return str(pathlib.Path(base).joinpath(*parts))


def _gfile() -> Any:
    from validator.stats.tfdv_runtime import import_tfdv

    import_tfdv()  # quiets TensorFlow's start-up logging before it loads
    import tensorflow as tf

    return tf.io.gfile


def write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write a whole file; readers never see half of it (rename on local disks, GCS objects
    appear whole on upload)."""
    target = uri(path)
    if is_remote(target):
        gfile = _gfile()
        gfile.makedirs(target.rsplit("/", 1)[0])
        with gfile.GFile(target, "wb") as out:
            out.write(data)
        return
    local = pathlib.Path(target)
    local.parent.mkdir(parents=True, exist_ok=True)
    tmp = local.with_name(local.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(local)


def write_text(path: str | os.PathLike[str], text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    target = uri(path)
    if is_remote(target):
        gfile = _gfile()
        try:
            with gfile.GFile(target, "rb") as src:
                data: bytes = src.read()
                return data
        except Exception as err:  # tf raises its own NotFoundError etc.; callers expect OSError
            raise OSError(f"{target}: {err}") from None
    return pathlib.Path(target).read_bytes()


def exists(path: str | os.PathLike[str]) -> bool:
    target = uri(path)
    if is_remote(target):
        return bool(_gfile().exists(target))
    return pathlib.Path(target).exists()


def is_dir(path: str | os.PathLike[str]) -> bool:
    target = uri(path)
    if is_remote(target):
        return bool(_gfile().isdir(target))
    return pathlib.Path(target).is_dir()
