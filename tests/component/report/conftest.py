from tests.support.report_fixtures import banded, four_outcomes, hostile, partitioned  # noqa: F401  (fixtures)
from tests.support.slack_fixtures import slack_standin  # noqa: F401  (a fixture)
