"""Stewards' corrections, applied by every run to the source record's version they were
made to, and flagged stale when the source record changes."""

from __future__ import annotations

from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from consolidation.core import audit
from consolidation.core.schema import IssueStatus, QuarantineRecord, table_of
from consolidation.core.types import SOURCE_KEY
from consolidation.core.unified import ENTITIES, ROW_HASH
from consolidation.quarantine.records import typed_value


class Corrections:
    """Stewards' corrections of one source's records, applied on every run to the version of
    the source record they were made to: a correction lasts as long as that record is unchanged.
    A record whose source changed since keeps its correction, unapplied and flagged stale for
    the steward to look at again."""

    def __init__(
        self,
        source: str,
        corrections: dict[tuple[str, str], tuple[str | None, dict[str, Any]]],
    ) -> None:
        self._source = source
        self._by_entity: dict[str, dict[str, tuple[str | None, dict[str, Any]]]] = {}
        for (entity, key), correction in corrections.items():
            self._by_entity.setdefault(entity, {})[key] = correction
        self.applied: set[tuple[str, str]] = set()
        self.stale: set[tuple[str, str]] = set()

    @classmethod
    def of_source(cls, session: Session, source: str) -> Corrections:
        rows = session.execute(
            sa.select(
                QuarantineRecord.entity,
                QuarantineRecord.source_key,
                QuarantineRecord.corrected_row_hash,
                QuarantineRecord.corrected,
            ).where(
                QuarantineRecord.source_system == source,
                QuarantineRecord.corrected.is_not(None),
                QuarantineRecord.status != IssueStatus.REJECTED,
            )
        ).all()
        return cls(source, {(e, k): (h, c) for e, k, h, c in rows if c})

    def apply(
        self, entity: str, frame: pd.DataFrame, mapping_issues: pd.DataFrame
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The chunk with the corrections of its unchanged records applied, and the mapping's
        issues less those about a field a correction replaced."""
        wanted = self._by_entity.get(entity)
        if not wanted:
            return frame, mapping_issues
        hit = frame[SOURCE_KEY].isin(wanted.keys())
        if not hit.any():
            return frame, mapping_issues
        frame = frame.copy()
        fields = ENTITIES[entity].fields
        replaced: set[tuple[str, str]] = set()
        for position, key, row_hash in zip(
            frame.index[hit], frame.loc[hit, SOURCE_KEY], frame.loc[hit, ROW_HASH], strict=True
        ):
            made_to, corrected = wanted[key]
            if made_to is not None and made_to != row_hash:
                self.stale.add((entity, key))
                continue
            self.applied.add((entity, key))
            for name, text in corrected.items():
                if name in fields and name in frame.columns:
                    frame.at[position, name] = typed_value(fields[name].type, text)
                    replaced.add((key, name))
        if replaced and not mapping_issues.empty:
            pairs = zip(mapping_issues[SOURCE_KEY], mapping_issues["field"], strict=True)
            mapping_issues = mapping_issues.loc[[pair not in replaced for pair in pairs]]
        return frame, mapping_issues

    def flag_stale(self, connection: sa.Connection, actor: str) -> None:
        """Flag the corrections whose source record changed; the audit log records each."""
        table = table_of(QuarantineRecord)
        for entity, key in sorted(self.stale):
            changed = connection.execute(
                sa.update(table)
                .where(
                    table.c.entity == entity,
                    table.c.source_key == key,
                    table.c.correction_stale.is_(False),
                    table.c.corrected.is_not(None),
                    table.c.source_system == self._source,
                )
                .values(correction_stale=True, version=table.c.version + 1)
            ).rowcount
            if changed:
                audit.record(
                    connection,
                    actor,
                    audit.Event.CORRECTION_STALE,
                    entity,
                    f"{self._source}|{key}",
                    reason="the source record changed since it was corrected",
                )
