"""The central load's configuration: checked when read, and what the company mode changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from consolidation.core.errors import ConfigError
from consolidation.load.settings import DEFAULT_CONFIG, load_central_config
from consolidation.load.targets import configured_targets


def _config(tmp_path: Path, **values: str) -> Path:
    """The default file with some top-level keys set to other values."""
    lines = DEFAULT_CONFIG.read_text(encoding="utf-8").splitlines()
    for key, value in values.items():
        lines = [f"{key}: {value}" if line.startswith(f"{key}:") else line for line in lines]
    path = tmp_path / "central.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_default_is_one_company_and_writes_no_company_field() -> None:
    config = load_central_config(None)
    assert config.company_mode == "single" and not config.per_ministry
    fields = {target.name: target.fields for target in configured_targets(config)}
    assert all("company_id/id" not in names for names in fields.values())
    assert "ministry_company" not in fields  # the one company is Odoo's own


def test_per_ministry_names_the_company_on_every_company_bound_model(tmp_path: Path) -> None:
    config = load_central_config(_config(tmp_path, company_mode="per_ministry"))
    assert config.per_ministry
    targets = configured_targets(config)
    assert targets[0].name == "ministry_company"  # before anything made in a company
    assert targets[0].fields == ("name", "currency_id/id")
    bound = {t.name for t in targets if "company_id/id" in t.fields}
    assert bound == {
        "ministry_department",
        "ministry_analytic",
        "ministry_journal",
        "opening_journal",
        "account",
        "org_unit",
        "job",
        "employment",
    }


def test_per_ministry_without_the_company_target_is_refused_with_its_file(tmp_path: Path) -> None:
    path = _config(tmp_path, company_mode="per_ministry")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  - ministry_company", "  # ministry_company"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"central\.yaml.*needs the target ministry_company"):
        load_central_config(path)


def test_an_unknown_company_mode_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"central\.yaml:\d+: company_mode: .*per_ministry"):
        load_central_config(_config(tmp_path, company_mode="per_region"))


def test_a_journal_code_longer_than_five_characters_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"MIGRATION.*cuts the rest silently"):
        load_central_config(_config(tmp_path, journal_codes="{MOF: MIGRATION}"))
