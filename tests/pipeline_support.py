"""Shared helpers for pipeline tests: a demo generated in a temp folder and a pipeline over it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from consolidation.core import store
from consolidation.core.settings import Settings, SourcesSettings, StoreSettings, ValidationSettings
from consolidation.demo import DemoManifest, DemoTargets, generate
from consolidation.pipeline import Pipeline

FAULT_RULES: dict[str, set[str]] = {
    "bad_iban_checksum": {"employee.iban.valid", "vendor.iban.valid"},
    "missing_national_id": {"employee.national_id.present"},
    "cpr_birth_mismatch": {"employee.national_id.matches_birth_date"},
    "hire_before_18": {"employee.hire_date.min_age"},
    "future_date": {"employee.hire_date.not_future", "journal_entry.entry_date.not_future"},
    "mojibake": {"employee.name_ar.not_mojibake"},
    "amount_not_numeric": {
        "employee.base_salary.unparseable_amount",
        "journal_line.debit.unparseable_amount",
        "journal_line.credit.unparseable_amount",
    },
    "amount_4_decimals": {
        "journal_line.debit.max_three_decimals",
        "journal_line.credit.max_three_decimals",
    },
    "account_not_in_crosswalk": {"journal_line.account_code.in_crosswalk"},
    "unbalanced_entry": {"journal_entry.lines.balanced"},
    "within_source_duplicate": {"employee.record.unique"},
}
"""Which rule must flag each kind of fault the demo generator injects."""


@dataclass
class DemoRun:
    pipeline: Pipeline
    manifest: DemoManifest
    truth: dict[str, Any]


def demo_pipeline(
    tmp_path: Path,
    *,
    store_url: str | None = None,
    targets: DemoTargets | None = None,
    employees: int = 400,
    journal_lines: int = 4000,
) -> DemoRun:
    manifest = generate(
        tmp_path / "demo",
        employees=employees,
        journal_lines=journal_lines,
        targets=targets or DemoTargets(),
    )
    truth = json.loads(manifest.ground_truth_file.read_text(encoding="utf-8"))
    settings = Settings(
        store=StoreSettings(
            url=store_url or f"sqlite:///{tmp_path / 'store.db'}", raw_dir=tmp_path / "raw"
        ),
        sources=SourcesSettings(config=manifest.sources_file, chunk_size=1000),
        validation=ValidationSettings(reference_date=date.fromisoformat(truth["reference_date"])),
        operator="tester",
    )
    pipeline = Pipeline(settings)
    store.upgrade(pipeline.engine)
    return DemoRun(pipeline, manifest, truth)
