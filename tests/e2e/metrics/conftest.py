"""The real Pushgateway for the metrics tests (started once per session, stopped by PID)."""

from tests.support.pushgateway import pushgateway  # noqa: F401  (a fixture)
