from tests.support.report_fixtures import four_outcomes, hostile  # noqa: F401  (fixtures)
from tests.support.slack_fixtures import slack_standin  # noqa: F401  (a fixture)
