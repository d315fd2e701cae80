"""dqv: the data-quality gate for ML training data.

The public API (docs/architecture.md, docs/gate-and-waivers.md "Python API"):

    import validator
    verdict = validator.check("training_events", "2026-11-05")
    if verdict.may_train: ...
    validator.require_pass("training_events", ds)   # raises DataQualityBlocked unless pass/warn

Importing this package must stay cheap: the API is loaded on first use, and TensorFlow (via
TFDV) only by the modules that compute or validate statistics, so that `dqv --help` and config
checks answer at once. Packages and their layers: docs/architecture.md.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from validator.core.outcome import Outcome, Severity
    from validator.errors import ConfigError, DataError, DqvError
    from validator.run.api import DataNotReady, DataQualityBlocked, GateOptions, check, require_pass
    from validator.run.gate import GateVerdict

# name -> module that defines it; loaded on first attribute access (PEP 562)
_PUBLIC = {
    "check": "validator.run.api", "require_pass": "validator.run.api",
    "GateOptions": "validator.run.api", "DataQualityBlocked": "validator.run.api",
    "DataNotReady": "validator.run.api",
    "GateVerdict": "validator.run.gate", "Outcome": "validator.core.outcome",
    "Severity": "validator.core.outcome", "DqvError": "validator.errors",
    "ConfigError": "validator.errors", "DataError": "validator.errors",
}
__all__ = [
    "ConfigError", "DataError", "DataNotReady", "DataQualityBlocked", "DqvError", "GateOptions",
    "GateVerdict", "Outcome", "Severity", "__version__", "check", "require_pass",
]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'validator' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
