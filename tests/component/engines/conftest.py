"""The local BigQuery emulator with the sample data (started once per session, stopped by PID)."""

from tests.support.bigquery import bq_emulator  # noqa: F401  (a fixture)
