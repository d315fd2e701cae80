"""The BigQuery clients, built in one place: the REST client (tables, queries, dry runs) and
the Storage Read client (the rows, in Arrow).

Without an endpoint both use Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS,
`gcloud auth application-default login`, or the metadata server) and Google's hosts.
An endpoint (job `source.endpoint` or env DQV_BIGQUERY_ENDPOINT) points both at another server,
which is how the tests reach the local emulator:

    http://127.0.0.1:9050,127.0.0.1:9060     REST URL, then the Storage Read gRPC host:port

An `http://` endpoint is plain text without credentials (an emulator); `https://` keeps ADC and TLS.
"""

from __future__ import annotations

import dataclasses
import os
import warnings
from typing import Any

from validator.errors import ConfigError, DataError

ENDPOINT_ENV = "DQV_BIGQUERY_ENDPOINT"
PROJECT_ENVS = ("GOOGLE_CLOUD_PROJECT", "GCLOUD_PROJECT")
# Arrow record batches of wide tables can pass gRPC's 4 MB default.
MAX_MESSAGE_BYTES = 256 * 2**20


@dataclasses.dataclass(frozen=True)
class Endpoint:
    rest_url: str
    storage_address: str

    @property
    def secure(self) -> bool:
        return self.rest_url.startswith("https://")

    def __str__(self) -> str:
        return f"{self.rest_url},{self.storage_address}"


def parse_endpoint(text: str, *, where: str = ENDPOINT_ENV) -> Endpoint:
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 2 or not parts[0].startswith(("http://", "https://")) or \
            ":" not in parts[1] or "/" in parts[1]:
        raise ConfigError(f"{where}: '{text}' is not an endpoint; use REST_URL,GRPC_HOST:PORT "
                          "such as http://127.0.0.1:9050,127.0.0.1:9060")
    return Endpoint(parts[0].rstrip("/"), parts[1])


def endpoint_from(setting: str | None) -> Endpoint | None:
    """The job's endpoint, else DQV_BIGQUERY_ENDPOINT, else none (Google's hosts)."""
    if setting:
        return parse_endpoint(setting, where="source.endpoint")
    env = os.environ.get(ENDPOINT_ENV, "").strip()
    return parse_endpoint(env) if env else None


@dataclasses.dataclass
class BigQueryClients:
    """Both clients and where they point; pass one in to reuse connections across runs."""

    bigquery: Any  # google.cloud.bigquery.Client
    read: Any  # google.cloud.bigquery_storage_v1.BigQueryReadClient
    project: str
    endpoint: Endpoint | None = None

    @property
    def where(self) -> str:
        return self.endpoint.rest_url if self.endpoint else "bigquery.googleapis.com"


def import_google() -> None:
    # google-api-core warns about Python/grpc versions on import; that is not the user's concern.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        import google.cloud.bigquery
        import google.cloud.bigquery_storage_v1  # noqa: F401


def build_clients(project: str | None, endpoint: Endpoint | None,
                  location: str | None = None) -> BigQueryClients:
    import_google()
    import google.auth
    from google.api_core.client_options import ClientOptions
    from google.auth.exceptions import DefaultCredentialsError
    from google.cloud import bigquery
    from google.cloud.bigquery_storage_v1 import BigQueryReadClient

    project = project or next((os.environ[e] for e in PROJECT_ENVS if os.environ.get(e)), None)
    if endpoint is not None and not endpoint.secure:
        import grpc
        from google.auth.credentials import AnonymousCredentials
        from google.cloud.bigquery_storage_v1.services.big_query_read.transports import (
            BigQueryReadGrpcTransport,
        )

        if not project:
            raise ConfigError("no BigQuery project: set source.project in the job or "
                              "GOOGLE_CLOUD_PROJECT")
        client = bigquery.Client(project=project, credentials=AnonymousCredentials(),
                                 location=location,
                                 client_options=ClientOptions(api_endpoint=endpoint.rest_url))
        # The Storage client has no plain-text option: give it an insecure channel directly.
        channel = grpc.insecure_channel(endpoint.storage_address, options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES)])
        read = BigQueryReadClient(transport=BigQueryReadGrpcTransport(channel=channel))
        return BigQueryClients(client, read, project, endpoint)

    try:
        credentials, adc_project = google.auth.default(
            scopes=["https://www.googleapis.com/auth/cloud-platform"])
    except DefaultCredentialsError as err:
        reason = str(err).splitlines()[0][:200]
        raise DataError(f"no Google credentials ({reason}); set GOOGLE_APPLICATION_CREDENTIALS "
                        "to a service-account key file or run 'gcloud auth application-default "
                        "login'") from None
    project = project or adc_project
    if not project:
        raise ConfigError("no BigQuery project: set source.project in the job or "
                          "GOOGLE_CLOUD_PROJECT")
    rest_options = ClientOptions(api_endpoint=endpoint.rest_url) if endpoint else None
    client = bigquery.Client(project=project, credentials=credentials, location=location,
                             client_options=rest_options)
    read_options = ClientOptions(api_endpoint=endpoint.storage_address) if endpoint else None
    read = BigQueryReadClient(credentials=credentials, client_options=read_options)
    return BigQueryClients(client, read, project, endpoint)
