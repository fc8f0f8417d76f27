"""The load's settings: where the central Odoo is (the ``odoo`` section of the product's
settings, :class:`OdooSettings`) and what goes where in it (the load's configuration file,
:class:`CentralConfig`, checked when read)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from consolidation.core.config_file import load_model
from consolidation.core.settings import OdooSettings

__all__ = [
    "DEFAULT_CONFIG",
    "TARGET_ORDER",
    "CentralConfig",
    "JournalSpec",
    "OdooSettings",
    "central_settings",
    "load_central_config",
]

DEFAULT_CONFIG = Path(__file__).resolve().parents[2] / "mappings" / "central" / "odoo17.yaml"

TARGET_ORDER = (
    "ministry_company",
    "analytic_plan",
    "ministry_department",
    "ministry_analytic",
    "ministry_journal",
    "opening_journal",
    "account",
    "org_unit",
    "job",
    "vendor",
    "vendor_bank",
    "person",
    "person_bank",
    "employment",
    "journal_entry",
    "opening_balance",
)
"""Every target, dependencies first."""

ODOO_ACCOUNT_TYPES = {
    "asset_receivable",
    "asset_cash",
    "asset_current",
    "asset_non_current",
    "asset_prepayments",
    "asset_fixed",
    "liability_payable",
    "liability_credit_card",
    "liability_current",
    "liability_non_current",
    "equity",
    "equity_unaffected",
    "income",
    "income_other",
    "expense",
    "expense_depreciation",
    "expense_direct_cost",
    "off_balance",
}


class JournalSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(max_length=5, description="Odoo cuts longer codes silently: refused here.")
    name: str


class CentralConfig(BaseModel):
    """The load's choices; ``mappings/central/odoo17.yaml`` holds the defaults."""

    model_config = ConfigDict(extra="forbid")

    module: str = Field(default="consolidation", pattern=r"^[a-z][a-z0-9_]*$")
    company_mode: Literal["single", "per_ministry"] = "single"
    """``single``: one central company, a ministry is a department and a journal.
    ``per_ministry``: each ministry is a ``res.company`` with its own chart and journals."""
    company_currency: str = Field(default="base.BHD", description="External id of the currency.")
    name_language: Literal["en", "ar"] = "en"
    targets: list[str] = Field(default_factory=lambda: list(TARGET_ORDER))
    analytic_plan: str = "Ministries"
    opening_journal: JournalSpec = JournalSpec(code="OPBAL", name="Opening balances")
    journal_codes: dict[str, str] = Field(default_factory=dict)
    account_types: dict[str, str] = Field(default_factory=dict)
    genders: dict[str, str] = Field(default_factory=lambda: {"male": "male", "female": "female"})

    @field_validator("targets")
    @classmethod
    def _known_targets(cls, targets: list[str]) -> list[str]:
        unknown = [name for name in targets if name not in TARGET_ORDER]
        if unknown:
            raise ValueError(f"unknown target {unknown[0]!r}; known: {', '.join(TARGET_ORDER)}")
        return [name for name in TARGET_ORDER if name in targets]

    @field_validator("journal_codes")
    @classmethod
    def _short_codes(cls, codes: dict[str, str]) -> dict[str, str]:
        for ministry, code in codes.items():
            if not 1 <= len(code) <= 5:
                raise ValueError(
                    f"journal code {code!r} of {ministry} has {len(code)} characters; Odoo keeps "
                    "5 and cuts the rest silently"
                )
        return codes

    @field_validator("account_types")
    @classmethod
    def _odoo_types(cls, types: dict[str, str]) -> dict[str, str]:
        for unified, odoo in types.items():
            if odoo not in ODOO_ACCOUNT_TYPES:
                raise ValueError(f"{unified}: {odoo!r} is not an Odoo 17 account_type")
        return types

    @model_validator(mode="after")
    def _companies_first(self) -> CentralConfig:
        if self.company_mode == "per_ministry" and "ministry_company" not in self.targets:
            raise ValueError(
                "company_mode per_ministry needs the target ministry_company: each ministry's "
                "records are made in its own company"
            )
        return self

    @property
    def per_ministry(self) -> bool:
        return self.company_mode == "per_ministry"

    def journal_code(self, ministry: str) -> str:
        return self.journal_codes.get(ministry, ministry.upper())

    def xid(self, name: str) -> str:
        return f"{self.module}.{name}"


def load_central_config(path: Path | None) -> CentralConfig:
    return load_model(path or DEFAULT_CONFIG, CentralConfig)


def central_settings(settings: OdooSettings) -> OdooSettings | None:
    """The central Odoo's settings; ODOO_URL, ODOO_DB, ODOO_USER and ODOO_PASSWORD fill what
    CONSOLIDATION_ODOO__* leaves unset. None when no URL is given at all."""
    url = settings.url or os.environ.get("ODOO_URL")
    if not url:
        return None
    password = settings.password or (
        SecretStr(os.environ["ODOO_PASSWORD"]) if os.environ.get("ODOO_PASSWORD") else None
    )
    return settings.model_copy(
        update={
            "url": url,
            "database": settings.database or os.environ.get("ODOO_DB"),
            "login": settings.login or os.environ.get("ODOO_USER"),
            "password": password,
        }
    )
