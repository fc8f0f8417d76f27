"""Reading a mapping file: text-only YAML, checked completely (entities, columns, transforms,
parameters, kinds, defaults) into a ``SourceMapping`` before any data moves."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pydantic import ValidationError

from consolidation.core.config_file import line_of, read_yaml
from consolidation.core.errors import ConfigError
from consolidation.core.money import ZERO
from consolidation.core.types import SOURCE_KEY
from consolidation.core.unified import ENTITIES, FieldType
from mappings.spec import (
    EntityMapping,
    EntityModel,
    FieldMapping,
    FieldModel,
    MappingError,
    MappingFileModel,
    SourceMapping,
)
from mappings.transforms import (
    PARAMS,
    SPACES,
    TRANSFORMS,
    Join,
    ParamError,
    ParseMoney,
    Step,
    make_step,
    parse_const,
    run_steps,
)

Loc = tuple[str | int, ...]


class _TextLoader(yaml.SafeLoader):
    """A YAML loader that keeps every scalar as text (except null) and refuses repeated keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = key_node.value
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key {key!r} is written twice (first on line {seen[key]})",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


_TextLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag == "tag:yaml.org,2002:null"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


_FIELD_KEYS = ("from", "const", "transform", "default", "blank", *sorted(PARAMS))


def find_mapping(directory: Path, source: str) -> Path:
    """The mapping file of ``source``: ``<directory>/<any ministry>/<source>.yaml``."""
    if not directory.is_dir():
        raise MappingError(f"the mappings folder {directory} does not exist")
    found = sorted(directory.glob(f"*/{source}.yaml"))
    if not found:
        raise MappingError(
            f"no mapping for source {source!r}: expected {directory}/<ministry>/{source}.yaml"
        )
    if len(found) > 1:
        raise MappingError(
            f"source {source!r} has several mapping files ({', '.join(map(str, found))}); keep one"
        )
    return found[0]


def load_mapping(
    path: Path, *, source_columns: dict[str, list[str]] | None = None
) -> SourceMapping:
    """Load and check a mapping file.

    ``source_columns`` gives each raw entity's columns (as declared in sources.yaml or seen in
    the data); when given, every raw entity and column the mapping names must be among them.
    """
    return _Loader(path, source_columns).load()


class _Loader:
    def __init__(self, path: Path, source_columns: dict[str, list[str]] | None) -> None:
        self.path = path
        self.source_columns = source_columns
        self.lines: dict[tuple[Any, ...], int] = {}
        self.data: Any = None

    def error(self, loc: Loc, message: str) -> MappingError:
        where = ".".join(str(part) for part in loc) or "(top level)"
        return MappingError(f"{self.path}:{line_of(self.lines, loc)}: {where}: {message}")

    def load(self) -> SourceMapping:
        try:
            _, self.lines = read_yaml(self.path)
        except ConfigError as exc:
            raise MappingError(str(exc)) from None
        text = self.path.read_text(encoding="utf-8")
        try:
            self.data = yaml.load(text, Loader=_TextLoader)  # noqa: S506 - a SafeLoader subclass
        except yaml.MarkedYAMLError as exc:
            line = exc.problem_mark.line + 1 if exc.problem_mark else "?"
            raise MappingError(f"{self.path}:{line}: {exc.problem}") from None
        model = self.validate()
        if model.source != self.path.stem:
            raise self.error(
                ("source",),
                f"expected {self.path.stem!r}, the name of the file (got {model.source!r}); "
                "a mapping file is named after its source",
            )
        entities = [self.entity(index, entity) for index, entity in enumerate(model.entities)]
        pairs = [(entity.raw_entity, entity.target) for entity in entities]
        for index, pair in enumerate(pairs):
            if pair in pairs[:index]:
                raise self.error(
                    ("entities", index), f"{pair[0]} → {pair[1]} is mapped twice in this file"
                )
        return SourceMapping(model.source, model.ministry, self.path, entities)

    def validate(self) -> MappingFileModel:
        try:
            return MappingFileModel.model_validate(self.data if self.data is not None else {})
        except ValidationError as exc:
            error = exc.errors(include_url=False)[0]
            loc = self.data_loc(tuple(error["loc"]), missing=error["type"] == "missing")
            raise self.error(loc, self.expected(error, loc)) from None

    def data_loc(self, loc: tuple[Any, ...], *, missing: bool) -> Loc:
        """The part of pydantic's error location that is a path in the file: union tags such as
        'list[str]' are dropped; a missing key, last, is kept."""
        found: list[str | int] = []
        node = self.data
        for position, part in enumerate(loc):
            in_dict = isinstance(node, dict) and part in node
            if in_dict or (isinstance(node, list) and isinstance(part, int) and part < len(node)):
                node = node[part]
            elif not (missing and position == len(loc) - 1):
                continue
            found.append(part)
        return tuple(found)

    @staticmethod
    def expected(error: Any, loc: Loc) -> str:
        kind = error["type"]
        if kind == "missing":
            return "is required but missing"
        if kind == "extra_forbidden":
            if "fields" in loc[:-1]:
                return f"is not a field parameter; expected one of: {', '.join(_FIELD_KEYS)}"
            return "is not a known key here"
        if loc and loc[-1] == "from":
            return "expected a column name, or a list of column names"
        if loc and loc[-1] == "transform":
            return "expected a transform name, or a list of transform names"
        message = str(error["msg"])
        given = error.get("input")
        text = f"{message[0].lower()}{message[1:]}".removeprefix("value error, ")
        if isinstance(given, str):
            text += f" (got {given!r})"
        return text

    def entity(self, index: int, model: EntityModel) -> EntityMapping:
        here: Loc = ("entities", index)
        schema = ENTITIES.get(model.to)
        if schema is None:
            raise self.error(
                (*here, "to"),
                f"unknown unified entity {model.to!r}; expected one of: {', '.join(ENTITIES)}",
            )
        known_columns: list[str] | None = None
        if self.source_columns is not None:
            if model.from_ not in self.source_columns:
                declared = ", ".join(self.source_columns) or "(none)"
                raise self.error(
                    (*here, "from"),
                    f"the source has no raw entity {model.from_!r}; it declares: {declared}",
                )
            known_columns = [*self.source_columns[model.from_], SOURCE_KEY]
        fields: dict[str, FieldMapping] = {}
        for name, field_model in model.fields.items():
            loc: Loc = (*here, "fields", name)
            spec = schema.fields.get(name)
            if spec is None:
                raise self.error(
                    loc,
                    f"{schema.name} has no field {name!r}; its fields are: "
                    f"{', '.join(schema.fields)}",
                )
            fields[name] = self.field(loc, spec.name, spec.type, field_model, known_columns)
        missing = [name for name in schema.required() if name not in fields]
        if missing:
            plural = "fields" if len(missing) > 1 else "field"
            raise self.error(
                (*here, "fields"),
                f"{schema.name} requires the {plural} {', '.join(missing)}, which this mapping "
                "does not fill (map it from a column, or give a const)",
            )
        if model.distinct:
            unkeyed = [name for name in schema.key if name not in fields]
            if unkeyed:
                raise self.error(
                    (*here, "distinct"),
                    f"a distinct {schema.name} is keyed by {', '.join(schema.key)}; map "
                    f"{unkeyed[0]} too",
                )
        return EntityMapping(
            model.from_,
            model.to,
            fields,
            self.path,
            line_of(self.lines, (*here, "from")),
            distinct=model.distinct,
        )

    def field(
        self,
        loc: Loc,
        name: str,
        target: FieldType,
        model: FieldModel,
        known_columns: list[str] | None,
    ) -> FieldMapping:
        columns = model.columns()
        if (model.from_ is None) == (model.const is None):
            raise self.error(
                loc, "give either 'from' (the source column or columns) or 'const' (a fixed value)"
            )
        if model.from_ is not None and not columns:
            raise self.error((*loc, "from"), "expected at least one column")
        if known_columns is not None:
            for position, column in enumerate(columns):
                if column not in known_columns:
                    where = (
                        (*loc, "from", position)
                        if isinstance(model.from_, list)
                        else (*loc, "from")
                    )
                    raise self.error(
                        where,
                        f"the raw entity has no column {column!r}; it has: "
                        f"{', '.join(known_columns)}",
                    )
        names = model.transforms()
        steps = self.steps(loc, model, names)
        self.check_join(loc, model, names, columns)
        kind = self.check_kinds(loc, model, names, steps)
        if kind is not target:
            raise self.error(
                (*loc, "transform") if names else loc,
                f"{name} is a {target} field, so its transforms must end with "
                f"{_ENDING[target]}; as written they give {_GIVES[kind]}",
            )
        default = None
        if model.default is not None:
            if model.const is not None:
                raise self.error((*loc, "default"), "a field with 'const' has no use for 'default'")
            try:
                default = parse_const(model.default, target)
            except ParamError as exc:
                raise self.error((*loc, "default"), str(exc)) from None
        if any(isinstance(step, ParseMoney) and step.empty == "zero" for step in steps):
            if model.default is not None:
                raise self.error(
                    (*loc, "empty"), "give one of 'empty: zero' and 'default', not both"
                )
            default = ZERO
        join = steps[0] if steps and isinstance(steps[0], Join) else None
        mapping = FieldMapping(
            name=name,
            type=target,
            columns=tuple(columns),
            steps=tuple(steps[1:] if join else steps),
            join=join,
            default=default,
            blank=frozenset(text.strip(SPACES) for text in model.blank),
            line=line_of(self.lines, (*loc, "from") if columns else (*loc, "const")),
        )
        if model.const is not None:
            const = self.const(loc, mapping, model.const)
            mapping = replace(mapping, const=const)
        return mapping

    def steps(self, loc: Loc, model: FieldModel, names: list[str]) -> list[Step]:
        def at(position: int) -> Loc:
            return (
                (*loc, "transform", position)
                if isinstance(model.transform, list)
                else (
                    *loc,
                    "transform",
                )
            )

        for position, name in enumerate(names):
            if name not in TRANSFORMS:
                raise self.error(
                    at(position),
                    f"unknown transform {name!r}; known transforms: {', '.join(TRANSFORMS)}",
                )
        params = model.params()
        used = {param for name in names for param in TRANSFORMS[name].params}
        for param in sorted(PARAMS - used):
            if params[param] is not None:
                users = [name for name, cls in TRANSFORMS.items() if param in cls.params]
                raise self.error(
                    (*loc, param),
                    f"'{param}' is used only by the transform {' or '.join(users)}, which this "
                    f"field does not name (its transforms: {', '.join(names) or 'none'})",
                )
        steps = []
        for position, name in enumerate(names):
            try:
                steps.append(make_step(name, params, self.path.parent))
            except ParamError as exc:
                where = (*loc, exc.param) if params.get(exc.param) is not None else at(position)
                raise self.error(where, str(exc)) from None
        return steps

    def check_join(self, loc: Loc, model: FieldModel, names: list[str], columns: list[str]) -> None:
        if len(columns) > 1 and (not names or names[0] != "join"):
            raise self.error(
                (*loc, "from"),
                "several columns need 'join' as the first transform (transform: join, sep: ' ')",
            )
        if "join" in names and (
            names.index("join") != 0 or len(columns) < 2 or names.count("join") > 1
        ):
            raise self.error(
                (*loc, "transform"),
                "'join' must come first, once, in a field with several columns in 'from'",
            )

    def check_kinds(
        self, loc: Loc, model: FieldModel, names: list[str], steps: list[Step]
    ) -> FieldType:
        kind = FieldType.TEXT
        previous = "the source text"
        for position, (name, step) in enumerate(zip(names, steps, strict=True)):
            where = (
                (*loc, "transform", position)
                if isinstance(model.transform, list)
                else (
                    *loc,
                    "transform",
                )
            )
            if kind not in step.accepts:
                accepts = " or ".join(sorted(step.accepts))
                raise self.error(
                    where, f"'{name}' works on {accepts}, but {previous} gives {_GIVES[kind]}"
                )
            try:
                step.check_input(kind)
            except ParamError as exc:
                raise self.error(where, str(exc)) from None
            kind = step.output(kind)
            previous = f"'{name}'"
        return kind

    def const(self, loc: Loc, mapping: FieldMapping, text: str) -> Any:
        result = run_steps(pd.Series([text], dtype=object), mapping.steps)
        if result.failed[0]:
            reason = result.reasons[0] if result.reasons is not None else "cannot be converted"
            raise self.error((*loc, "const"), f"const {text!r} {reason}")
        value = result.values.iloc[0]
        if mapping.type is FieldType.DATE:
            return None if pd.isna(value) else np.datetime64(value, "ns")
        if mapping.type is FieldType.INT:
            return None if pd.isna(value) else int(value)
        return value


_ENDING = {
    FieldType.TEXT: "a text (not date, money or int; 'period' turns a date into text)",
    FieldType.DATE: "'date'",
    FieldType.MONEY: "'money'",
    FieldType.INT: "'int'",
}

_GIVES = {
    FieldType.TEXT: "text",
    FieldType.DATE: "a date",
    FieldType.MONEY: "an amount",
    FieldType.INT: "a whole number",
}
