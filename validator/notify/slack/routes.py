"""`alerts/routes.yaml`: which job's anomalies go to which Slack channel.

Each finding goes to the first route that matches its job, severity and feature owner
(feature owners come from `owners:`; a feature listed there by no team belongs to the
job's `owner`). Every field is documented in docs/slack.md.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import pathlib
import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from validator.config.yaml_loader import parse_model
from validator.core.outcome import Severity

ROUTES_FILE = pathlib.Path("alerts") / "routes.yaml"
CHANNEL = re.compile(r"^(#[a-z0-9][a-z0-9_\-]{0,79}|[CG][A-Z0-9]{6,})$")
USER_GROUP = re.compile(r"^S[A-Z0-9]{6,}$")
PUBLIC_URL = re.compile(r"^https?://[^\s<>|\"'`]+$")
_GROUP_HINT = ("use the ID Slack shows for the group (S followed by letters and digits, "
               "e.g. S0123ABCD)")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Route(_Strict):
    """Findings of matching jobs, at least `severity`, owned by `owner`, go to `channel`."""

    job: str = "*"  # job name or glob
    severity: Severity = Severity.WARNING  # the lowest severity routed here
    owner: str = "*"  # feature owner (team name from `owners`, or a job's owner)
    channel: str
    mention_on_block: list[str] = Field(default_factory=list)  # user group IDs (S...)

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: str) -> str:
        if not CHANNEL.match(value):
            raise ValueError(f"'{value}' is not a channel; use '#name' (lower case) or a channel "
                             "ID such as C0123ABCD")
        return value

    @field_validator("severity")
    @classmethod
    def _not_ignore(cls, value: Severity) -> Severity:
        if value is Severity.IGNORE:
            raise ValueError("ignored findings are never posted; use 'warning' or 'error'")
        return value

    @field_validator("mention_on_block")
    @classmethod
    def _groups(cls, value: list[str]) -> list[str]:
        for group in value:
            if not USER_GROUP.match(group):
                raise ValueError(f"'{group}' is not a user group ID; {_GROUP_HINT}")
        return value

    def matches_job(self, job: str) -> bool:
        return fnmatch.fnmatchcase(job, self.job)


class Routes(_Strict):
    """The whole routes file."""

    suppression_window_hours: float = Field(24.0, gt=0, le=24 * 90)
    owners: dict[str, list[str]] = Field(default_factory=dict)  # team -> feature names/globs
    # owner (a team from `owners`, or a job's `owner`) -> the Slack user group mentioned when
    # a finding of theirs blocks
    owner_groups: dict[str, str] = Field(default_factory=dict)
    # `dqv serve`'s address as readers reach it: messages link to /reports/DS and /runs/ID
    public_url: str | None = None
    routes: list[Route] = Field(min_length=1)

    @field_validator("owner_groups")
    @classmethod
    def _owner_groups(cls, value: dict[str, str]) -> dict[str, str]:
        for owner, group in value.items():
            if not USER_GROUP.match(group):
                raise ValueError(f"'{group}' (owner '{owner}') is not a user group ID; {_GROUP_HINT}")
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not PUBLIC_URL.match(value):
            raise ValueError(f"'{value}' is not a URL; give the address readers open dqv serve "
                             "at, e.g. https://dqv.example.com (http or https, no spaces)")
        return value.rstrip("/")

    def is_routed(self, job: str) -> bool:
        return any(route.matches_job(job) for route in self.routes)

    def owner_of(self, feature: str, job_owner: str) -> str:
        for team, patterns in self.owners.items():
            if any(fnmatch.fnmatchcase(feature, p) for p in patterns):
                return team
        return job_owner

    def route_for(self, job: str, job_owner: str, feature: str, severity: Severity) -> Route | None:
        owner = self.owner_of(feature, job_owner)
        for route in self.routes:
            if (route.matches_job(job) and severity.rank >= route.severity.rank
                    and route.owner in ("*", owner)):
                return route
        return None

    def channels_for(self, job: str) -> list[str]:
        """Every channel a job's alerts may go to (to resolve threads left open there)."""
        return sorted({r.channel for r in self.routes if r.matches_job(job)})


@dataclasses.dataclass
class ChannelFindings:
    findings: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    mentions: list[str] = dataclasses.field(default_factory=list)  # user group IDs
    owners: list[str] = dataclasses.field(default_factory=list)  # owners of the findings


def split_by_channel(routes: Routes, job: str, job_owner: str,
                     findings: Sequence[dict[str, Any]]) -> dict[str, ChannelFindings]:
    """Findings (run.json dicts) grouped by the channel of their first matching route."""
    out: dict[str, ChannelFindings] = {}
    for finding in findings:
        severity = Severity(finding["severity"])
        if severity is Severity.IGNORE:
            continue
        route = routes.route_for(job, job_owner, str(finding["feature"]), severity)
        if route is None:
            continue
        group = out.setdefault(route.channel, ChannelFindings())
        group.findings.append(finding)
        owner = routes.owner_of(str(finding["feature"]), job_owner)
        if owner and owner not in group.owners:
            group.owners.append(owner)
        owner_group = routes.owner_groups.get(owner)
        wanted = [*route.mention_on_block, *([owner_group] if owner_group else [])]
        group.mentions.extend(m for m in wanted if m not in group.mentions)
    return out


def routes_path(project_dir: pathlib.Path) -> pathlib.Path:
    return project_dir / ROUTES_FILE


def load_routes(path: pathlib.Path) -> Routes:
    """Parse and check the routes file; raises ConfigError naming file, line and field."""
    return parse_model(path, Routes)
