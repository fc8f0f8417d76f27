"""Suppliers: cluster every staged vendor record into partners, write their golden records and
review pairs, and link journal lines to them."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import sqlalchemy as sa

from consolidation.core import store
from consolidation.core.integrity import check_journal_lines
from consolidation.core.schema import Partner, PartnerSource, table_of
from consolidation.matching.settings import MatchingSettings
from consolidation.matching.store import (
    MatchOutcome,
    decided_pairs,
    free_lineage,
    merge_decided,
    row_hash,
    source_priority,
    source_records,
    write_conflicts,
    write_review,
)
from consolidation.matching.survivorship import build_golden
from consolidation.matching.vendors import VendorMatchConfig, match_vendors

VENDOR_FIELDS = ["cr_number", "vat_number", "iban", "name_ar", "name_en"]


def match_suppliers(engine: sa.Engine, settings: MatchingSettings) -> MatchOutcome:
    """Cluster every staged vendor record into partners and link journal lines to them."""
    with engine.begin() as connection:
        store.serialize(connection, "consolidation.match")  # one match at a time
        records = source_records(connection, PartnerSource, ["vendor_no", *VENDOR_FIELDS])
        if records.empty:
            return MatchOutcome(0, 0, 0, 0, 0)
        result = match_vendors(records, VendorMatchConfig())
        result = replace(
            result,
            clusters=merge_decided(
                result.clusters, "vendor_key", decided_pairs(connection, "vendor", "merged")
            ),
        )
        priority = source_priority(settings.vendor_priority, records)
        golden, _links = build_golden(
            records[["record_id", "source", "recency", *VENDOR_FIELDS]],
            result.clusters,
            priority={},
            default_priority=priority,
            fields=VENDOR_FIELDS,
        )
        founders = (
            records.merge(result.clusters, on="record_id")
            .sort_values("record_id")
            .drop_duplicates("vendor_key")
            .set_index("vendor_key")
        )
        partner = table_of(Partner)
        existing = {
            row.partner_key: row
            for row in connection.execute(
                sa.select(
                    partner.c.id,
                    partner.c.partner_key,
                    partner.c.row_hash,
                    partner.c.source_system,
                    partner.c.source_key,
                )
            )
        }
        ids: dict[str, int] = {}
        rows: dict[str, dict[str, Any]] = {}
        for row in golden.to_dict("records"):
            key = str(row["vendor_key"])
            founder = founders.loc[key]
            values = {f: row[f] for f in VENDOR_FIELDS}
            values.update(
                batch_id=int(str(founder["batch_id"])),
                source_system=founder["source_system"],
                source_key=founder["source_key"],
                row_hash=row_hash([row[f] for f in VENDOR_FIELDS]),
            )
            rows[key] = values
        moved = free_lineage(connection, partner, existing, rows)
        for key, values in rows.items():
            current = existing.pop(key, None)
            if current is None:
                ids[key] = connection.execute(
                    sa.insert(partner).values(partner_key=key, **values).returning(partner.c.id)
                ).scalar_one()
            else:
                ids[key] = current.id
                if current.row_hash != values["row_hash"] or key in moved:
                    connection.execute(
                        sa.update(partner).where(partner.c.id == current.id).values(**values)
                    )
        source = table_of(PartnerSource)
        connection.execute(
            sa.update(source)
            .where(
                source.c.source_system == sa.bindparam("b_system"),
                source.c.source_key == sa.bindparam("b_key"),
            )
            .values(partner_id=sa.bindparam("b_partner"), match_method=sa.bindparam("b_method")),
            [
                {
                    "b_system": rid.split("|", 1)[0],
                    "b_key": rid.split("|", 1)[1],
                    "b_partner": ids[str(key)],
                    "b_method": "matched",
                }
                for rid, key in zip(
                    result.clusters["record_id"], result.clusters["vendor_key"], strict=True
                )
            ],
        )
        connection.execute(
            sa.text(
                "UPDATE journal_line SET partner_id = (SELECT ps.partner_id FROM partner_source ps "
                "WHERE ps.source_system = journal_line.source_system "
                "AND ps.source_key = journal_line.vendor_no) "
                "WHERE vendor_no IS NOT NULL AND COALESCE(partner_id, -1) <> COALESCE(("
                "SELECT ps.partner_id FROM partner_source ps "
                "WHERE ps.source_system = journal_line.source_system "
                "AND ps.source_key = journal_line.vendor_no), -1)"
            )
        )
        stale = list(existing.values())
        if stale:  # lines were relinked above; none may keep a partner deleted here
            connection.execute(sa.delete(partner).where(partner.c.id.in_([r.id for r in stale])))
            check_journal_lines(connection, only=("partner",))
        review = write_review(connection, "vendor", result.review)
        conflicts = write_conflicts(connection, records, result.conflicts, "vendor", "identifier")
    merged = int((result.clusters.groupby("vendor_key")["record_id"].transform("size") > 1).sum())
    return MatchOutcome(len(records), len(golden), merged, review, conflicts)
