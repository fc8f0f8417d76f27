"""External ids: looked up in Odoo in bulk, and versioned when a posted entry is replaced (the
first version unsuffixed, then ``_v2``, ``_v3``…)."""

from __future__ import annotations

import dataclasses
from typing import Any

from consolidation.core.odoo_rpc import OdooTransport
from consolidation.load.targets import Record

LOOKUP_CHUNK = 1_000
"""Ids looked up at a time, in Odoo or in the store."""


def lookup(
    odoo: OdooTransport, module: str, xids: list[str], model: str | None = None
) -> dict[str, int]:
    """Bulk ``ir.model.data`` look-up: full external id → record id, for those Odoo has."""
    found: dict[str, int] = {}
    names = [xid.split(".", 1)[1] for xid in xids]
    for start in range(0, len(names), LOOKUP_CHUNK):
        domain: list[Any] = [
            ["module", "=", module],
            ["name", "in", names[start : start + LOOKUP_CHUNK]],
        ]
        if model is not None:
            domain.append(["model", "=", model])
        for row in odoo.execute("ir.model.data", "search_read", domain, ["name", "res_id"]):
            found[f"{module}.{row['name']}"] = int(row["res_id"])
    return found


def version_of(xid: str) -> int:
    head, _, tail = xid.rpartition("_v")
    return int(tail) if head and tail.isdigit() else 1


def versioned(record: Record, version: int) -> Record:
    """The record under the external ids of its ``version`` (1 is the first, unsuffixed)."""
    if version <= 1:
        return record

    def name(xid: str) -> str:
        return f"{base_xid(xid)}_v{version}"

    return dataclasses.replace(
        record,
        xid=name(record.xid),
        lines=[dataclasses.replace(line, xid=name(line.xid)) for line in record.lines],
    )


def base_xid(xid: str) -> str:
    head, _, tail = xid.rpartition("_v")
    return head if head and tail.isdigit() else xid
