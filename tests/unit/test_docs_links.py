"""The README and docs/ stay true to the code: every link to docs/ resolves (and its #anchor
names a heading), every `dqv` command and option they show exists in the argparse tree
(validator/cli/main.py::build_parser), and every job-file field they name exists in the pydantic
Job model (validator/config/job.py)."""

from __future__ import annotations

import argparse
import pathlib
import re
import typing
from typing import Any

import pydantic
import pytest
import yaml

from validator.cli import helptext
from validator.cli.main import build_parser
from validator.config.job import Job
from validator.notify.slack.routes import Routes

REPO = pathlib.Path(__file__).resolve().parents[2]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
DOC_PAGES = ["job-file", "bigquery", "engines-and-benchmarks", "run-history", "metrics-and-alerts",
             "slack", "gate-and-waivers", "serve", "report", "failure-modes", "architecture"]
LINK = re.compile(r"\]\(([^)\s]+)\)")
DOC_PATH = re.compile(r"(?<![\w/.-])docs/[\w/.-]+\.md(?:#[\w-]+)?")
FENCE = re.compile(r"```(\w*)\n(.*?)```", re.S)
SPAN = re.compile(r"``(.+?)``|`((?:[^`\n]|\n(?!\n))+)`", re.S)  # may wrap, within a paragraph
COMMAND = re.compile(r"(?<![\w/.$-])dqv ([a-z][a-z-]*)((?: [^|`\n]*)?)")
OPTION = re.compile(r"(?<![\w=-])--[a-z][a-z-]*")
DOTTED = re.compile(r"^(source|baseline|skew|severity|metrics|schedule|waivers)((?:\.[a-z_]+)+)$")


def _slug(heading: str) -> str:
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", ""))
    return text.replace(" ", "-")


def _anchors(page: pathlib.Path) -> set[str]:
    return {_slug(m.group(1)) for m in re.finditer(r"^#+ (.+)$", page.read_text(), re.M)}


def _code(page: pathlib.Path) -> list[tuple[str, str]]:
    """(language, text) of every fenced block and every inline code span of a page."""
    text = page.read_text()
    blocks = [(m.group(1), m.group(2)) for m in FENCE.finditer(text)]
    prose = FENCE.sub("", text)
    spans = [m.group(1) or m.group(2) for m in SPAN.finditer(prose)]
    return blocks + [("", " ".join(span.split())) for span in spans]


def _check_target(page: pathlib.Path, target: str, base: pathlib.Path) -> str | None:
    path, _, anchor = target.partition("#")
    resolved = (base / path).resolve() if path else page
    if not resolved.exists():
        return f"{page.relative_to(REPO)}: {target} does not exist"
    if anchor and resolved.suffix == ".md" and anchor not in _anchors(resolved):
        return f"{page.relative_to(REPO)}: {target}: no heading #{anchor}"
    return None


def test_the_reference_pages_exist_and_the_readme_is_the_front_door() -> None:
    for name in DOC_PAGES:
        assert (REPO / "docs" / f"{name}.md").is_file(), name
    readme = (REPO / "README.md").read_text()
    assert len(readme.splitlines()) <= 250
    for heading in ("## Two commands", "## Your own table in five minutes", "## Exit codes",
                    "## Commands"):
        assert heading in readme
    for name in DOC_PAGES:
        assert f"(docs/{name}.md" in readme, f"README does not link docs/{name}.md"


def test_every_docs_link_resolves() -> None:
    problems = []
    for page in PAGES:
        text = page.read_text()
        for target in LINK.findall(text):
            if not re.match(r"^[a-z]+:", target):  # not http(s):, mailto: …
                problems.append(_check_target(page, target, page.parent))
        for target in DOC_PATH.findall(text):  # docs/x.md named in text, from the repository
            problems.append(_check_target(page, target, REPO))
    for module in (REPO / "validator" / "cli").glob("*.py"):  # help texts and `dqv init`'s template
        for target in DOC_PATH.findall(module.read_text()):
            problems.append(_check_target(module, target, REPO))
    assert [p for p in problems if p] == []


def _tree() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    tree = {"": parser}
    for path in helptext.command_paths(parser):
        node = parser
        for part in path.split():
            node = helptext._subparsers(node)[part]
        tree[path] = node
    return tree


def _options(parser: argparse.ArgumentParser) -> set[str]:
    return {o for a in parser._actions for o in a.option_strings}


def test_every_dqv_command_and_option_the_docs_show_exists() -> None:
    tree, problems, seen = _tree(), [], set()
    for page in PAGES:
        for _, code in _code(page):
            for match in COMMAND.finditer(code):
                name, rest = match.group(1), match.group(2)
                words = rest.split()
                path = name
                if name in tree and helptext._subparsers(tree[name]) and words:
                    path = f"{name} {words[0]}"
                if path not in tree:
                    problems.append(f"{page.relative_to(REPO)}: `dqv {name}{rest}`: no such command")
                    continue
                seen.add(path)
                for option in OPTION.findall(rest):
                    if option not in _options(tree[path]):
                        problems.append(f"{page.relative_to(REPO)}: `dqv {path}` has no {option}")
    assert problems == []
    assert {"init", "run", "gate", "backfill", "schema infer", "serve"} <= seen


def _models(annotation: Any) -> list[type[pydantic.BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models(arg)]


def _unknown(models: list[type[pydantic.BaseModel]], data: Any, where: str) -> list[str]:
    """Keys of `data` that none of `models` has (recursively), as dotted paths."""
    if isinstance(data, list):
        return [p for item in data for p in _unknown(models, item, f"{where}[]")]
    if not isinstance(data, dict) or not models:
        return []
    if "kind" in data:  # a discriminated union: the model whose kind it is
        models = [m for m in models if "kind" not in m.model_fields
                  or data["kind"] in typing.get_args(m.model_fields["kind"].annotation)] or models
    problems = []
    for key, value in data.items():
        fields = [info for m in models for name, info in m.model_fields.items()
                  if key in (name, info.alias)]
        if not fields:
            problems.append(f"{where}{key}")
            continue
        problems += _unknown([m for f in fields for m in _models(f.annotation)], value,
                             f"{where}{key}.")
    return problems


def _job_fields() -> set[str]:
    return {info.alias or name for name, info in Job.model_fields.items() if not info.exclude}


def test_every_job_file_field_the_docs_name_exists() -> None:
    problems, checked = [], 0
    top = _job_fields()
    for page in PAGES:
        for language, code in _code(page):
            if language == "yaml":
                try:
                    data = yaml.safe_load(code)
                except yaml.YAMLError as err:
                    problems.append(f"{page.relative_to(REPO)}: a yaml block does not parse: {err}")
                    continue
                if not isinstance(data, dict):
                    continue
                model: type[pydantic.BaseModel] | None = None
                if set(data) & top:
                    model = Job
                elif set(data) & {"routes", "suppression_window_hours", "owners"}:
                    model = Routes
                if model is not None:
                    checked += 1
                    problems += [f"{page.relative_to(REPO)}: {p}" for p in
                                 _unknown([model], data, "")]
            elif (dotted := DOTTED.match(code.strip())) is not None:
                checked += 1
                keys = dotted.group(2).strip(".").split(".")
                nested: Any = {}
                cursor = nested
                for key in keys[:-1]:
                    cursor[key] = {}
                    cursor = cursor[key]
                cursor[keys[-1]] = None
                problems += [f"{page.relative_to(REPO)}: `{code}`: {p}" for p in
                             _unknown([Job], {dotted.group(1): nested}, "")]
    assert problems == []
    assert checked > 10


@pytest.mark.parametrize("bad", ["source:\n  kind: bigquery\n  tabel: a.b\n",
                                 "metrics:\n  strikt: true\n"])
def test_the_field_check_would_catch_a_wrong_field(bad: str) -> None:
    assert _unknown([Job], yaml.safe_load(bad), "") != []
