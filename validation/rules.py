"""The rule registry: every check validation runs, with a stable id, severity and business fact.

A rule has one of three forms, all in one registry:

- ``@rule`` — a domain rule: a vectorized ``(frame, context) -> bool Series`` (True = pass) run on
  every chunk (``hr.py``, ``finance.py``);
- ``@expectation`` — a column-shape check (not null, regex, value set, between) that a built-in
  great-expectations expectation runs on every chunk (``suites.py``);
- ``entity_rule`` — a check across chunks (duplicates, journal balance) that a tracker keeps
  state for and reports at ``finish()``.

Rule ids read ``entity.field.assertion`` and never change once published: stewards filter the
quarantine by them. The entity of an issue is the first part of its rule id.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd

from consolidation.core.errors import ConsolidationError
from consolidation.core.schema import Severity
from consolidation.core.unified import ENTITIES

if TYPE_CHECKING:
    from validation.context import ValidationContext

__all__ = [
    "Rule",
    "RuleKind",
    "Severity",
    "ValidationError",
    "all_rules",
    "entity_rule",
    "expectation",
    "rule",
    "rules_for",
]

RowCheck = Callable[[pd.DataFrame, "ValidationContext"], pd.Series]
ExpectationFactory = Callable[["ValidationContext"], Any]
"""Builds a great-expectations ``Expectation`` (typed ``Any``: GE is imported only when used)."""
MessageFn = Callable[[pd.DataFrame, "ValidationContext"], Sequence[str]]


class ValidationError(ConsolidationError):
    """Validation could not run: an unknown entity, a chunk without a unified column, or a rule
    that great-expectations could not evaluate. Bad rows are never this: they are issues."""


class RuleKind(enum.StrEnum):
    ROW = "row"
    """A domain rule, run on every chunk."""
    EXPECTATION = "expectation"
    """A great-expectations expectation, run on every chunk."""
    ENTITY = "entity"
    """A check across chunks, reported at ``finish()``."""


class Tracker(Protocol):
    """The state an entity rule keeps across the chunks of one entity."""

    def add(self, frame: pd.DataFrame) -> None: ...

    def issues(self) -> pd.DataFrame: ...


TrackerFactory = Callable[["Rule", "ValidationContext"], Tracker]


@dataclass(frozen=True)
class Rule:
    """One named assertion. ``entity`` is what the rule reads; the issue's entity is the id's
    first part (``journal_entry.lines.balanced`` reads journal lines, flags entries)."""

    id: str
    severity: Severity
    field: str | None
    kind: RuleKind
    entity: str
    doc: str
    message: str | MessageFn
    check: RowCheck | None = None
    build: ExpectationFactory | None = None
    tracker: TrackerFactory | None = None

    @property
    def issue_entity(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def summary(self) -> str:
        """The docstring as one line, for tables."""
        return " ".join(self.doc.split())


_ID = re.compile(r"^[a-z][a-z_]*\.[a-z][a-z_]*\.[a-z][a-z_0-9]*$")
_REGISTRY: dict[str, Rule] = {}


def _register(rule: Rule) -> Rule:
    if not _ID.match(rule.id):
        raise ValueError(f"rule id {rule.id!r} is not of the form entity.field.assertion")
    if rule.id in _REGISTRY:
        raise ValueError(f"rule id {rule.id!r} is declared twice")
    for entity in (rule.entity, rule.issue_entity):
        if entity not in ENTITIES:
            raise ValueError(f"rule {rule.id!r}: unknown entity {entity!r}")
    if rule.field is not None and rule.field not in ENTITIES[rule.entity].fields:
        raise ValueError(f"rule {rule.id!r}: {rule.entity} has no field {rule.field!r}")
    if not rule.doc.strip():
        raise ValueError(f"rule {rule.id!r} has no docstring stating the business fact")
    _REGISTRY[rule.id] = rule
    return rule


def _entity_of(rule_id: str, reads: str | None) -> str:
    return reads if reads is not None else rule_id.split(".", 1)[0]


def rule(
    rule_id: str,
    *,
    severity: Severity,
    field: str | None,
    message: str | MessageFn,
    reads: str | None = None,
) -> Callable[[RowCheck], RowCheck]:
    """Declare a domain rule: the function returns a boolean Series aligned with the frame,
    True where the row passes; its docstring states the business fact."""

    def declare(check: RowCheck) -> RowCheck:
        _register(
            Rule(
                rule_id,
                severity,
                field,
                RuleKind.ROW,
                _entity_of(rule_id, reads),
                check.__doc__ or "",
                message,
                check=check,
            )
        )
        return check

    return declare


def expectation(
    rule_id: str, *, severity: Severity, field: str, message: str | MessageFn
) -> Callable[[ExpectationFactory], ExpectationFactory]:
    """Declare a column-shape check: the function builds the great-expectations expectation
    for ``field`` (given the context); its docstring states the business fact."""

    def declare(build: ExpectationFactory) -> ExpectationFactory:
        _register(
            Rule(
                rule_id,
                severity,
                field,
                RuleKind.EXPECTATION,
                _entity_of(rule_id, None),
                build.__doc__ or "",
                message,
                build=build,
            )
        )
        return build

    return declare


def entity_rule(
    rule_id: str,
    *,
    severity: Severity,
    field: str | None,
    doc: str,
    tracker: TrackerFactory,
    reads: str | None = None,
) -> Rule:
    """Declare a check across chunks; ``tracker`` builds the state that reports its issues."""
    return _register(
        Rule(
            rule_id,
            severity,
            field,
            RuleKind.ENTITY,
            _entity_of(rule_id, reads),
            doc,
            "",
            tracker=tracker,
        )
    )


_KIND_ORDER = {RuleKind.EXPECTATION: 0, RuleKind.ROW: 1, RuleKind.ENTITY: 2}


def rules_for(entity: str) -> list[Rule]:
    """Every rule that reads ``entity``'s rows: column-shape checks, then domain rules, then
    checks across chunks, each in declaration order (the order of a record's issues)."""
    if entity not in ENTITIES:
        raise ValidationError(f"unknown entity {entity!r}; expected one of {', '.join(ENTITIES)}")
    return sorted((r for r in _REGISTRY.values() if r.entity == entity), key=_kind_order)


def all_rules() -> list[Rule]:
    """Every rule, entity by entity in the unified schema's order."""
    return [r for entity in ENTITIES for r in rules_for(entity)]


def _kind_order(rule: Rule) -> int:
    return _KIND_ORDER[rule.kind]
