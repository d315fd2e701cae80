"""A test-only hook, outside the product, that counts what one `dqv` process reads: opens of the
schema file, ML Metadata store connections, reads of a job's run history, and Parquet footer
parses per file. `count_env(out, schema)` gives the environment for the subprocess; the counts
land in `out` as JSON when it exits (sitecustomize.py beside this file installs the counters).
"""

from __future__ import annotations

import os
import pathlib

HOOK_DIR = pathlib.Path(__file__).resolve().parent


def count_env(out: pathlib.Path, schema: pathlib.Path) -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(HOOK_DIR), os.environ.get("PYTHONPATH", "")) if p)
    return {"DQV_TEST_COUNT_FILE": str(out), "DQV_TEST_COUNT_SCHEMA": os.path.realpath(schema),
            "PYTHONPATH": path}
