"""YAML files parsed into pydantic models, with errors that name file, line and field.

Shared by job files and alert routes: one loader, one error format.
"""

from __future__ import annotations

import pathlib
import types
import typing
from typing import Any, TypeVar

import pydantic
import yaml

from validator.core.suggest import did_you_mean
from validator.errors import ConfigError

Loc = tuple[str | int, ...]
ModelT = TypeVar("ModelT", bound=pydantic.BaseModel)


def _construct(node: yaml.Node, loc: Loc, lines: dict[Loc, int], file: str) -> Any:
    lines.setdefault(loc, node.start_mark.line + 1)  # a key's own line beats its value's
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _construct(key_node, (*loc, "<key>"), {}, file)
            if not isinstance(key, (str, int)):
                raise ConfigError("mapping keys must be plain words", file=file,
                                  line=key_node.start_mark.line + 1)
            if key in result:
                raise ConfigError(f"'{key}' is given twice; keep one", file=file,
                                  line=key_node.start_mark.line + 1, field=_dotted((*loc, key)))
            lines[(*loc, key)] = key_node.start_mark.line + 1
            result[key] = _construct(value_node, (*loc, key), lines, file)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, (*loc, i), lines, file) for i, item in enumerate(node.value)]
    # Scalars: PyYAML's resolver already tagged them int/float/bool/null/str.
    return _SCALAR_LOADER.construct_object(node, deep=True)


_SCALAR_LOADER = yaml.SafeLoader("")


def load_yaml(path: pathlib.Path) -> tuple[Any, dict[Loc, int]]:
    """Parse a YAML file; return the data and the line of every key and item."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("file not found; check the path", file=file) from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read file ({err.__class__.__name__}: {err})", file=file) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else None
        problem = err.problem or "invalid YAML"
        raise ConfigError(f"invalid YAML: {problem}; fix the syntax", file=file, line=line) from None
    except yaml.YAMLError as err:
        raise ConfigError(f"invalid YAML: {err}", file=file) from None
    lines: dict[Loc, int] = {}
    if node is None:
        return None, lines
    return _construct(node, (), lines, file), lines


def _dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _line_for(loc: Loc, lines: dict[Loc, int]) -> int | None:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _clean_loc(loc: tuple[Any, ...], data: Any) -> Loc:
    """Map pydantic's loc onto the file's keys, dropping union tags (source.local.path)."""
    out: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part not in node and part == node.get("kind"):
            continue  # the discriminator's value, not a key in the file
        if isinstance(node, (dict, list)) and _has(node, part):
            out.append(part)
            node = node[part]
        elif isinstance(part, str) and part.isidentifier():
            out.append(part)  # a missing or unknown key: still the right field name
            node = None
        else:
            break
    return tuple(out)


def _has(node: dict[Any, Any] | list[Any], part: Any) -> bool:
    if isinstance(node, dict):
        return part in node
    return isinstance(part, int) and 0 <= part < len(node)


def _models_in(annotation: Any) -> list[type[pydantic.BaseModel]]:
    """The models a field's annotation may hold (through Optional, unions and lists)."""
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return [annotation]
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, list, typing.Annotated):
        return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]
    return []


def _fields_at(model: type[pydantic.BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The field names (as written in files) of the model that holds the last part of
    pydantic's `loc`; [] when it cannot be told."""
    current: list[type[pydantic.BaseModel]] = [model]
    for part in loc[:-1]:
        if isinstance(part, int):
            continue  # a list item: the same models
        tagged = [m for m in current if _tag(m) == part]
        if tagged:  # a discriminated union's tag in the loc: source.bigquery.…
            current = tagged
            continue
        nxt: list[type[pydantic.BaseModel]] = []
        for m in current:
            for name, info in m.model_fields.items():
                if part in (name, info.alias):
                    nxt.extend(_models_in(info.annotation))
        current = nxt
    if len(current) != 1:
        return []
    return [info.alias or name for name, info in current[0].model_fields.items()
            if not info.exclude]


def _tag(model: type[pydantic.BaseModel]) -> Any:
    field = model.model_fields.get("kind")
    args = typing.get_args(field.annotation) if field else ()
    return args[0] if len(args) == 1 else None


def _message(error: Any, model: type[pydantic.BaseModel] | None = None) -> str:
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        loc = tuple(error.get("loc", ()))
        fields = _fields_at(model, loc) if model is not None and loc else []
        hint = did_you_mean(str(loc[-1]), fields) if fields else ""
        return (f"unknown field{hint}; remove it or check its spelling (docs/job-file.md "
                "lists every field)")
    if kind == "missing":
        return "required field is missing"
    if kind == "union_tag_invalid":
        ctx = error.get("ctx", {})
        return f"'{ctx.get('tag')}' is not one of {ctx.get('expected_tags')}"
    if kind == "union_tag_not_found":
        return "required field is missing"
    msg = str(error.get("msg", "invalid value"))
    msg = msg.removeprefix("Value error, ")
    return msg


def parse_model(path: pathlib.Path, model: type[ModelT], *, context: dict[str, Any] | None = None
                ) -> ModelT:
    """Load `path` as YAML and validate it as `model`; raise one ConfigError for the first problem."""
    data, lines = load_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError("expected a mapping of fields at the top level", file=str(path), line=1)
    try:
        return model.model_validate(data, context=context)
    except pydantic.ValidationError as err:
        errors = err.errors()
        # A misspelt field also makes the right one "missing": the typo is the better lead.
        first = next((e for e in errors if e.get("type") == "extra_forbidden"), errors[0])
        loc = _clean_loc(tuple(first["loc"]), data)
        if first.get("type") in ("union_tag_invalid", "union_tag_not_found"):
            # The problem is the discriminator field itself (source.kind), not the whole block.
            loc = _clean_loc((*first["loc"], str(first["ctx"]["discriminator"]).strip("'")), data)
        raise ConfigError(_message(first, model), file=str(path), line=_line_for(loc, lines),
                          field=_dotted(loc) or None) from None
