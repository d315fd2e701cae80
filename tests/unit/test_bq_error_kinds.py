"""Each BigQuery client error becomes its own DataError kind, by exception type and BigQuery's
reason codes, never by message text; the cost-cap error appears only when a cap is set and
BigQuery says it was crossed."""

from __future__ import annotations

import pytest
from google.api_core import exceptions

from validator import errors
from validator.sources.bigquery.errors import as_data_error

BILLED = [{"reason": "bytesBilledLimitExceeded", "message": "Query exceeded limit for bytes billed"}]


@pytest.mark.parametrize(("raised", "kind"), [
    (exceptions.NotFound("Not found: Table p:d.t"), errors.DataNotFound),
    (exceptions.Forbidden("Access Denied: Table p:d.t"), errors.PermissionDenied),
    (exceptions.Unauthorized("Request had invalid authentication credentials"), errors.PermissionDenied),
    (exceptions.PermissionDenied("no bigquery.readsessions.create"), errors.PermissionDenied),
    (exceptions.BadRequest("Syntax error: Unexpected keyword FROM at [1:8]"), errors.InvalidQuery),
    (exceptions.InvalidArgument("row_restriction is invalid"), errors.InvalidQuery),
    (exceptions.BadRequest("Query exceeded limit for bytes billed", errors=BILLED), errors.CostCapExceeded),
])
def test_each_bigquery_error_has_its_kind(raised: Exception, kind: type[errors.DataError]) -> None:
    err = as_data_error(raised, "running the query", cap=10_000)
    assert type(err) is kind
    assert isinstance(err, errors.DataError)
    assert str(err).startswith("running the query: ") and "\n" not in str(err)


def test_a_rejection_without_a_cap_never_mentions_the_cap() -> None:
    # Even BigQuery's own billed-limit reason: with no cap set, dqv did not cap anything.
    for raised in (exceptions.BadRequest("Query exceeded limit for bytes billed", errors=BILLED),
                   exceptions.BadRequest("Unrecognized name: billed_amount at [3:5]")):
        err = as_data_error(raised, "running the query", cap=None)
        assert type(err) is errors.InvalidQuery
        assert "maximum_bytes_billed" not in str(err)


def test_text_that_mentions_billing_is_not_the_cap() -> None:
    err = as_data_error(exceptions.BadRequest("Unrecognized name: bytes_billed"), "running the query",
                        cap=10_000)
    assert type(err) is errors.InvalidQuery
    assert "maximum_bytes_billed" not in str(err)


def test_the_dry_run_estimate_over_the_cap_is_the_cap_error() -> None:
    from validator.sources.bigquery.sql import check_cost

    with pytest.raises(errors.CostCapExceeded, match=r"source\.maximum_bytes_billed"):
        check_cost(2_000, 1_000, "the query")
    check_cost(2_000, None, "the query")  # no cap: nothing to refuse


def test_unreachable_is_source_unavailable() -> None:
    from tests.unit.test_bq_sql import _source

    source = _source(retries=0)

    def call() -> None:
        raise ConnectionRefusedError("connection refused")

    with pytest.raises(errors.SourceUnavailable):
        source._call("reading table p.d.t", call)  # type: ignore[attr-defined]
