"""Generate the demo: four ministries' systems with known faults, the sources config and the truth.

``generate`` writes, under ``out_dir``: the SQL sources (SQLite files unless a target URL is
given), MYS's CSV and Excel files, ``sources.yaml``, ``unified_chart.csv``,
``account_crosswalk.csv`` and ``ground_truth.json``. The same seed and parameters give the same
data; no clock is read ("today" is ``reference_date``).
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from consolidation.demo.charts import UNIFIED_CHART, crosswalk_rows
from consolidation.demo.faults import FaultRates
from consolidation.demo.finance_sources import record_vendor_truth, write_mof, write_mys_fin
from consolidation.demo.hr_plan import HR_SOURCES, plan_hr
from consolidation.demo.hr_records import Employment, employments
from consolidation.demo.hr_sources import (
    record_cross_ministry,
    record_hr_truth,
    write_hr_sql,
    write_mys_hr,
)
from consolidation.demo.mys_journal import mys_line_count
from consolidation.demo.sources_config import SOURCES, DemoRun, Progress, write_sources
from consolidation.demo.vendors import plan_vendors, vendor_counts
from consolidation.demo.writers import write_csv

logger = logging.getLogger(__name__)

REFERENCE_DATE = date(2026, 6, 30)


DEFAULT_RATES = FaultRates()


@dataclass(frozen=True)
class DemoTargets:
    health_url: str | None = None
    """SQLAlchemy URL for the Health HR database; None: a SQLite file in the output folder."""
    education_url: str | None = None
    """Education HR database; None: a SQLite file."""
    finance_url: str | None = None
    """Finance GL database; None: a SQLite file."""

    def url_for(self, source: str) -> str | None:
        return {
            "moh_hr": self.health_url,
            "moe_hr": self.education_url,
            "mof_gl": self.finance_url,
        }[source]


@dataclass(frozen=True)
class DemoManifest:
    directory: Path
    sources_file: Path
    ground_truth_file: Path
    rows: dict[str, dict[str, int]]
    """Source → entity → rows written."""
    control: dict[str, dict[str, dict[str, Decimal]]]
    """Source → entity → role → exact sum of the amounts as written that parse as amounts."""


def generate(
    out_dir: Path,
    *,
    seed: int = 20261122,
    employees: int = 400,
    journal_lines: int = 4000,
    targets: DemoTargets = DemoTargets(),
    only: Collection[str] | None = None,
    progress: Progress | None = None,
    rates: FaultRates = DEFAULT_RATES,
    reference_date: date = REFERENCE_DATE,
) -> DemoManifest:
    """Write the demo ministries' systems, their sources config and the ground truth."""
    if employees < 0:
        raise ValueError(f"employees must not be negative, got {employees}")
    if journal_lines < 2:
        raise ValueError(f"journal_lines must be at least 2, got {journal_lines}")
    unknown = sorted(set(only or ()) - set(SOURCES))
    if unknown:
        raise ValueError(f"unknown demo source {unknown[0]!r}; expected some of {SOURCES}")
    selected = [source for source in SOURCES if only is None or source in only]
    if not selected:
        raise ValueError(f"only= names no source; expected some of {SOURCES}")
    out_dir = out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    run = DemoRun(out_dir, seed, rates, reference_date, progress)
    logger.info("generating demo sources %s in %s (seed %d)", selected, out_dir, seed)

    written: dict[str, list[Employment]] = {}
    hr_selected = [source for source in selected if source in HR_SOURCES]
    if hr_selected:
        plan = plan_hr(seed, employees, rates, reference_date)
        for source in hr_selected:
            written[source] = employments(
                source, plan.slots[source], seed=seed, reference=reference_date
            )
            if source == "mys_hr":
                write_mys_hr(run, written[source])
            else:
                write_hr_sql(run, source, written[source], targets.url_for(source))
            record_hr_truth(run, source, written[source])
        record_cross_ministry(run, plan, written)

    mys_lines = mys_line_count(journal_lines)
    if "mof_gl" in selected or "mys_fin" in selected:
        vendors = plan_vendors(seed, vendor_counts(journal_lines, mys_lines), rates)
        if "mof_gl" in selected:
            write_mof(run, journal_lines, vendors["mof_gl"], targets.url_for("mof_gl"))
        if "mys_fin" in selected:
            write_mys_fin(run, mys_lines, vendors["mys_fin"])
        record_vendor_truth(run, vendors, selected)

    _write_charts(out_dir)
    sources_file = out_dir / "sources.yaml"
    write_sources(sources_file, run.specs)
    truth_file = out_dir / "ground_truth.json"
    params = {
        "employees": employees,
        "journal_lines": journal_lines,
        "only": sorted(only) if only is not None else None,
        "rates": rates.as_dict(),
    }
    run.truth.write(truth_file, seed=seed, params=params, reference=reference_date)
    logger.info("demo written: %d faults injected", len(run.truth.faults))
    return DemoManifest(
        directory=out_dir,
        sources_file=sources_file,
        ground_truth_file=truth_file,
        rows=run.rows,
        control=run.control,
    )


def _write_charts(out_dir: Path) -> None:
    write_csv(
        out_dir / "unified_chart.csv",
        ("code", "name_ar", "name_en", "account_type", "parent_code"),
        [(a.code, a.name_ar, a.name_en, a.account_type, a.parent or "") for a in UNIFIED_CHART],
    )
    write_csv(
        out_dir / "account_crosswalk.csv",
        ("ministry", "source_code", "unified_code"),
        crosswalk_rows(),
    )
