"""history: the run history and the artifacts of runs.

Owns the `RunStore` protocol (store.py), the ML Metadata store (mlmd_store.py, the default:
SQLite under the artifact root or a URL), the artifact file system (local or gs://,
artifact_fs.py), the per job+ds run locks (locks.py), and resolving a run's drift baseline and
skew reference from the history (baselines.py). May import core, config and stats; never run,
engines, notify, report, service or cli.
"""

from __future__ import annotations

import pathlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from validator.history.store import RunStore


def open_store(artifact_root: pathlib.Path) -> RunStore:
    """The run history the CLI, the API and the service use. One place to choose it: ML Metadata
    (SQLite under the artifact root by default, or DQV_METADATA; history/mlmd_store.py)."""
    from validator.history.mlmd_store import MlmdRunStore

    return MlmdRunStore(artifact_root)
