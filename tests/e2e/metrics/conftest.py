"""Real Pushgateways for the metrics tests (started by the fixtures, stopped by PID)."""

from tests.support.pushgateway import auth_pushgateway, pushgateway  # noqa: F401  (fixtures)
