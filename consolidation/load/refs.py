"""The store's ``central_ref``: each unified row's Odoo model, id and external id. It is written
as soon as a chunk's ids come back, so it is the load's checkpoint: a run cut off resumes from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as sa_postgresql
from sqlalchemy.dialects import sqlite as sa_sqlite

from consolidation.core.schema import CentralRef, table_of
from consolidation.load.exceptions import CompanyModeError
from consolidation.load.external_ids import LOOKUP_CHUNK
from consolidation.load.refusals import record_refusals
from consolidation.load.report import Outcome
from consolidation.load.settings import CentralConfig
from consolidation.load.targets import Target


@dataclass
class Ref:
    """A row's reference: its record in Odoo, the hash it was loaded with, and its state."""

    xid: str
    central_id: int
    row_hash: str
    state: str


class RefStore:
    """Reads and writes the references; ``operator`` closes the issues of records Odoo took."""

    def __init__(self, engine: sa.Engine, *, operator: str) -> None:
        self.engine = engine
        self.operator = operator

    def read(self, target: Target, row_ids: list[int] | None) -> dict[tuple[int, str], Ref]:
        """The store's references of the target: all of them, or those of ``row_ids``."""
        table = table_of(CentralRef)
        query = sa.select(
            table.c.row_id,
            table.c.scope,
            table.c.external_id,
            table.c.central_id,
            table.c.row_hash,
            table.c.state,
        ).where(table.c.entity == target.name)
        if row_ids is None:
            queries = [query]
        else:
            ids = sorted(set(row_ids))
            queries = [
                query.where(table.c.row_id.in_(ids[start : start + LOOKUP_CHUNK]))
                for start in range(0, len(ids), LOOKUP_CHUNK)
            ]
        refs: dict[tuple[int, str], Ref] = {}
        with self.engine.connect() as connection:
            for chunk in queries:
                for row in connection.execute(chunk):
                    refs[(row.row_id, row.scope)] = Ref(
                        row.external_id, row.central_id, row.row_hash, row.state
                    )
        return refs

    def checkpoint(
        self,
        target: Target,
        run_id: int,
        outcome: Outcome,
        *,
        hashes: dict[tuple[int, str], str] | None = None,
    ) -> None:
        """Write what Odoo returned, and the quarantine of what it refused, in one transaction."""
        if not outcome.loaded and not outcome.failed:
            return
        now = datetime.now(UTC)
        refs = table_of(CentralRef)
        rows: list[dict[str, Any]] = []
        loaded_keys: list[tuple[str, str]] = []
        for record, central_id in outcome.loaded:
            state = "loaded"
            if target.posts:
                state = "posted" if central_id in outcome.posted else "draft"
            rows.append(
                {
                    "entity": target.name,
                    "row_id": record.row_id,
                    "scope": record.scope,
                    "model": target.model,
                    "central_id": central_id,
                    "external_id": record.xid,
                    "row_hash": record.row_hash if hashes is None else hashes[record.key],
                    "batch_id": record.batch_id if target.owned_by_batch else None,
                    "load_run_id": run_id,
                    "state": state,
                    "loaded_at": now,
                }
            )
            for line in record.lines:
                line_id = outcome.line_ids.get(line.xid)
                if line_id is not None and target.line_entity:
                    rows.append(
                        {
                            "entity": target.line_entity,
                            "row_id": line.row_id,
                            "scope": "",
                            "model": "account.move.line",
                            "central_id": line_id,
                            "external_id": line.xid,
                            "row_hash": "",
                            "batch_id": record.batch_id,
                            "load_run_id": run_id,
                            "state": state,
                            "loaded_at": now,
                        }
                    )
            if record.source_system and record.source_key:
                loaded_keys.append((record.source_system, record.source_key))
        with self.engine.begin() as connection:
            if rows:
                _upsert_refs(connection, refs, rows)
            record_refusals(
                connection, target, outcome.failed, loaded_keys, now, operator=self.operator
            )


def check_company_mode(engine: sa.Engine, config: CentralConfig) -> None:
    """A store loads into the central Odoo in one company mode. Switched after a load, the
    loader would build a second chart and second journals beside the first (the per-ministry
    copies have their own external ids), so it stops and says so instead."""
    refs = table_of(CentralRef)
    if config.per_ministry:  # references the single company's chart has
        other = sa.and_(refs.c.entity == "account", refs.c.scope == "")
        was, now = "single", "per_ministry"
    else:  # references only a company per ministry has
        other = sa.or_(refs.c.entity == "ministry_company", refs.c.scope != "")
        was, now = "per_ministry", "single"
    with engine.connect() as connection:
        found = connection.scalar(sa.select(sa.func.count()).select_from(refs).where(other))
    if found:
        raise CompanyModeError(
            f"company_mode is {now}, but this store has loaded {found} records into the "
            f"central Odoo in company_mode {was}; loading now would make a second chart and "
            f"second journals beside them. Keep company_mode: {was}, or load into a fresh "
            "central database with a fresh store"
        )


_REF_KEY = ("entity", "row_id", "scope")


def _upsert_refs(connection: sa.Connection, refs: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Write references, replacing a row's earlier one (its unique entity, row and scope): one
    ``INSERT … ON CONFLICT DO UPDATE`` on the store's two backends, delete-then-insert elsewhere."""
    name = connection.dialect.name
    if name in ("sqlite", "postgresql"):
        insert = sa_postgresql.insert(refs) if name == "postgresql" else sa_sqlite.insert(refs)
        changed = {key: insert.excluded[key] for key in rows[0] if key not in _REF_KEY}
        connection.execute(
            insert.on_conflict_do_update(index_elements=_REF_KEY, set_=changed), rows
        )
        return
    for entity, scope in {(row["entity"], row["scope"]) for row in rows}:
        ids = [r["row_id"] for r in rows if (r["entity"], r["scope"]) == (entity, scope)]
        for start in range(0, len(ids), 500):
            connection.execute(
                refs.delete().where(
                    refs.c.entity == entity,
                    refs.c.scope == scope,
                    refs.c.row_id.in_(ids[start : start + 500]),
                )
            )
    connection.execute(refs.insert(), rows)
