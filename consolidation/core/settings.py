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

from consolidation.core.types import CHUNK_ROWS, ReadLimits


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
    workbook_max_part_bytes: int = Field(
        default=ReadLimits.workbook_max_part_bytes,
        ge=1024,
        description="The largest uncompressed part (sheet XML) of a source workbook.",
    )
    workbook_max_ratio: int = Field(
        default=ReadLimits.workbook_max_ratio,
        ge=2,
        description="How far a workbook part over 1 MiB may be compressed.",
    )
    workbook_max_rows: int = Field(default=ReadLimits.workbook_max_rows, ge=1)
    workbook_max_columns: int = Field(default=ReadLimits.workbook_max_columns, ge=1)
    csv_max_field_chars: int = Field(default=ReadLimits.csv_max_field_chars, ge=16)

    def limits(self) -> ReadLimits:
        return ReadLimits(
            workbook_max_part_bytes=self.workbook_max_part_bytes,
            workbook_max_ratio=self.workbook_max_ratio,
            workbook_max_rows=self.workbook_max_rows,
            workbook_max_columns=self.workbook_max_columns,
            csv_max_field_chars=self.csv_max_field_chars,
        )


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


class WebSettings(BaseModel):
    """The stewards' web app: serving, sessions, sign-in limits and upload limits."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="How people reach the app; notifications link to it.",
    )
    secure_cookies: bool = Field(
        default=False,
        description="Behind HTTPS: the session cookie is Secure and named with __Host-.",
    )
    idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    absolute_hours: int = Field(default=12, ge=1, le=7 * 24)
    lockout_failures: int = Field(
        default=5, ge=1, le=100, description="Failed sign-ins in a row that lock a user out."
    )
    lockout_minutes: int = Field(default=15, ge=1, le=24 * 60)
    client_attempts_per_minute: int = Field(
        default=20, ge=1, le=10_000, description="Sign-in attempts one client address may make."
    )
    bulk_reauth_above: int = Field(
        default=100, ge=0, description="A bulk waive or reject of more issues asks the password."
    )
    reauth_minutes: int = Field(default=5, ge=1, le=60)
    page_size: int = Field(default=50, ge=10, le=500)
    upload_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)


class NotifySettings(BaseModel):
    """Ministries' digests: mail over SMTP, and an SMS gateway over HTTP (off by default)."""

    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: SecretStr | None = Field(default=None, description="Never logged.")
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    sender: str = "shared-services@consolidation.invalid"
    sms_enabled: bool = False
    sms_gateway_url: str | None = Field(
        default=None, description="An HTTP endpoint that takes {to, text} as JSON."
    )
    sms_token: SecretStr | None = Field(default=None, description="Bearer token; never logged.")


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
    web: WebSettings = WebSettings()
    notify: NotifySettings = NotifySettings()
    operator: str = Field(default_factory=getpass.getuser)
    log_level: str = "WARNING"
