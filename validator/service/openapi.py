"""The OpenAPI 3.1 document of the service's HTTP API, served at /openapi.json (hand-written:
it says exactly what validator/service/http.py answers; tests/e2e/serve/test_serve_openapi.py
checks the live service against it with schemathesis)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from validator import __version__

JSON = "application/json"
_ERROR = {"$ref": "#/components/schemas/Error"}
_NULLABLE_TEXT = {"type": ["string", "null"]}
DS = {"name": "ds", "in": "query", "required": True, "description": "the partition date",
      "schema": {"type": "string", "format": "date"}}
MAX_AGE = {"name": "max_age", "in": "query", "required": False,
           "description": "answer from the history only with a run that ended no longer ago "
                          "than this (0 = always run; default: any age)",
           "schema": {"type": "string", "pattern": r"^\s*[0-9]+\s*[smhd]?\s*$"}}
JOB_PATH = {"name": "job", "in": "path", "required": True, "description": "a job name",
            "schema": {"type": "string", "pattern": "^[a-z0-9_-]+$"}}


def _answer(description: str, schema: dict[str, Any] | None = None,
            media: str = JSON) -> dict[str, Any]:
    return {"description": description,
            "content": {media: {"schema": schema or _ERROR}}}


_UNAUTHORIZED = _answer("missing or wrong bearer token")
_GATE_ANSWERS = {
    "200": _answer("pass or warn: may train", {"$ref": "#/components/schemas/Verdict"}),
    "400": _answer("bad ds or max_age (or, for /gate, no job)"),
    "401": _UNAUTHORIZED,
    "404": _answer("no such job"),
    "409": _answer("blocked: do not train", {"$ref": "#/components/schemas/Verdict"}),
    "503": _answer("not evaluated, or no verdict could be had: do not train",
                   {"$ref": "#/components/schemas/Verdict"}),
}
_SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
    "Verdict": {
        "type": "object", "required": ["job", "ds", "outcome", "may_train"],
        "properties": {
            "job": {"type": "string"}, "ds": {"type": "string"},
            "outcome": {"enum": ["pass", "warn", "block", "not_evaluated"]},
            "exit_code": {"type": "integer"}, "may_train": {"type": "boolean"},
            "answered_from": {"enum": ["history", "new_run"]},
            "run_id": _NULLABLE_TEXT, "run_started_at": _NULLABLE_TEXT,
            "run_ended_at": _NULLABLE_TEXT, "error": _NULLABLE_TEXT,
            "blocking": {"type": "array", "items": {"type": "object"}},
            "warnings": {"type": "array", "items": {"type": "object"}},
            "waivers_applied": {"type": "array", "items": {"type": "object"}},
            "waivers_expired": {"type": "array", "items": {"type": "object"}},
        },
    },
    "Health": {
        "type": "object", "required": ["status", "jobs", "running", "config_error"],
        "properties": {"status": {"enum": ["ok", "stopping"]}, "jobs": {"type": "integer"},
                       "running": {"type": "array", "items": {"type": "object"}},
                       "config_error": _NULLABLE_TEXT, "config_loaded_at": {"type": "string"}},
    },
    "Jobs": {"type": "object", "required": ["jobs"], "properties": {"jobs": {
        "type": "array", "items": {"type": "object", "required": ["job", "running"], "properties": {
            "job": {"type": "string"}, "schedule": {"type": ["object", "null"]},
            "next_run": _NULLABLE_TEXT, "running": {"type": "boolean"},
            "running_ds": _NULLABLE_TEXT, "running_trigger": _NULLABLE_TEXT,
            "running_run_id": _NULLABLE_TEXT, "last_run": {"type": ["object", "null"]},
            "outcome": _NULLABLE_TEXT}}}}},
    "Accepted": {"type": "object", "required": ["accepted", "job", "ds", "id", "run_id", "poll"],
                 "properties": {"accepted": {"const": True}, "job": {"type": "string"},
                                "ds": {"type": "string"},
                                "run_id": {"type": "string", "description": "the run's id in "
                                           "the history (dqv show RUN_ID), known at once"},
                                "id": {"type": "string", "description": "the same as run_id"},
                                "poll": {"type": "string", "description": "/runs/{run_id}"}}},
    "Run": {
        "type": "object", "required": ["id", "job", "state", "run_id", "outcome"],
        "properties": {"id": {"type": "string"}, "job": {"type": "string"},
                       "ds": _NULLABLE_TEXT, "trigger": _NULLABLE_TEXT,
                       "accepted_at": _NULLABLE_TEXT,
                       "state": {"enum": ["queued", "running", "finished"]},
                       "run_id": _NULLABLE_TEXT, "outcome": _NULLABLE_TEXT,
                       "started_at": _NULLABLE_TEXT, "ended_at": _NULLABLE_TEXT,
                       "error": _NULLABLE_TEXT},
    },
}


def _op(summary: str, responses: dict[str, Any], parameters: Sequence[dict[str, Any]] = (),
        public: bool = False) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "parameters": list(parameters), "responses": responses}
    if public:
        op["security"] = []
    return op


def _paths() -> dict[str, Any]:
    html = "text/html; charset=utf-8"
    page = {"type": "string"}
    return {
        "/healthz": {"get": _op("liveness and configuration state", {
            "200": _answer("running", {"$ref": "#/components/schemas/Health"}),
            "503": _answer("stopping (SIGTERM)", {"$ref": "#/components/schemas/Health"})},
            public=True)},
        "/metrics": {"get": _op("Prometheus text exposition", {
            "200": _answer("the metrics", {"type": "string"},
                           "text/plain; version=0.0.4; charset=utf-8")}, public=True)},
        "/openapi.json": {"get": _op("this document", {
            "200": _answer("the OpenAPI document", {"type": "object"})}, public=True)},
        "/jobs": {"get": _op("every job with its schedule, run in progress and last run", {
            "200": _answer("the jobs", {"$ref": "#/components/schemas/Jobs"}),
            "401": _UNAUTHORIZED})},
        "/gate": {"get": _op("the gate: may I train on this ds? (query form)", _GATE_ANSWERS, [
            {"name": "job", "in": "query", "required": True, "description": "a job name",
             "schema": {"type": "string", "pattern": "^[a-z0-9_-]+$"}}, DS, MAX_AGE])},
        "/gate/{job}": {"get": _op("the gate: may I train on this ds?", _GATE_ANSWERS,
                                   [JOB_PATH, DS, MAX_AGE])},
        "/jobs/{job}/run": {"post": _op("queue a run (trigger manual); the answer holds its run "
                                        "id; poll the answer's `poll` URL (/runs/{run_id})", {
            "202": _answer("queued", {"$ref": "#/components/schemas/Accepted"}),
            "400": _answer("bad ds"), "401": _UNAUTHORIZED, "404": _answer("no such job"),
            "409": _answer("the job is already queued or running"),
            "503": _answer("the service is stopping")},
            [JOB_PATH, {**DS, "required": False,
                        "description": "default: from the job's schedule at now, else yesterday UTC"}])},
        "/runs/{id}": {"get": _op("a run by its run id: one POST /jobs/{job}/run queued "
                                  "(queued, running or finished) or any run of the history", {
            "200": _answer("the run", {"$ref": "#/components/schemas/Run"}),
            "401": _UNAUTHORIZED, "404": _answer("no such request or run"),
            "503": _answer("the run history is unavailable")},
            [{"name": "id", "in": "path", "required": True,
              "schema": {"type": "string", "pattern": "^[0-9A-Za-z._-]{1,128}$"}}])},
        "/reports/": {"get": _op("the days with a report and each day's outcomes (HTML)", {
            "200": _answer("the index page", page, html), "401": _UNAUTHORIZED,
            "503": _answer("the run history is unavailable")})},
        "/reports/{day}": {"get": _op("one day's report (HTML)", {
            "200": _answer("the report", page, html), "400": _answer("bad `by`", page, html),
            "401": _UNAUTHORIZED, "404": _answer("not a date, or no runs yet", page, html),
            "503": _answer("the run history is unavailable")}, [
            {"name": "day", "in": "path", "required": True, "description": "YYYY-MM-DD or latest",
             "schema": {"type": "string", "pattern": "^(latest|[0-9]{4}-[0-9]{2}-[0-9]{2})$"}},
            {"name": "by", "in": "query", "required": False,
             "schema": {"enum": ["ds", "run_day"]}}])},
        "/reports/artifacts/{run_id}/{kind}": {"get": _op("an artifact a report page links to", {
            "200": {"description": "the artifact", "content": {
                "application/octet-stream": {"schema": page}, "text/plain; charset=utf-8": {
                    "schema": page}, JSON: {"schema": {"type": "object"}}}},
            "401": _UNAUTHORIZED, "404": _answer("no such run or artifact", page, html),
            "503": _answer("the run history is unavailable")}, [
            {"name": "run_id", "in": "path", "required": True,
             "schema": {"type": "string", "pattern": "^[0-9A-Za-z][0-9A-Za-z._-]{0,127}$"}},
            {"name": "kind", "in": "path", "required": True,
             "schema": {"enum": ["statistics", "summary", "anomalies", "findings", "run"]}}])},
    }


@functools.cache
def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "dqv serve", "version": __version__,
                 "description": "The data-quality gate, job status and metrics of `dqv serve`. "
                                "With DQV_SERVE_TOKEN set, send `Authorization: Bearer TOKEN`."},
        "paths": _paths(),
        "components": {"schemas": _SCHEMAS, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
    }
