"""stats: TFDV statistics of one partition's rows.

Owns the conversion of raw Arrow batches into TFDV-typed batches by the schema (convert.py:
unparseable values are counted, never fatal), folding them into TFDV's statistics with the
invalid-value counts attached (accumulate.py), and the lazy TFDV import (tfdv_runtime.py).
May import core and the third-party stack; never config, sources, engines, history, run,
notify, report, service or cli. This module stays light (no TensorFlow).
"""

STATS_FILE = "FeatureStats.pb"  # the statistics artifact, named as TFX StatisticsGen names it
