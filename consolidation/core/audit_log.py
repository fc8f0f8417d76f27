"""Reading the audit log: events filtered by actor, action, target and time, paged on the
server, newest first, and the same filter written to an Excel workbook. Personal values
(national ids, IBANs, salaries) are masked in the details it hands out, wherever a detail names
such a field, so no reader of the log sees one."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
import xlsxwriter
from sqlalchemy.orm import Session

from consolidation.core.schema import AuditEvent
from consolidation.core.unified import PERSONAL_FIELDS

PERSONAL = frozenset().union(*PERSONAL_FIELDS.values())
"""Detail keys whose values are personal (national_id, iban, base_salary, amount)."""
EXPORT_LIMIT = 200_000


@dataclass(frozen=True)
class AuditFilter:
    """What to show: each set field narrows the events; text matches exactly, except the
    target id, which matches as a prefix (``moh_hr|`` for a source's rows)."""

    actor: str | None = None
    action: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    """Exclusive."""


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    target_type: str
    target_id: str
    detail: tuple[tuple[str, str], ...]
    """Each detail as key and text, personal values masked."""


def mask(value: object) -> str:
    """``*****`` and the last four characters (fewer of a short value), as the web app masks."""
    text = "" if value is None else str(value)
    if not text:
        return ""
    shown = 4 if len(text) > 6 else 1 if len(text) > 2 else 0
    return "*****" + (text[-shown:] if shown else "")


def _masked(value: Any) -> Any:
    """A detail value with every personal field inside it masked (dicts of field values,
    lists of them, old/new pairs)."""
    if isinstance(value, dict):
        return {
            key: (_mask_all(item) if key in PERSONAL else _masked(item))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_masked(item) for item in value]
    return value


def _mask_all(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _mask_all(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_mask_all(item) for item in value]
    return None if value is None else mask(value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def detail_items(detail: dict[str, Any] | None) -> tuple[tuple[str, str], ...]:
    """An event's detail as ``(key, text)`` pairs, personal values masked."""
    masked = _masked(dict(detail or {}))
    return tuple((str(key), _text(value)) for key, value in sorted(masked.items()))


class AuditLog:
    """The audit log of one store, for those who may read it (admins, auditors)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def _query(self, filters: AuditFilter) -> sa.Select[Any]:
        query = sa.select(AuditEvent)
        if filters.actor:
            query = query.where(AuditEvent.actor == filters.actor)
        if filters.action:
            query = query.where(AuditEvent.action == filters.action)
        if filters.target_type:
            query = query.where(AuditEvent.target_type == filters.target_type)
        if filters.target_id:
            escaped = filters.target_id.replace("\\", "\\\\").replace("%", "\\%")
            escaped = escaped.replace("_", "\\_")
            query = query.where(AuditEvent.target_id.like(escaped + "%", escape="\\"))
        if filters.since:
            query = query.where(AuditEvent.at >= _naive(filters.since))
        if filters.until:
            query = query.where(AuditEvent.at < _naive(filters.until))
        return query

    def events(
        self,
        filters: AuditFilter = AuditFilter(),
        *,
        offset: int = 0,
        limit: int = 50,
    ) -> list[AuditEntry]:
        """Matching events, newest first, a page at a time."""
        query = self._query(filters).order_by(AuditEvent.id.desc()).offset(offset).limit(limit)
        with Session(self.engine) as session:
            return [_entry(event) for event in session.scalars(query)]

    def count(self, filters: AuditFilter = AuditFilter()) -> int:
        query = self._query(filters).with_only_columns(sa.func.count(AuditEvent.id))
        with Session(self.engine) as session:
            return int(session.execute(query).scalar_one())

    def choices(self) -> dict[str, list[str]]:
        """The actors, actions and target types the log holds, for the filter's lists."""
        with Session(self.engine) as session:
            return {
                name: sorted(
                    str(v) for v in session.scalars(sa.select(column).distinct()) if v is not None
                )
                for name, column in (
                    ("actors", AuditEvent.actor),
                    ("actions", AuditEvent.action),
                    ("target_types", AuditEvent.target_type),
                )
            }

    def export_xlsx(self, target: Path | IO[bytes], filters: AuditFilter) -> int:
        """The events of ``filters`` (at most ``EXPORT_LIMIT``, newest first) as a workbook:
        one row per event, its details as key: value lines, personal values masked; returns
        how many rows were written."""
        events = self.events(filters, limit=EXPORT_LIMIT)
        book = xlsxwriter.Workbook(target, {"in_memory": True, "strings_to_formulas": False})
        try:
            sheet = book.add_worksheet("Audit log")
            bold = book.add_format({"bold": True})
            when = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
            wrap = book.add_format({"text_wrap": True, "valign": "top"})
            headers = ["id", "at (UTC)", "actor", "action", "target type", "target id", "detail"]
            for col, header in enumerate(headers):
                sheet.write_string(0, col, header, bold)
            for row, event in enumerate(events, start=1):
                sheet.write_number(row, 0, event.id)
                sheet.write_datetime(row, 1, _naive(event.at), when)
                for col, value in enumerate(
                    (event.actor, event.action, event.target_type, event.target_id), start=2
                ):
                    sheet.write_string(row, col, value)
                sheet.write_string(row, 6, "\n".join(f"{k}: {v}" for k, v in event.detail), wrap)
            sheet.freeze_panes(1, 0)
            sheet.autofilter(0, 0, max(len(events), 1), len(headers) - 1)
            for col, width in enumerate((8, 20, 16, 22, 18, 30, 80)):
                sheet.set_column(col, col, width)
        finally:
            book.close()
        return len(events)


def _naive(moment: datetime) -> datetime:
    """UTC without a zone, as the store keeps its times."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _entry(event: AuditEvent) -> AuditEntry:
    return AuditEntry(
        event.id,
        event.at,
        event.actor,
        event.action,
        event.target_type,
        event.target_id,
        detail_items(event.detail),
    )
