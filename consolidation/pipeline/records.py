"""One quarantined record as a steward reviews it: its mapped values beside the original
source record from the raw area, its issues, and what was done to it; the audited reveal of its
personal fields; a correction form's values turned into the corrections they make."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from consolidation.access import Principal
from consolidation.core.errors import ConsolidationError
from consolidation.core.unified import ENTITIES, LINEAGE_COLUMNS, PERSONAL_FIELDS
from consolidation.quarantine import OutOfScope
from consolidation.quarantine.history import Dashboard, HistoryEntry, IssueRef, QuarantineHistory

if TYPE_CHECKING:
    from consolidation.pipeline import Pipeline

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecordView:
    """What the record page shows; values in clear: the caller masks what it must."""

    issue: IssueRef
    """The issue the record was opened by."""
    record: dict[str, Any]
    """``QuarantineService.record``: mapped values, corrections, version, status, issues; a
    record staged with warnings has status ``staged`` and no version (it cannot be corrected)."""
    fields: tuple[str, ...]
    """The entity's fields, in the unified schema's order."""
    values: dict[str, Any]
    """Each field's current value: the mapped one, or the steward's correction over it."""
    personal: frozenset[str]
    """The entity's personal fields (national id, IBAN, salary)."""
    raw: dict[str, Any] | None
    """The original source record, or None when the raw area no longer has it."""
    raw_personal: frozenset[str]
    """The raw columns a personal field is mapped from."""
    history: tuple[HistoryEntry, ...]

    @property
    def ministry(self) -> str:
        return self.issue.ministry


def record_view(pipeline: Pipeline, issue_id: int, *, scope: Any = None) -> RecordView:
    """The record behind issue ``issue_id``; ``OutOfScope`` for another ministry's issue."""
    history = QuarantineHistory(pipeline.engine)
    ref = history.locate(issue_id, scope=scope)
    if ref.quarantined:
        record = pipeline.quarantine.record(ref.source, ref.entity, ref.source_key, scope=scope)
    else:  # only warnings: the record was staged
        record = {
            "ministry": ref.ministry,
            **history.staged(ref.source, ref.entity, ref.source_key),
        }
    schema = ENTITIES[ref.entity]
    fields = tuple(name for name in schema.fields if name not in LINEAGE_COLUMNS)
    corrections = {} if record["correction_stale"] else record["corrected"] or {}
    values = {name: corrections.get(name, record["data"].get(name)) for name in fields}
    raw_entity, raw_personal = _raw_shape(pipeline, ref.source, ref.entity)
    return RecordView(
        issue=ref,
        record=record,
        fields=fields,
        values=values,
        personal=PERSONAL_FIELDS.get(ref.entity, frozenset()),
        raw=_raw(pipeline, ref, raw_entity),
        raw_personal=raw_personal,
        history=tuple(history.history(ref.source, ref.entity, ref.source_key)),
    )


def reveal(pipeline: Pipeline, issue_id: int, principal: Principal) -> RecordView:
    """The record with its personal fields for a reader who may unmask them (an admin, or a
    steward of the record's ministry), the reveal audited; ``OutOfScope`` for anyone else."""
    view = record_view(pipeline, issue_id, scope=principal.scope)
    if not principal.may_reveal(view.ministry):
        raise OutOfScope(f"{principal.username} may not unmask records of {view.ministry}")
    QuarantineHistory(pipeline.engine).reveal(
        issue_id,
        sorted(view.personal | view.raw_personal),
        actor=principal.username,
        scope=principal.scope,
    )
    return record_view(pipeline, issue_id, scope=principal.scope)


def corrections_from_form(
    view: RecordView, submitted: Mapping[str, str], *, revealed: bool
) -> dict[str, str]:
    """The fields a correction form changes: a value other than the current one. A personal
    field the form showed masked comes back blank, and blank there means unchanged."""
    changes: dict[str, str] = {}
    for name in view.fields:
        if name not in submitted:
            continue
        value = submitted[name].strip()
        current = view.values.get(name)
        current_text = "" if current is None else str(current)
        if name in view.personal and not revealed and value == "":
            continue
        if value != current_text:
            changes[name] = value
    return changes


def _raw_shape(pipeline: Pipeline, source: str, entity: str) -> tuple[str, frozenset[str]]:
    """The raw entity ``entity`` is mapped from, and its columns feeding personal fields."""
    from mappings import MappingError, find_mapping, load_mapping

    personal = PERSONAL_FIELDS.get(entity, frozenset())
    try:
        mapping = load_mapping(find_mapping(pipeline.mappings_dir, source))
    except MappingError as exc:
        logger.warning("no mapping to read the raw record of %s: %s", source, exc)
        return entity, frozenset()
    for found in mapping.entities:
        if found.target == entity:
            columns = {
                c for name in personal if name in found.fields for c in found.fields[name].columns
            }
            return found.raw_entity, frozenset(columns)
    return entity, frozenset()


def _raw(pipeline: Pipeline, ref: IssueRef, raw_entity: str) -> dict[str, Any] | None:
    """The original source record from the raw area; None (logged) when it cannot be read."""
    try:
        return pipeline.batches.raw_record(ref.batch_id, raw_entity, ref.source_key)
    except (OSError, ConsolidationError) as exc:
        logger.warning(
            "raw record of batch %s %s unreadable: %s", ref.batch_id, raw_entity,
            type(exc).__name__,
        )  # fmt: skip
        return None


def dashboard(pipeline: Pipeline, *, scope: Any = None, days: int = 30) -> Dashboard:
    """The quarantine's counts for the dashboard within ``scope``."""
    return QuarantineHistory(pipeline.engine).dashboard(scope=scope, days=days)
