"""The package's shape (issue 12): packages by concern with a docstring each, nothing but the
product in the wheel, small modules and functions, and layer contracts that catch an upward
import."""

from __future__ import annotations

import ast
import os
import pathlib
import shutil
import subprocess
import sys
import zipfile

import pytest

from tests.support.wheel import build_wheel

REPO = pathlib.Path(__file__).resolve().parents[2]
PACKAGE = REPO / "validator"
MAX_MODULE_LINES = 400
MAX_PARAMS = 6
SHARED_MODULES = {"__init__.py", "errors.py"}


def test_top_level_holds_only_packages_and_the_shared_modules() -> None:
    loose = {p.name for p in PACKAGE.iterdir() if p.is_file() and p.suffix == ".py"}
    assert loose == SHARED_MODULES
    packages = [p for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"]
    assert packages and all((p / "__init__.py").is_file() for p in packages)


def test_every_package_says_what_it_owns_and_what_it_may_import() -> None:
    for init in PACKAGE.rglob("__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert len(doc) > 60, f"{init.relative_to(REPO)} has no docstring saying what it owns"
        if init.parent.parent == PACKAGE:  # a top-level package names its allowed imports
            assert "import" in doc, f"{init.relative_to(REPO)}: say what it may import"


def test_modules_are_small_and_functions_take_few_parameters() -> None:
    long, wide = [], []
    for module in PACKAGE.rglob("*.py"):
        text = module.read_text(encoding="utf-8")
        if len(text.splitlines()) > MAX_MODULE_LINES:
            long.append(f"{module.relative_to(REPO)}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                args = node.args
                names = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)
                         if a.arg not in ("self", "cls")]
                if len(names) > MAX_PARAMS:
                    wide.append(f"{module.relative_to(REPO)}:{node.lineno} {node.name}({len(names)})")
    assert long == [] and wide == []


def test_the_wheel_ships_the_product_only(tmp_path: pathlib.Path) -> None:
    wheel = build_wheel(tmp_path)  # offline, from a copy of what git tracks
    names = zipfile.ZipFile(wheel).namelist()
    modules = [n for n in names if n.endswith(".py")]
    assert modules and all(n.startswith("validator/") for n in modules)
    assert "validator/run/runner.py" in modules and "validator/cli/main.py" in modules
    for unwanted in ("bench", "emulator", "test_hooks", "sitecustomize", "tests/"):
        assert not [n for n in names if unwanted in n], unwanted


def _lint_imports(root: pathlib.Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(pathlib.Path(sys.executable).parent / "lint-imports"), "--no-cache"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("upward", [
    ("validator/notify/metrics.py", "from validator.run import runner as _upward  # noqa\n"),
    ("validator/core/outcome.py", "import validator.history.store as _upward  # noqa\n"),
    ("validator/core/findings.py", "import tensorflow as _upward  # noqa\n"),
])
def test_layer_contracts_hold_and_catch_an_upward_import(tmp_path: pathlib.Path,
                                                         upward: tuple[str, str]) -> None:
    shutil.copytree(PACKAGE, tmp_path / "validator", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    kept = _lint_imports(tmp_path)
    assert kept.returncode == 0, kept.stdout + kept.stderr
    module, line = upward
    path = tmp_path / module
    path.write_text(path.read_text(encoding="utf-8") + line, encoding="utf-8")
    broken = _lint_imports(tmp_path)
    assert broken.returncode != 0 and "BROKEN" in broken.stdout, broken.stdout
