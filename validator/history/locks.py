"""Advisory file locks (fcntl.flock) that serialize runs and store access on one host.

- One lock per job and ds: two `dqv run` of the same partition at once run one after the other.
- One lock around every access to a SQLite ML Metadata file: SQLite allows one writer, and
  MLMD's own retries give up under load; a lock makes concurrent processes simply wait.

The kernel releases a flock when its process dies, even by SIGKILL: a lock that can be taken
means its owner is gone. A flock belongs to the open file, which a fork shares: so every forked
child (the local engine's workers) closes the lock files at once (`os.register_at_fork`), and a
lock dies with the process that took it, never kept alive by a straggling child.
Lock files live in ARTIFACT_ROOT/.locks (or, for a gs:// root, in
the local directory DQV_LOCK_DIR, default TMPDIR/dqv-locks). They serialize processes on one
host; runs on several hosts sharing a MySQL store are not serialized with each other.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import pathlib
import tempfile
import threading
from collections.abc import Iterator

from validator.errors import StoreError
from validator.history import artifact_fs

log = logging.getLogger("dqv")
LOCK_DIR_ENV = "DQV_LOCK_DIR"
_held: set[str] = set()  # run-lock paths this process holds (other threads' runs)
_held_guard = threading.Lock()
_open_fds: set[int] = set()  # lock files this process has open; a forked child closes them


def _close_in_child() -> None:
    for fd in list(_open_fds):
        with contextlib.suppress(OSError):
            os.close(fd)
    _open_fds.clear()


os.register_at_fork(after_in_child=_close_in_child)


def lock_dir(artifact_root: str | os.PathLike[str]) -> pathlib.Path:
    if os.environ.get(LOCK_DIR_ENV):
        return pathlib.Path(os.environ[LOCK_DIR_ENV])
    if artifact_fs.is_remote(artifact_root):
        digest = hashlib.sha256(artifact_fs.uri(artifact_root).encode()).hexdigest()[:16]
        return pathlib.Path(tempfile.gettempdir()) / "dqv-locks" / digest
    return pathlib.Path(artifact_root) / ".locks"


def run_lock_path(artifact_root: str | os.PathLike[str], job: str, ds: str | None) -> pathlib.Path:
    return lock_dir(artifact_root) / job / f"ds={ds or 'none'}.lock"


def _open(path: pathlib.Path) -> int:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as err:
        raise StoreError(f"cannot create lock file {path}: {err.strerror}; check the permissions "
                         f"of {path.parent} (or set {LOCK_DIR_ENV})") from None
    _open_fds.add(fd)
    return fd


def _close(fd: int) -> None:
    _open_fds.discard(fd)
    os.close(fd)  # closing releases the lock


@contextlib.contextmanager
def exclusive(path: pathlib.Path, *, waiting_message: str | None = None) -> Iterator[None]:
    """Hold an exclusive lock on `path`, waiting for it if another process holds it."""
    fd = _open(path)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if waiting_message:
                owner = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
                log.info("%s (held by pid %s)", waiting_message, owner)
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        _close(fd)


@contextlib.contextmanager
def run_lock(artifact_root: str | os.PathLike[str], job: str, ds: str | None) -> Iterator[None]:
    """Only one run of a job and ds at a time on this host."""
    path = run_lock_path(artifact_root, job, ds)
    with exclusive(path, waiting_message=f"{job} ds={ds or '-'}: waiting for the run in progress"):
        with _held_guard:
            _held.add(str(path))
        try:
            yield
        finally:
            with _held_guard:
                _held.discard(str(path))


def holds_run_lock(artifact_root: str | os.PathLike[str], job: str, ds: str | None) -> bool:
    """Whether this process holds the run lock of a job and ds (for its current run)."""
    with _held_guard:
        return str(run_lock_path(artifact_root, job, ds)) in _held


def run_is_alive(artifact_root: str | os.PathLike[str], job: str, ds: str | None) -> bool:
    """Whether some process on this host still holds the run lock of a job and ds."""
    path = run_lock_path(artifact_root, job, ds)
    with _held_guard:
        if str(path) in _held:
            return True
    if not path.exists():
        return False
    fd = _open(path)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        _close(fd)
