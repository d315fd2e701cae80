"""BigQuery's client exceptions as dqv's DataError kinds (validator/errors.py), by exception
type and BigQuery's reason codes, never by message text; and which errors are worth a retry."""

from __future__ import annotations

from validator.errors import (
    CostCapExceeded,
    DataError,
    DataNotFound,
    InvalidQuery,
    PermissionDenied,
)


def one_line(err: BaseException) -> str:
    text = getattr(err, "message", None) or str(err) or err.__class__.__name__
    return " ".join(str(text).split())[:300]


def is_transient(err: BaseException) -> bool:
    """Errors that mean 'not reachable right now' (worth a retry), not 'wrong request'."""
    import requests
    from google.api_core import exceptions as gexc
    from google.auth.exceptions import TransportError

    return isinstance(err, (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                            gexc.ServiceUnavailable, gexc.DeadlineExceeded, gexc.RetryError,
                            gexc.TooManyRequests, gexc.InternalServerError, gexc.BadGateway,
                            TransportError, ConnectionError, TimeoutError))


def _reasons(err: BaseException) -> set[str]:
    """The `reason` of each error BigQuery attached (e.g. bytesBilledLimitExceeded)."""
    return {str(e.get("reason", "")) for e in getattr(err, "errors", None) or [] if isinstance(e, dict)}


def as_data_error(err: BaseException, what: str, cap: int | None) -> BaseException:
    """The DataError kind for a BigQuery client exception, by its type and BigQuery's reason
    codes (never by its text). The cost-cap error only when a cap is set and BigQuery says it
    was crossed."""
    from google.api_core import exceptions as gexc

    if isinstance(err, DataError):
        return err
    if isinstance(err, gexc.NotFound):
        return DataNotFound(f"{what}: not found ({one_line(err)}); check source.table, "
                            "source.project and the dataset")
    if isinstance(err, (gexc.Forbidden, gexc.Unauthorized, gexc.PermissionDenied)):
        if cap is not None and "bytesBilledLimitExceeded" in _reasons(err):
            return _cap_error(err, what)
        return PermissionDenied(f"{what}: permission denied ({one_line(err)}); the credentials "
                                "need roles bigquery.dataViewer, bigquery.readSessionUser and "
                                "(for queries) bigquery.jobUser")
    if isinstance(err, (gexc.BadRequest, gexc.InvalidArgument)):
        if cap is not None and "bytesBilledLimitExceeded" in _reasons(err):
            return _cap_error(err, what)
        return InvalidQuery(f"{what}: BigQuery rejected it ({one_line(err)}); check "
                            "source.query, source.row_filter and source.columns")
    if isinstance(err, gexc.GoogleAPICallError):
        return DataError(f"{what}: {one_line(err)}")
    return err


def _cap_error(err: BaseException, what: str) -> CostCapExceeded:
    return CostCapExceeded(f"{what}: stopped by source.maximum_bytes_billed ({one_line(err)}); "
                           "raise the cap or narrow the query")
