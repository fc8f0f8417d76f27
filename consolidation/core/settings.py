"""One settings class, read from the environment (prefix ``CONSOLIDATION_``, ``__`` nests).

Nothing here builds settings at import time: callers construct ``Settings()`` at their entry
point. Secrets are ``SecretStr`` and are unwrapped only where a connection opens.
"""

from __future__ import annotations

import getpass
from datetime import date
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from consolidation.core.types import CHUNK_ROWS


class StoreSettings(BaseModel):
    """The unified store: an embedded SQLite file by default, PostgreSQL by URL."""

    url: str = "sqlite:///var/consolidation.db"
    password: SecretStr | None = Field(
        default=None, description="Injected into the URL when the engine opens; never logged."
    )
    raw_dir: Path = Field(
        default=Path("var/raw"), description="Immutable, checksummed Parquet of every batch."
    )
    echo: bool = False


class SourcesSettings(BaseModel):
    """Where the sources are declared and how they are read."""

    config: Path = Field(
        default=Path("var/demo/sources.yaml"),
        description="YAML declaring ministries and their source systems; holds no secrets.",
    )
    chunk_size: int = Field(default=CHUNK_ROWS, ge=1, le=1_000_000)


class OdooSettings(BaseModel):
    """The central shared-services Odoo."""

    url: str | None = None
    database: str | None = None
    login: str | None = None
    password: SecretStr | None = Field(default=None, description="Password or API key.")
    timeout_seconds: float = 120.0
    retry_attempts: int = Field(default=5, ge=1, le=20)
    batch_size: int = Field(default=200, ge=1, le=10_000)
    workers: int = Field(default=2, ge=1, le=32)
    page_size: int = Field(
        default=2_000,
        ge=1,
        le=100_000,
        description="Employees or entries read from the store at a time (at most 3 pages held).",
    )
    config: Path | None = Field(
        default=None,
        description="What goes where in Odoo (YAML); mappings/central/odoo17.yaml if unset.",
    )


class ValidationSettings(BaseModel):
    """Thresholds of the domain rules."""

    reference_date: date | None = Field(
        default=None, description="'Today' for the no-future-date rules; the real today if unset."
    )
    min_age_at_hire: int = Field(default=18, ge=14, le=30)


class MappingSettings(BaseModel):
    directory: Path | None = Field(
        default=None, description="Mapping files; the repository's mappings/ if unset."
    )


class MatchingSettings(BaseModel):
    """Survivorship: which source wins a field of the golden record (then the newest)."""

    person_priority: list[str] = Field(default_factory=list)
    vendor_priority: list[str] = Field(default_factory=list)


class ReconcileSettings(BaseModel):
    """The reconciliation: where reports go, and tolerances, which exist only when configured."""

    reports_dir: Path = Path("var/reports")
    tolerances: dict[str, Decimal] = Field(
        default_factory=dict,
        description="Account code (unified or source) -> the largest difference, debit or "
        "credit, accepted in one cell of it; every report names it. None by default.",
    )

    @field_validator("tolerances")
    @classmethod
    def _non_negative(cls, tolerances: dict[str, Decimal]) -> dict[str, Decimal]:
        for code, amount in tolerances.items():
            if amount < 0 or amount != amount.quantize(Decimal("0.001")):
                raise ValueError(f"tolerance of {code} must be a non-negative amount in fils")
        return tolerances


class DemoSettings(BaseModel):
    directory: Path = Path("var/demo")
    seed: int = 20261122
    employees: int = 400
    journal_lines: int = 4_000


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CONSOLIDATION_",
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    store: StoreSettings = StoreSettings()
    sources: SourcesSettings = SourcesSettings()
    odoo: OdooSettings = OdooSettings()
    demo: DemoSettings = DemoSettings()
    validation: ValidationSettings = ValidationSettings()
    mappings: MappingSettings = MappingSettings()
    matching: MatchingSettings = MatchingSettings()
    reconcile: ReconcileSettings = ReconcileSettings()
    operator: str = Field(default_factory=getpass.getuser)
    log_level: str = "WARNING"
