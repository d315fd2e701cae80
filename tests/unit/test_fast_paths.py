"""`dqv --help` and config errors must answer without importing TensorFlow."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.conftest import REPO


def _modules_after(code: str) -> str:
    script = textwrap.dedent(code) + textwrap.dedent("""
        heavy = sorted(m for m in sys.modules
                       if m == "tensorflow" or m.startswith(("tensorflow.", "tensorflow_data_validation",
                                                              "apache_beam", "tfx_bsl")))
        print("HEAVY:" + ",".join(heavy))
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO,
                          timeout=120)
    assert "HEAVY:" in proc.stdout, proc.stderr
    return proc.stdout.split("HEAVY:")[1].strip()


def test_help_does_not_import_tensorflow() -> None:
    heavy = _modules_after("""
        import contextlib, io, sys
        from validator.cli.main import main
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                main(["--help"])
            except SystemExit:
                pass
    """)
    assert heavy == ""


def test_config_error_does_not_import_tensorflow(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "jobs" / "bad.yaml"
    bad.parent.mkdir()
    bad.write_text("name: bad\nschema: s.pbtxt\nsource: {kind: local, path: x}\nextra: 1\n")
    heavy = _modules_after(f"""
        import sys
        from validator.cli.main import main
        code = main(["run", {str(bad)!r}, "--ds", "2026-11-01"])
        assert code == 2, code
    """)
    assert heavy == ""


def test_validate_config_does_not_import_tensorflow() -> None:
    heavy = _modules_after("""
        import sys
        from validator.cli.main import main
        assert main(["validate-config"]) == 0
    """)
    assert heavy == ""
