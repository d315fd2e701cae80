"""dqv: the data-quality gate for ML training data.

Importing this package must stay cheap: TensorFlow (via TFDV) is imported only by
the modules that compute or validate statistics, so that `dqv --help` and config
checks answer at once.
"""

__version__ = "0.1.0"
