"""What one demo run accumulates (rows, control totals, each source's spec) and the sources
config it writes from them (``sources.yaml``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from consolidation.core.money import AmountSum
from consolidation.demo.faults import FaultRates
from consolidation.demo.truth import GroundTruth

SOURCES = ("moh_hr", "moe_hr", "mof_gl", "mys_hr", "mys_fin")
MINISTRIES = {
    "MOH": ("وزارة الصحة", "Ministry of Health"),
    "MOE": ("وزارة التربية والتعليم", "Ministry of Education"),
    "MOF": ("وزارة المالية والاقتصاد الوطني", "Ministry of Finance and National Economy"),
    "MYS": ("وزارة شؤون الشباب", "Ministry of Youth Affairs"),
}

Progress = Callable[[str, int], None]


@dataclass
class DemoRun:
    """What one ``generate`` call accumulates while it writes the sources."""

    out_dir: Path
    seed: int
    rates: FaultRates
    reference: date
    progress: Progress | None
    truth: GroundTruth = field(default_factory=GroundTruth)
    rows: dict[str, dict[str, int]] = field(default_factory=dict)
    control: dict[str, dict[str, dict[str, Decimal]]] = field(default_factory=dict)
    specs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def tick(self, source: str, entity: str, rows: int) -> None:
        self.rows.setdefault(source, {})
        self.rows[source][entity] = self.rows[source].get(entity, 0) + rows
        if self.progress is not None and rows:
            self.progress(f"{source}.{entity}", rows)


def database_url(run: DemoRun, source: str, url: str | None) -> str:
    """The target URL, or a fresh SQLite file in the output folder."""
    if url is not None:
        return url
    path = run.out_dir / f"{source}.sqlite"
    path.unlink(missing_ok=True)
    return f"sqlite:///{path}"


def sql_source(
    source: str, ministry: str, domain: str, name: str, url: str, entities: dict[str, Any]
) -> dict[str, Any]:
    """A SQL source's config; a password in the target URL moves to an environment variable."""
    parsed = sa.make_url(url)
    spec: dict[str, Any] = {"kind": "sql", "ministry": ministry, "domain": domain, "name": name}
    if parsed.password is not None:
        spec["url"] = parsed.set(password=None).render_as_string(hide_password=False)
        spec["password_env"] = f"DEMO_{source.upper()}_PASSWORD"
    else:
        spec["url"] = url
    spec["entities"] = entities
    return spec


def sql_entity(
    metadata: sa.MetaData,
    table: str,
    key: list[str],
    *,
    watermark: str | None = None,
    control: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One entity of a SQL source's config: its table, key and the table's columns."""
    entity: dict[str, Any] = {
        "table": table,
        "key": key,
        "columns": [str(column.name) for column in metadata.tables[table].columns],
    }
    if watermark:
        entity["watermark"] = watermark
    if control:
        entity["control"] = control
    return entity


class _PlainDumper(yaml.SafeDumper):
    """Every value written out: a config a person reads has no anchors and aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def write_sources(path: Path, specs: dict[str, dict[str, Any]]) -> None:
    """Write ``sources.yaml``: the ministries, then each source's spec in ``SOURCES`` order."""
    document = {
        "ministries": {
            code: {
                "name_ar": name_ar,
                "name_en": name_en,
                "contacts": {"mail": [f"hr-data@{code.lower()}.gov.bh"]},
            }
            for code, (name_ar, name_en) in MINISTRIES.items()
        },
        "sources": {source: specs[source] for source in SOURCES if source in specs},
    }
    header = "# Demo ministry systems, written by consolidation.demo; holds no secrets.\n"
    text = yaml.dump(
        document,
        Dumper=_PlainDumper,
        allow_unicode=True,
        sort_keys=False,
        width=100,
        default_flow_style=None,
    )
    path.write_text(header + text, encoding="utf-8")


def text_sum(texts: Any) -> Decimal:
    """The exact sum of the amount texts that parse as amounts (the control total)."""
    running = AmountSum()
    running.add_texts(list(texts))
    return running.total
