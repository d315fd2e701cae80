"""Import TFDV once, quietly.

TensorFlow's C++ start-up logs, google-api-core's Python-version FutureWarnings and TFDV's
"Unable to import IPython" banner say nothing a dqv user can act on, and would bury the
verdict. Real warnings raised later still show.
"""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from types import ModuleType


def import_tfdv() -> ModuleType:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore", FutureWarning)
        import tensorflow_data_validation as tfdv
    return tfdv
