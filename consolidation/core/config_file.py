"""Load a YAML file into a pydantic model, with errors that name the file, line and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from consolidation.core.errors import ConfigError

ModelT = TypeVar("ModelT", bound=BaseModel)


def _line_index(node: yaml.Node, path: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            lines[(*path, key)] = key_node.start_mark.line + 1
            _line_index(value_node, (*path, key), lines)
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            _line_index(item, (*path, position), lines)


MAX_YAML_BYTES = 1024 * 1024
"""A sources config, a mapping file or the central config is a few kilobytes; more is refused."""


MAX_YAML_VALUES = 100_000
"""What a file may expand to through its aliases; a YAML bomb expands to billions."""


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many values ``node`` stands for once every alias is written out; each node is
    counted once (memoized by identity), so a bomb is measured without being expanded."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    sizes[id(node)] = 1  # a recursive alias is counted once, not followed forever
    size = 1
    if isinstance(node, yaml.MappingNode):
        size += sum(_expanded_size(k, sizes) + _expanded_size(v, sizes) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        size += sum(_expanded_size(item, sizes) for item in node.value)
    sizes[id(node)] = size
    return size


def read_yaml(path: Path) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """The YAML document and the line of every key path in it. A file over ``MAX_YAML_BYTES``,
    or whose aliases (``*name``, the way a YAML bomb multiplies itself) expand it past
    ``MAX_YAML_VALUES``, is refused in one line before anything is built."""
    try:
        size = path.stat().st_size
        if size > MAX_YAML_BYTES:
            raise ConfigError(
                f"{path}: {size:,} bytes; a config or mapping file may have at most "
                f"{MAX_YAML_BYTES:,}"
            )
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if node is not None and _expanded_size(node, {}) > MAX_YAML_VALUES:
            raise ConfigError(
                f"{path}: its YAML aliases (*name) expand it to more than {MAX_YAML_VALUES:,} "
                "values; write the values out"
            )
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else "?"
        raise ConfigError(f"{path}:{line}: not valid YAML: {exc.problem}") from None
    except yaml.reader.ReaderError as exc:  # a control character YAML does not allow
        raise ConfigError(
            f"{path}: not valid YAML: character #x{exc.character:04x} is not allowed (at "
            f"character {exc.position})"
        ) from None
    except yaml.YAMLError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"{path}: not valid YAML: {first}") from None
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply to be a config or mapping file") from None
    lines: dict[tuple[Any, ...], int] = {}
    if node is not None:
        _line_index(node, (), lines)
    return data, lines


def line_of(lines: dict[tuple[Any, ...], int], loc: tuple[Any, ...]) -> int | str:
    """The line of the deepest key path of ``loc`` that the file has."""
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return "?"


def load_model(path: Path, model: type[ModelT], *, context: dict[str, Any] | None = None) -> ModelT:
    """Validate a YAML file against ``model``; the first error becomes a one-line ConfigError."""
    data, lines = read_yaml(path)
    try:
        return model.model_validate(data if data is not None else {}, context=context)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        loc = tuple(part for part in error["loc"] if not _is_union_tag(part))
        if error["type"] == "union_tag_invalid":
            loc = (*loc, "kind")
        where = ".".join(str(part) for part in loc) or "(top level)"
        raise ConfigError(f"{path}:{line_of(lines, loc)}: {where}: {_expected(error)}") from None


def _is_union_tag(part: Any) -> bool:
    return isinstance(part, str) and part in {"sql", "csv", "excel", "odoo"}


def _expected(error: Any) -> str:
    message = str(error["msg"])
    if error["type"] == "missing":
        return "is required but missing"
    if error["type"] == "extra_forbidden":
        return "is not a known field here"
    given = error.get("input")
    if isinstance(given, (str, int, float, bool)) and error["type"] != "value_error":
        return f"{message[0].lower()}{message[1:]} (got {given!r})"
    return message.removeprefix("Value error, ")
