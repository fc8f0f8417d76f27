"""The unified schema: one shape for every ministry's HR and finance records, plus control.

One cohesive table of declarations (every table of the store, in the order reference data,
control, HR, finance), which is why this module is long.

Money is ``Numeric(18, 3)`` with a currency beside it, ``Decimal`` in Python. On SQLite, which
has no exact decimal type, it is stored as an integer number of fils so sums stay exact.
Every unified row carries its lineage: the batch that staged it, its source system and key,
and a hash of its content.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship

from consolidation.core.errors import StoreError
from consolidation.core.money import CURRENCY, SCALE, to_fils

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


class Money(sa.types.TypeDecorator[Decimal]):
    """An exact amount: NUMERIC(precision, scale), or an integer count of 10^-scale on SQLite.

    Unified amounts are at fils (scale 3). Control totals keep what a source says at scale 6,
    since a legacy source may carry more decimals than BHD has.
    """

    impl = sa.Numeric
    cache_ok = True

    def __init__(self, precision: int = 18, scale: int = 3) -> None:
        super().__init__(precision=precision, scale=scale)
        self.precision = precision
        self.scale = scale
        self._unit = Decimal(1).scaleb(-scale)

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.BigInteger())
        return dialect.type_descriptor(sa.Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"money must be a Decimal, got {type(value).__name__}")
        if self.scale == SCALE:
            units = Decimal(to_fils(value))  # refuses sub-fils amounts rather than round them
        else:
            units = value.scaleb(self.scale).to_integral_value(rounding=ROUND_HALF_EVEN)
        if dialect.name != "sqlite":
            return units.scaleb(-self.scale)
        if not _INT64_MIN <= units <= _INT64_MAX:
            # no value in the message: one amount may be a person's salary
            limit = f"{Decimal(_INT64_MAX).scaleb(-self.scale):,}"
            raise StoreError(
                f"an amount is beyond what a SQLite store holds at {self.scale} decimals "
                f"(±{limit}); a PostgreSQL store holds NUMERIC({self.precision},{self.scale})"
            )
        return int(units)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-self.scale)
        return Decimal(value).quantize(self._unit)


def table_of(model: type[Any]) -> sa.Table:
    """A mapped class's table, typed as a Table for Core statements."""
    table: sa.Table = model.__table__
    return table


def _control() -> Mapped[Decimal]:
    """A control total as the source states it, at scale 6."""
    return mapped_column(Money(24, 6), default=Decimal("0.000000"))


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        Decimal: Money(),
        datetime: sa.DateTime(timezone=True),
        str: sa.String(255),
    }


def _currency() -> Mapped[str]:
    return mapped_column(sa.String(3), default=CURRENCY, server_default=CURRENCY)


class Domain(enum.StrEnum):
    HR = "hr"
    FINANCE = "finance"


class BatchStatus(enum.StrEnum):
    RUNNING = "running"
    EXTRACTED = "extracted"
    STAGED = "staged"
    LOADED = "loaded"
    FAILED = "failed"
    ROLLED_BACK = "rolled_back"
    INTERRUPTED = "interrupted"
    """Its process died (SIGKILL, a crash, a lost machine) before closing it: its accounting
    is incomplete; a rerun of the source starts a new batch."""


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


class IssueStatus(enum.StrEnum):
    OPEN = "open"
    FIXED = "fixed"
    WAIVED = "waived"
    REJECTED = "rejected"


def _enum(cls: type[enum.StrEnum], name: str) -> sa.Enum:
    return sa.Enum(
        cls, name=name, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]
    )


class Ministry(Base):
    __tablename__ = "ministry"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    name_ar: Mapped[str]
    name_en: Mapped[str]


class SourceSystem(Base):
    __tablename__ = "source_system"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    ministry_id: Mapped[int] = mapped_column(sa.ForeignKey("ministry.id"))
    kind: Mapped[str] = mapped_column(sa.String(16))
    domain: Mapped[Domain] = mapped_column(_enum(Domain, "domain"))
    name: Mapped[str]

    ministry: Mapped[Ministry] = relationship()


class Batch(Base):
    """One run of one source through the pipeline, with its row accounting and control totals."""

    __tablename__ = "batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_system_id: Mapped[int] = mapped_column(sa.ForeignKey("source_system.id"), index=True)
    domain: Mapped[Domain] = mapped_column(_enum(Domain, "domain"))
    status: Mapped[BatchStatus] = mapped_column(_enum(BatchStatus, "batch_status"))
    operator: Mapped[str] = mapped_column(sa.String(128))
    since: Mapped[datetime | None]
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    message: Mapped[str | None] = mapped_column(sa.Text)
    pid: Mapped[int | None] = mapped_column(
        comment="The process working on the batch, until it rests (extracted by extract alone, "
        "staged, failed); a dead one's batch is found and marked interrupted"
    )
    host: Mapped[str | None] = mapped_column(sa.String(255))
    heartbeat_at: Mapped[datetime | None]
    rows_extracted: Mapped[int] = mapped_column(default=0)
    rows_staged: Mapped[int] = mapped_column(default=0)
    rows_quarantined: Mapped[int] = mapped_column(default=0)
    rows_rejected: Mapped[int] = mapped_column(default=0)
    rows_withdrawn: Mapped[int] = mapped_column(
        default=0,
        server_default="0",
        comment="Of the quarantined and rejected, those whose earlier version was withdrawn "
        "from the store",
    )
    control_row_count: Mapped[int] = mapped_column(default=0)
    control_debit_amount: Mapped[Decimal] = _control()
    control_credit_amount: Mapped[Decimal] = _control()
    control_salary_amount: Mapped[Decimal] = _control()
    control_unparseable: Mapped[int] = mapped_column(default=0)
    currency: Mapped[str] = _currency()

    source_system: Mapped[SourceSystem] = relationship()
    entities: Mapped[list[BatchEntity]] = relationship(
        back_populates="batch", order_by="BatchEntity.entity", cascade="all, delete-orphan"
    )
    chunks: Mapped[list[RawChunkFile]] = relationship(
        back_populates="batch",
        order_by="(RawChunkFile.entity, RawChunkFile.number)",
        cascade="all, delete-orphan",
    )


class BatchEntity(Base):
    """Row accounting and control totals of one entity within a batch."""

    __tablename__ = "batch_entity"
    __table_args__ = (sa.UniqueConstraint("batch_id", "entity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("batch.id", ondelete="CASCADE"))
    entity: Mapped[str] = mapped_column(sa.String(64))
    rows_extracted: Mapped[int] = mapped_column(default=0)
    rows_staged: Mapped[int] = mapped_column(default=0)
    rows_quarantined: Mapped[int] = mapped_column(default=0)
    rows_rejected: Mapped[int] = mapped_column(default=0)
    rows_withdrawn: Mapped[int] = mapped_column(default=0, server_default="0")
    control_debit_amount: Mapped[Decimal] = _control()
    control_credit_amount: Mapped[Decimal] = _control()
    control_salary_amount: Mapped[Decimal] = _control()
    control_unparseable: Mapped[int] = mapped_column(default=0)
    currency: Mapped[str] = _currency()

    batch: Mapped[Batch] = relationship(back_populates="entities")


class RawChunkFile(Base):
    """One immutable Parquet file of raw records, with its checksum and key range."""

    __tablename__ = "raw_chunk"
    __table_args__ = (sa.UniqueConstraint("batch_id", "entity", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("batch.id", ondelete="CASCADE"))
    entity: Mapped[str] = mapped_column(sa.String(64))
    number: Mapped[int]
    path: Mapped[str] = mapped_column(sa.String(512))
    row_count: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    first_key: Mapped[str | None] = mapped_column(sa.String(512))
    last_key: Mapped[str | None] = mapped_column(sa.String(512))

    batch: Mapped[Batch] = relationship(back_populates="chunks")


class Lineage:
    """Where a unified row came from: its batch, source system and key, and a content hash.

    The lineage columns are indexed but are not foreign keys: on PostgreSQL every foreign key
    costs a trigger call per inserted row, which for millions of ledger lines was two thirds of
    the staging time. Only the pipeline writes them, from the batch it is running.
    """

    batch_id: Mapped[int] = mapped_column(index=True)
    source_system: Mapped[str] = mapped_column(sa.String(64))

    source_key: Mapped[str] = mapped_column(sa.String(255))
    row_hash: Mapped[str] = mapped_column(sa.String(64))

    @declared_attr.directive
    def __table_args__(self) -> tuple[Any, ...]:
        return (sa.UniqueConstraint("source_system", "source_key"),)


class Staged(Lineage):
    """A row staged from a source record. ``withdrawn`` marks a row whose source record's newer
    version is in the quarantine (or rejected): the source no longer has this version, so it is
    kept (its id, and its counterpart in the central Odoo) but left out of every total, count,
    match and load until a version passes again and replaces it."""

    withdrawn: Mapped[bool] = mapped_column(default=False, server_default=sa.false())


class LoadRun(Base):
    """One ``consolidate load`` into the central Odoo, with what it did per model."""

    __tablename__ = "load_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    operator: Mapped[str] = mapped_column(sa.String(128))
    central_url: Mapped[str] = mapped_column(sa.String(512), comment="Without credentials.")
    central_database: Mapped[str] = mapped_column(sa.String(128))
    sources: Mapped[str] = mapped_column(sa.Text)
    workers: Mapped[int]
    batch_size: Mapped[int]
    status: Mapped[str] = mapped_column(sa.String(16), comment="running, finished, failed")
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    summary: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    message: Mapped[str | None] = mapped_column(sa.Text)


class CentralRef(Base):
    """A unified row's counterpart in the central Odoo: model, id and external id.

    Written as soon as Odoo returns the ids of a chunk, so it is the load's checkpoint.
    ``batch_id`` is the pipeline batch the row came from (what ``batches rollback`` undoes);
    ministry-level records (departments, journals, analytic accounts) and the chart have none.
    ``scope`` tells apart the counterparts of one row in several companies (the multi-company
    mode gives each ministry's company its own copy of the chart).
    """

    __tablename__ = "central_ref"
    __table_args__ = (sa.UniqueConstraint("entity", "row_id", "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(sa.String(64))
    row_id: Mapped[int]
    scope: Mapped[str] = mapped_column(
        sa.String(64),
        default="",
        server_default=sa.text("''"),
        comment="The company of a per-company counterpart ('' when there is one).",
    )
    model: Mapped[str] = mapped_column(sa.String(64))
    central_id: Mapped[int]
    external_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    row_hash: Mapped[str] = mapped_column(sa.String(64))
    batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("batch.id"), index=True)
    load_run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("load_run.id"))
    state: Mapped[str] = mapped_column(
        sa.String(16),
        default="loaded",
        server_default="loaded",
        comment="loaded, draft, posted, archived",
    )
    loaded_at: Mapped[datetime]


class ValidationIssue(Base):
    """The quarantine: one row per rule failure, worked on by a data steward."""

    __tablename__ = "validation_issue"
    __table_args__ = (
        sa.UniqueConstraint(
            "source_system",
            "entity",
            "source_key",
            "rule_id",
            "field",
            name="uq_validation_issue_identity",
        ),
        # the issue list's default page (open issues by rule) reads 50 rows, not sorts them all
        sa.Index(
            "ix_validation_issue_status_rule", "status", "rule_id", "source_system", "source_key"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("batch.id"), index=True)
    source_system: Mapped[str] = mapped_column(sa.ForeignKey("source_system.code"), index=True)
    entity: Mapped[str] = mapped_column(sa.String(64))
    source_key: Mapped[str] = mapped_column(sa.String(255))
    rule_id: Mapped[str] = mapped_column(sa.String(128), index=True)
    severity: Mapped[Severity] = mapped_column(_enum(Severity, "severity"))
    field: Mapped[str] = mapped_column(sa.String(64), default="")
    value: Mapped[str | None] = mapped_column(sa.Text)
    message: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[IssueStatus] = mapped_column(
        _enum(IssueStatus, "issue_status"), default=IssueStatus.OPEN, index=True
    )
    created_at: Mapped[datetime]
    updated_by: Mapped[str | None] = mapped_column(sa.String(128))
    updated_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    """Bumped by every change: a steward's update names the version it saw (optimistic lock)."""

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class QuarantineRecord(Base):
    """A record kept out of the unified store: it has an error, or its parent has one (held).

    ``data`` is the mapped record as text; a steward's corrections go to ``corrected``, and
    ``consolidate revalidate`` lets a corrected record flow on once it passes. A correction
    keeps applying on every later run while the source record is the version it was made to
    (``corrected_row_hash``); when the source record changes it is flagged stale, not dropped.
    """

    __tablename__ = "quarantine_record"
    __table_args__ = (sa.UniqueConstraint("source_system", "entity", "source_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("batch.id"), index=True)
    source_system: Mapped[str] = mapped_column(sa.ForeignKey("source_system.code"), index=True)
    entity: Mapped[str] = mapped_column(sa.String(64))
    source_key: Mapped[str] = mapped_column(sa.String(255))
    reason: Mapped[str] = mapped_column(sa.String(16), comment="issue or held")
    held_by: Mapped[str | None] = mapped_column(sa.String(255))
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    corrected: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    corrected_row_hash: Mapped[str | None] = mapped_column(
        sa.String(64), comment="The version of the source record the corrections were made to"
    )
    correction_stale: Mapped[bool] = mapped_column(
        default=False,
        server_default=sa.false(),
        comment="The source record changed since it was corrected: the steward should look again",
    )
    status: Mapped[IssueStatus] = mapped_column(
        _enum(IssueStatus, "issue_status"), default=IssueStatus.OPEN, index=True
    )
    updated_by: Mapped[str | None] = mapped_column(sa.String(128))
    updated_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    """Bumped by every change: a steward's update names the version it saw (optimistic lock)."""

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class MatchReview(Base):
    """A candidate pair in the grey zone, waiting for a steward to merge or keep apart."""

    __tablename__ = "match_review"
    __table_args__ = (sa.UniqueConstraint("kind", "record_a", "record_b"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16), comment="person or vendor")
    record_a: Mapped[str] = mapped_column(sa.String(255))
    record_b: Mapped[str] = mapped_column(sa.String(255))
    score: Mapped[float] = mapped_column(sa.Float)
    reasons: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(
        sa.String(16), default="open", comment="open, merged, apart"
    )
    decided_by: Mapped[str | None] = mapped_column(sa.String(128))
    decided_at: Mapped[datetime | None]


class ControlTotal(Base):
    """What a source says it holds, per ministry, entity, source account and period."""

    __tablename__ = "control_total"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("batch.id", ondelete="CASCADE"), index=True)
    ministry_id: Mapped[int] = mapped_column(sa.ForeignKey("ministry.id"), index=True)
    source_system: Mapped[str] = mapped_column(sa.ForeignKey("source_system.code"))
    entity: Mapped[str] = mapped_column(sa.String(64))
    account_code: Mapped[str | None] = mapped_column(sa.String(64))
    period: Mapped[str | None] = mapped_column(sa.String(7))
    row_count: Mapped[int]
    debit_amount: Mapped[Decimal] = _control()
    credit_amount: Mapped[Decimal] = _control()
    salary_amount: Mapped[Decimal] = _control()
    currency: Mapped[str] = _currency()


class AuditEvent(Base):
    """Who did what, when, to what."""

    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("ix_audit_event_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(sa.String(128))
    action: Mapped[str] = mapped_column(sa.String(64))
    target_type: Mapped[str] = mapped_column(sa.String(64))
    target_id: Mapped[str] = mapped_column(sa.String(255))
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)


class Person(Lineage, Base):
    """One human, keyed by national id (CPR) where known; the golden record across ministries."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_key: Mapped[str] = mapped_column(
        sa.String(64), unique=True, comment="Stable id of the matched cluster."
    )
    national_id: Mapped[str | None] = mapped_column(sa.String(9), unique=True)
    name_ar: Mapped[str | None] = mapped_column(sa.String(255))
    name_en: Mapped[str | None] = mapped_column(sa.String(255))
    birth_date: Mapped[date | None]
    gender: Mapped[str | None] = mapped_column(sa.String(8))
    nationality: Mapped[str | None] = mapped_column(sa.String(2))


class PersonSource(Staged, Base):
    """One source record's view of a person, linked to the golden person it was matched to.

    Nothing is thrown away by a merge: every source record keeps its own values here, and a
    merge is undone by re-linking a record to a new person.
    """

    __tablename__ = "person_source"

    id: Mapped[int] = mapped_column(primary_key=True)
    ministry_id: Mapped[int] = mapped_column(sa.ForeignKey("ministry.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"), index=True)
    national_id: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    name_ar: Mapped[str | None]
    name_en: Mapped[str | None]
    birth_date: Mapped[date | None]
    gender: Mapped[str | None] = mapped_column(sa.String(8))
    nationality: Mapped[str | None] = mapped_column(sa.String(2))
    recency: Mapped[datetime | None]
    match_method: Mapped[str | None] = mapped_column(sa.String(16))
    match_score: Mapped[float | None] = mapped_column(sa.Float, comment="Name similarity, 0-100.")


class OrgUnit(Staged, Base):
    """A department, section or school, in a hierarchy per ministry."""

    __tablename__ = "org_unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    ministry_id: Mapped[int] = mapped_column(sa.ForeignKey("ministry.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(64))
    name_ar: Mapped[str | None]
    name_en: Mapped[str | None]
    parent_code: Mapped[str | None] = mapped_column(sa.String(64))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_unit.id"))


class Grade(Staged, Base):
    """A pay grade of a ministry, with its salary band."""

    __tablename__ = "grade"

    id: Mapped[int] = mapped_column(primary_key=True)
    ministry_id: Mapped[int] = mapped_column(sa.ForeignKey("ministry.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(32))
    name: Mapped[str | None]
    min_salary_amount: Mapped[Decimal | None]
    max_salary_amount: Mapped[Decimal | None]
    currency: Mapped[str] = _currency()


class Job(Staged, Base):
    """A job or position of a ministry."""

    __tablename__ = "job"

    id: Mapped[int] = mapped_column(primary_key=True)
    ministry_id: Mapped[int] = mapped_column(sa.ForeignKey("ministry.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(64))
    title_ar: Mapped[str | None]
    title_en: Mapped[str | None]
    grade_code: Mapped[str | None] = mapped_column(sa.String(32))
    grade_id: Mapped[int | None] = mapped_column(sa.ForeignKey("grade.id"))


class Employment(Staged, Base):
    """A person's post in one ministry; a person may hold several, in several ministries."""

    __tablename__ = "employment"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"), index=True)
    ministry_id: Mapped[int] = mapped_column(sa.ForeignKey("ministry.id"), index=True)
    employee_no: Mapped[str] = mapped_column(sa.String(64))
    org_unit_code: Mapped[str] = mapped_column(sa.String(64))
    job_code: Mapped[str] = mapped_column(sa.String(64))
    grade_code: Mapped[str | None] = mapped_column(sa.String(32))
    org_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_unit.id"))
    job_id: Mapped[int | None] = mapped_column(sa.ForeignKey("job.id"))
    grade_id: Mapped[int | None] = mapped_column(sa.ForeignKey("grade.id"))
    hire_date: Mapped[date | None]
    end_date: Mapped[date | None]
    status: Mapped[str] = mapped_column(sa.String(16))
    base_salary_amount: Mapped[Decimal | None]
    currency: Mapped[str] = _currency()
    iban: Mapped[str | None] = mapped_column(sa.String(34))
    email: Mapped[str | None]
    phone: Mapped[str | None] = mapped_column(sa.String(32))


class PayrollLine(Staged, Base):
    """One pay component of one employment for one period."""

    __tablename__ = "payroll_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    employment_id: Mapped[int] = mapped_column(sa.ForeignKey("employment.id"), index=True)
    employee_no: Mapped[str] = mapped_column(sa.String(64))
    period: Mapped[str] = mapped_column(sa.String(7), comment="YYYY-MM")
    component: Mapped[str] = mapped_column(sa.String(64))
    amount: Mapped[Decimal]
    currency: Mapped[str] = _currency()


class Account(Base):
    """The unified chart of accounts."""

    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name_ar: Mapped[str | None]
    name_en: Mapped[str | None]
    account_type: Mapped[str] = mapped_column(sa.String(32))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id"))


class AccountCrosswalk(Base):
    """A ministry's source account code mapped to a unified account."""

    __tablename__ = "account_crosswalk"
    __table_args__ = (sa.UniqueConstraint("ministry_id", "source_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ministry_id: Mapped[int] = mapped_column(sa.ForeignKey("ministry.id"))
    source_code: Mapped[str] = mapped_column(sa.String(64))
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id"))


class Partner(Lineage, Base):
    """A vendor, the golden record across ministries."""

    __tablename__ = "partner"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_key: Mapped[str] = mapped_column(
        sa.String(64), unique=True, comment="Stable id of the matched cluster."
    )
    cr_number: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    vat_number: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    iban: Mapped[str | None] = mapped_column(sa.String(34))
    name_ar: Mapped[str | None]
    name_en: Mapped[str | None]


class PartnerSource(Staged, Base):
    """One source record's view of a vendor, linked to the golden partner it was matched to."""

    __tablename__ = "partner_source"

    id: Mapped[int] = mapped_column(primary_key=True)
    ministry_id: Mapped[int] = mapped_column(sa.ForeignKey("ministry.id"), index=True)
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partner.id"), index=True)
    vendor_no: Mapped[str] = mapped_column(sa.String(64))
    cr_number: Mapped[str | None] = mapped_column(sa.String(32))
    vat_number: Mapped[str | None] = mapped_column(sa.String(32))
    iban: Mapped[str | None] = mapped_column(sa.String(34))
    name_ar: Mapped[str | None]
    name_en: Mapped[str | None]
    recency: Mapped[datetime | None]
    match_method: Mapped[str | None] = mapped_column(sa.String(16))


class SourceAccount(Staged, Base):
    """An account of a ministry's own chart, with the unified account the crosswalk gives it."""

    __tablename__ = "source_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    ministry_id: Mapped[int] = mapped_column(sa.ForeignKey("ministry.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(64))
    name_ar: Mapped[str | None]
    name_en: Mapped[str | None]
    account_type: Mapped[str | None] = mapped_column(sa.String(32))
    parent_code: Mapped[str | None] = mapped_column(sa.String(64))
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id"))


class JournalEntry(Staged, Base):
    __tablename__ = "journal_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    ministry_id: Mapped[int] = mapped_column(sa.ForeignKey("ministry.id"), index=True)
    entry_date: Mapped[date]
    period: Mapped[str] = mapped_column(sa.String(7), index=True, comment="YYYY-MM")
    reference: Mapped[str | None]
    description: Mapped[str | None] = mapped_column(sa.Text)


class JournalLine(Staged, Base):
    """A ledger line. Its references (entry, account, partner) are not foreign keys: a million
    lines would pay a trigger call per row and reference on PostgreSQL. Every batch that
    writes lines checks them set-based before it commits (``consolidation.core.integrity``)
    and an orphan aborts it, so the guarantee is the same."""

    __tablename__ = "journal_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(index=True)
    entry_no: Mapped[str] = mapped_column(sa.String(64))
    account_id: Mapped[int] = mapped_column(index=True)
    source_account_code: Mapped[str] = mapped_column(sa.String(64))
    vendor_no: Mapped[str | None] = mapped_column(sa.String(64))
    partner_id: Mapped[int | None]
    debit_amount: Mapped[Decimal]
    credit_amount: Mapped[Decimal]
    currency: Mapped[str] = _currency()
    description: Mapped[str | None] = mapped_column(sa.Text)
    cost_centre: Mapped[str | None] = mapped_column(sa.String(64))


class OpeningBalance(Staged, Base):
    __tablename__ = "opening_balance"

    id: Mapped[int] = mapped_column(primary_key=True)
    ministry_id: Mapped[int] = mapped_column(sa.ForeignKey("ministry.id"), index=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id"))
    source_account_code: Mapped[str] = mapped_column(sa.String(64))
    fiscal_year: Mapped[int]
    debit_amount: Mapped[Decimal]
    credit_amount: Mapped[Decimal]
    currency: Mapped[str] = _currency()


class ReconcileRun(Base):
    """One ``consolidate reconcile``: its scope, the fingerprint of what it compared (batches
    and raw checksums, the Odoo, the time and the operator) and its outcome."""

    __tablename__ = "reconcile_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    operator: Mapped[str] = mapped_column(sa.String(128))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    scope_key: Mapped[str] = mapped_column(
        sa.String(255), index=True, comment="The scope as text: runs of one scope are compared"
    )
    scope: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    fingerprint: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    outcome: Mapped[str] = mapped_column(
        sa.String(16), comment="reconciled, explained or unexplained"
    )
    result: Mapped[dict[str, Any]] = mapped_column(
        sa.JSON, default=dict, comment="Explanations, differences, headcount and notes"
    )


class ReconcileCell(Base):
    """One cell of a run: a ministry, account and period of one comparison, both sides and what
    explains the difference, exact at scale 6 (a source may state more decimals than BHD)."""

    __tablename__ = "reconcile_cell"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(
        sa.ForeignKey("reconcile_run.id", ondelete="CASCADE"), index=True
    )
    comparison: Mapped[str] = mapped_column(sa.String(32))
    ministry: Mapped[str] = mapped_column(sa.String(16))
    account: Mapped[str] = mapped_column(sa.String(64))
    period: Mapped[str] = mapped_column(sa.String(7))
    status: Mapped[str] = mapped_column(sa.String(16))
    left_count: Mapped[int]
    left_debit_amount: Mapped[Decimal] = _control()
    left_credit_amount: Mapped[Decimal] = _control()
    right_count: Mapped[int]
    right_debit_amount: Mapped[Decimal] = _control()
    right_credit_amount: Mapped[Decimal] = _control()
    quarantined_count: Mapped[int]
    quarantined_debit_amount: Mapped[Decimal] = _control()
    quarantined_credit_amount: Mapped[Decimal] = _control()
    rejected_count: Mapped[int]
    rejected_debit_amount: Mapped[Decimal] = _control()
    rejected_credit_amount: Mapped[Decimal] = _control()
    tolerance_amount: Mapped[Decimal | None] = mapped_column(Money(24, 6))
    currency: Mapped[str] = _currency()


class ReconcileSignoff(Base):
    """A finance officer's sign-off of a ministry-period on a run; ``digest`` holds, per
    comparison, a hash of the signed cells, so a later run that finds one changed reopens it."""

    __tablename__ = "reconcile_signoff"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("reconcile_run.id"), index=True)
    ministry: Mapped[str] = mapped_column(sa.String(16))
    period: Mapped[str] = mapped_column(sa.String(7))
    signed_by: Mapped[str] = mapped_column(sa.String(128))
    signed_at: Mapped[datetime]
    note: Mapped[str] = mapped_column(sa.Text)
    digest: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    status: Mapped[str] = mapped_column(sa.String(16), default="signed", comment="signed, reopened")
    reopened_at: Mapped[datetime | None]
    reopened_by_run: Mapped[int | None] = mapped_column(sa.ForeignKey("reconcile_run.id"))


class AppUser(Base):
    """A person who signs in to the web app: a role, and for a steward the ministries it holds.
    Only an argon2 hash of the password is kept; there is no default user and no default
    password (the first admin is made from the CLI)."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    role: Mapped[str] = mapped_column(sa.String(16), comment="admin, steward, finance, auditor")
    ministries: Mapped[list[str]] = mapped_column(
        sa.JSON, default=list, comment="A steward's ministries; empty for the other roles"
    )
    password_hash: Mapped[str] = mapped_column(sa.String(255), comment="argon2id, never a password")
    disabled: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(sa.String(128))
    password_changed_at: Mapped[datetime]
    failed_signins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(
        comment="Sign-in refused until then, after repeated failures"
    )
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class AppSession(Base):
    """A signed-in browser, kept on the server so that sign-out, disabling a user or an admin
    ends it at once. The cookie holds a random token; only its SHA-256 is stored here."""

    __tablename__ = "app_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    reauthenticated_at: Mapped[datetime | None] = mapped_column(
        comment="The last time the password was asked again (bulk actions)"
    )
    ended_at: Mapped[datetime | None]
    ended_reason: Mapped[str | None] = mapped_column(sa.String(32))
    language: Mapped[str] = mapped_column(sa.String(2), default="en", server_default="en")


class SigninAttempt(Base):
    """Every sign-in attempt, for the rate limit (per username and per client address)."""

    __tablename__ = "signin_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    username: Mapped[str] = mapped_column(sa.String(64), index=True)
    client: Mapped[str] = mapped_column(sa.String(64), index=True)
    succeeded: Mapped[bool]


class NotificationDigest(Base):
    """A digest sent (or tried) to a ministry's contacts; ``fingerprint`` identifies its content
    so the same digest is never sent twice. It holds counts only, never personal data."""

    __tablename__ = "notification_digest"
    __table_args__ = (sa.UniqueConstraint("ministry", "channel", "fingerprint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ministry: Mapped[str] = mapped_column(sa.String(16), index=True)
    channel: Mapped[str] = mapped_column(sa.String(16), comment="mail or sms")
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    recipients: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    status: Mapped[str] = mapped_column(sa.String(16), comment="sent or failed")
    attempted_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(sa.Text)
    content: Mapped[dict[str, Any]] = mapped_column(
        sa.JSON, default=dict, comment="The counts the digest told: open by rule, resolved, oldest"
    )


class BackgroundJob(Base):
    """Long work started from the web app (revalidation), with its progress. ``lock_key`` is
    set while the job runs and cleared when it ends, so a second job of the same key is refused
    by the unique constraint, across processes; a job whose heartbeat stopped is taken over."""

    __tablename__ = "background_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    lock_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    state: Mapped[str] = mapped_column(sa.String(16), comment="running, done, failed, interrupted")
    started_by: Mapped[str] = mapped_column(sa.String(128))
    started_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    done: Mapped[int] = mapped_column(default=0, server_default="0")
    total: Mapped[int | None]
    stage: Mapped[str | None] = mapped_column(sa.String(64))
    message: Mapped[str | None] = mapped_column(sa.Text)
    result: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    pid: Mapped[int | None]
    host: Mapped[str | None] = mapped_column(
        sa.String(255), comment="With pid: a holder dead on this host is taken over at once"
    )
