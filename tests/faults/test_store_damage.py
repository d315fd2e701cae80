"""A damaged run history is "not evaluated" (exit 2) in one line, never "blocked" (1), and is
never silently replaced by a fresh store; a read-only artifact root is the same."""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from tests.faults.conftest import Case, runs_text
from tests.faults.support import DS, JOB, dqv, history, project, run

STORE = "metadata.sqlite"


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """A project with one passing run in its history."""
    proj = project(tmp_path_factory.mktemp("store") / "proj", files=1)
    done = run(proj)
    assert done.code == 0, done.err
    return proj


def _copy(recorded: pathlib.Path, tmp_path: pathlib.Path) -> pathlib.Path:
    proj = tmp_path / "proj"
    shutil.copytree(recorded, proj, symlinks=True)
    return proj


def _damage(store: pathlib.Path, how: str) -> None:
    data = store.read_bytes()
    if how == "garbage":
        store.write_bytes(b"\x1b[2Jthis is not a database\n" * 400)
    elif how == "cut_in_half":
        store.write_bytes(data[: len(data) // 2])
    elif how == "zero_bytes":
        store.write_bytes(b"")
    else:
        store.unlink()


COMMANDS = {
    "run": ("run", JOB, "--ds", DS),
    "history": ("history", JOB),
    "gate": ("gate", JOB, "--ds", DS, "--max-age", "0"),
    "show": ("show", "20261105T000000000Z-000000"),
    "serve": ("serve", "--port", "0"),
}


@pytest.mark.parametrize("how", ["garbage", "cut_in_half", "zero_bytes", "missing"])
def test_damaged_store_is_one_line_and_exit_2(recorded: pathlib.Path, tmp_path: pathlib.Path,
                                               how: str, case: Case) -> None:
    proj = _copy(recorded, tmp_path)
    store = proj / "out" / STORE
    _damage(store, how)
    before = store.read_bytes() if store.exists() else None
    for name, args in COMMANDS.items():
        done = dqv(proj, *args, timeout=120)
        lines = [line for line in done.err.splitlines() if line.strip()]
        assert done.code == 2, f"{name}: exit {done.code}\n{done.err}"
        assert len(lines) == 1, f"{name}: {done.err}"
        assert "run history" in lines[0] and str(store) in lines[0], lines[0]
        assert "\x1b" not in done.err  # the garbage is not echoed raw
    after = store.read_bytes() if store.exists() else None
    assert after == before, "the damaged store was replaced or changed"
    case.verdict, case.exit_code, case.runs = "not_evaluated", 2, "store unreadable (kept)"
    case.processes_left = 0


def test_empty_store_starts_anew_only_when_asked(recorded: pathlib.Path, tmp_path: pathlib.Path,
                                                 case: Case) -> None:
    proj = _copy(recorded, tmp_path)
    _damage(proj / "out" / STORE, "zero_bytes")
    refused = run(proj)
    assert refused.code == 2 and "is empty (0 bytes)" in refused.err and "--new-store" in refused.err
    fresh = run(proj, DS, "--new-store")
    assert fresh.code == 0, fresh.err
    records = history(proj)
    case.verdict, case.exit_code, case.runs = "pass", fresh.code, runs_text(records)
    assert len(records) == 1 and records[0].outcome is not None
    # A project that never ran starts its history without being asked.
    new = project(tmp_path / "new", files=1)
    assert (new / "out").exists() is False
    assert dqv(new, "history", JOB).code == 0


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None,
                    reason="needs root and unshare for a read-only bind mount")
def test_read_only_artifact_root_is_not_evaluated(recorded: pathlib.Path, tmp_path: pathlib.Path,
                                                  case: Case) -> None:
    proj = _copy(recorded, tmp_path)
    out = proj / "out"
    before = (out / STORE).read_bytes()
    # A private mount namespace: the read-only bind mount is seen by this dqv only.
    script = (f'mount --bind -o ro "{out}" "{out}" && exec "{sys.executable}" -m '
              f'validator.cli.main run {JOB} --ds {DS} --artifact-root "{out}" '
              f'--project-dir "{proj}"')
    done = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
                          capture_output=True, text=True, timeout=300, cwd=proj,
                          env={**os.environ, "PYTHONWARNINGS": "ignore", "DQV_METADATA": ""})
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1 and "Read-only file system" in lines[0], done.stderr
    assert (out / STORE).read_bytes() == before
    records = history(proj)
    case.verdict, case.exit_code, case.runs = "not_evaluated", 2, runs_text(records)
    assert len(records) == 1  # only the earlier run; nothing half-written
