"""The code in docs/orchestrators/*.md is the code the orchestrator tests run: every Python block
stands, line for line (at any indentation), in the example or the driver it was taken from."""

from __future__ import annotations

import re
import textwrap

import pytest

from tests.conftest import REPO

SOURCES = {"airflow.md": ["examples/airflow_dag.py"],
           "kfp.md": ["examples/kfp_gate_component.py", "tests/e2e/orchestrators/kfp_run.py"],
           "tfx.md": ["examples/tfx_gate_component.py"]}


def _contains(source: str, block: str) -> bool:
    return any(textwrap.indent(block, " " * n, lambda line: bool(line.strip())) in source
               for n in range(0, 13, 4))


@pytest.mark.parametrize("page", sorted(SOURCES))
def test_python_blocks_are_the_tested_code(page: str) -> None:
    text = (REPO / "docs" / "orchestrators" / page).read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks, page
    sources = "\n".join((REPO / s).read_text() for s in SOURCES[page])
    for block in blocks:
        assert _contains(sources, block), f"{page}: not in {SOURCES[page]}:\n{block}"
