"""Installing dqv into one's own project: the wheel, installed into a fresh virtualenv outside
the checkout with the pinned stack as constraints, gives a working `dqv` there.

Offline and fast: the new virtualenv is made `--without-pip` and gets one .pth file naming this
project's site-packages, so the pinned stack (TFDV, TensorFlow, Beam …) and pip are found
without a download. `pip install --no-index -c requirements.txt WHEEL` then resolves the wheel's
declared dependencies against that stack under the constraints (a dependency missing from it,
or outside the pins, fails the install) and installs only dqv itself into the new environment.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
import sysconfig

import pytest

from tests.conftest import REPO
from tests.support.wheel import build_wheel

pytestmark = pytest.mark.slow
DAY = REPO / "sample_data" / "training_events" / "ds={}" / "part-000.parquet"


def _fresh_venv(folder: pathlib.Path) -> pathlib.Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; "
                              "print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    (pathlib.Path(purelib) / "dqv-pinned-stack.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n")  # this project's site-packages
    return python


def test_the_wheel_installs_and_runs_in_a_project_outside_the_checkout(
        tmp_path: pathlib.Path) -> None:
    wheel = build_wheel(tmp_path / "dist")
    python = _fresh_venv(tmp_path / "venv")
    env = {k: v for k, v in os.environ.items()
           if k != "PYTHONPATH" and not k.startswith("DQV_")}
    env["PYTHONWARNINGS"] = "ignore"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--no-index", "--disable-pip-version-check", "-q",
         "-c", str(REPO / "requirements.txt"), str(wheel)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert install.returncode == 0, install.stdout + install.stderr
    dqv = tmp_path / "venv" / "bin" / "dqv"

    def run(*args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([str(dqv), *args], capture_output=True, text=True, env=env,
                              cwd=project, timeout=600)
        assert proc.returncode == expect, f"dqv {args}: {proc.stdout}{proc.stderr}"
        return proc

    project = tmp_path / "my-project"
    for day in ("2026-11-01", "2026-11-02"):
        (project / "data" / f"ds={day}").mkdir(parents=True)
        shutil.copy(str(DAY).format(day), project / "data" / f"ds={day}" / "part-000.parquet")
    assert run("--version").stdout.strip() == "dqv 0.1.0"
    where = subprocess.run([str(python), "-c", "import validator; print(validator.__file__)"],
                           capture_output=True, text=True, env=env, cwd=project, check=True)
    assert where.stdout.startswith(str(tmp_path / "venv")), where.stdout  # not the checkout

    run("init", "events", "--path", "data", "--ds", "2026-11-01")
    assert "ok     jobs/events.yaml" in run("validate-config").stdout
    assert "events  ds=2026-11-02  PASS" in run("run", "events", "--ds", "2026-11-02").stdout
    assert (project / "dqv-artifacts" / "metadata.sqlite").is_file()
