"""The sources config: ministries and their source systems, declared in YAML without secrets.

A secret (a database or Odoo password) is never written in this file: a source names the
environment variable that holds it (``password_env``), and the value is read only where the
connection opens.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from consolidation.core.config_file import line_of, load_model, read_yaml
from consolidation.core.errors import ConfigError
from consolidation.core.types import CONTROL_ROLES

Domain = Literal["hr", "finance"]
Encoding = Literal["utf-8", "utf-8-sig", "cp1256"]
_NAME = r"^[a-z][a-z0-9_]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KeyPosition(_Strict):
    """A part of a source key taken from the row's position, for a source whose rows no column
    tells apart (a ledger export without line numbers, where two equal charges are two lines):

    - ``{ordinal_within: VCH_NO}`` (or a list of columns): the row's 1-based ordinal among the
      rows with the same values in those columns, in the source's order;
    - ``{row_number: true}``: the row's 1-based position in the entity.

    Such a key is as stable as the source's order: a file read again gives the same keys, and
    an SQL source is read ordered by its key columns and then every column, so rows that tie
    are identical and interchangeable. A re-export that reorders rows, or inserts one inside a
    group, renumbers the rows after it (within that group for ``ordinal_within``)."""

    ordinal_within: list[str] | None = None
    row_number: bool = False

    @field_validator("ordinal_within", mode="before")
    @classmethod
    def _one_or_more(cls, columns: object) -> object:
        return [columns] if isinstance(columns, str) else columns

    @model_validator(mode="after")
    def _exactly_one(self) -> KeyPosition:
        if (self.ordinal_within is None) == (not self.row_number):
            raise ValueError("a key position is {ordinal_within: COLUMN} or {row_number: true}")
        if self.ordinal_within is not None and not self.ordinal_within:
            raise ValueError("ordinal_within names at least one column")
        return self


KeyPart = str | KeyPosition


class EntitySpec(_Strict):
    """What every entity of a source declares: its key, expected columns and control totals."""

    key: list[KeyPart] = Field(
        min_length=1,
        description="Columns whose values form the source key; a part may be a position "
        "({ordinal_within: COLUMN} or {row_number: true}, see KeyPosition).",
    )
    columns: list[str] = Field(
        default_factory=list, description="Columns that must be present; checked before reading."
    )
    control: dict[str, str] = Field(
        default_factory=dict, description="Control-total role (debit, credit, salary) → column."
    )

    @field_validator("control")
    @classmethod
    def _known_roles(cls, control: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(control) - set(CONTROL_ROLES))
        if unknown:
            raise ValueError(
                f"unknown control role {unknown[0]!r}; expected one of {CONTROL_ROLES}"
            )
        return control

    def key_columns(self) -> list[str]:
        """The columns the key reads: its column parts and those its positions group by."""
        found: list[str] = []
        for part in self.key:
            found.extend([part] if isinstance(part, str) else part.ordinal_within or [])
        return list(dict.fromkeys(found))

    @property
    def positional(self) -> bool:
        """Whether a part of the key is the row's position."""
        return any(isinstance(part, KeyPosition) for part in self.key)

    def required_columns(self) -> list[str]:
        """Declared, key and control columns, in a stable order without repeats."""
        return list(dict.fromkeys([*self.columns, *self.key_columns(), *self.control.values()]))


class SqlEntity(EntitySpec):
    table: str | None = None
    query: str | None = None
    watermark: str | None = Field(default=None, description="Column for incremental --since.")

    @model_validator(mode="after")
    def _table_or_query(self) -> SqlEntity:
        if (self.table is None) == (self.query is None):
            raise ValueError("give exactly one of 'table' or 'query'")
        return self


class CsvEntity(EntitySpec):
    path: Path
    encoding: Encoding = "utf-8"
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    header_row: int = Field(default=1, ge=1, description="1-based line of the header.")


class ExcelEntity(EntitySpec):
    path: Path
    sheet: str | None = Field(default=None, description="Sheet name; the first sheet if unset.")
    header_row: int = Field(default=1, ge=1, description="1-based row of the header.")


class OdooEntity(EntitySpec):
    key: list[KeyPart] = Field(default_factory=lambda: list[KeyPart](["id"]), min_length=1)
    model: str
    fields: list[str] = Field(min_length=1)
    domain: list[list[str | int | float | bool | list[str | int] | None]] = Field(
        default_factory=list
    )


class _SourceBase(_Strict):
    ministry: str
    domain: Domain
    name: str = Field(description="A human name for the system, shown in reports.")


_PASSWORD_PARAMETER = re.compile(r"(?i)(?:^|[?&;\s])(password|passwd|pwd|pass)\s*=")


def without_password(url: str) -> str:
    """``url`` if it carries no password: not in its userinfo, nor as a query parameter or a
    DSN key (``?password=``, ``pwd=``, ``;PWD=``); otherwise a ValueError naming where."""
    if re.match(r"^[\w+.-]+://[^/@?#]*:[^/@?#]*@", url):
        raise ValueError("the URL holds a password; name an environment variable in password_env")
    found = _PASSWORD_PARAMETER.search(url)
    if found:
        raise ValueError(
            f"the URL holds a password ({found.group(1)}=…); name an environment variable in "
            "password_env"
        )
    return url


class SqlSource(_SourceBase):
    kind: Literal["sql"]
    url: str = Field(description="SQLAlchemy URL without a password.")
    password_env: str | None = None
    entities: dict[str, SqlEntity] = Field(min_length=1)

    @field_validator("url")
    @classmethod
    def _no_password_in_url(cls, url: str) -> str:
        return without_password(url)


class CsvSource(_SourceBase):
    kind: Literal["csv"]
    entities: dict[str, CsvEntity] = Field(min_length=1)


class ExcelSource(_SourceBase):
    kind: Literal["excel"]
    entities: dict[str, ExcelEntity] = Field(min_length=1)


class OdooSource(_SourceBase):
    kind: Literal["odoo"]
    url: str
    database: str
    login: str
    password_env: str
    entities: dict[str, OdooEntity] = Field(min_length=1)

    @field_validator("url")
    @classmethod
    def _no_password_in_url(cls, url: str) -> str:
        return without_password(url)


SourceSpec = Annotated[
    SqlSource | CsvSource | ExcelSource | OdooSource, Field(discriminator="kind")
]


class ContactSpec(_Strict):
    """Who at a ministry is told what waits for it (no secrets; addresses only)."""

    mail: list[str] = Field(default_factory=list, description="Addresses the digest goes to.")
    sms: list[str] = Field(default_factory=list, description="Numbers, +973…, for the SMS line.")

    @field_validator("mail")
    @classmethod
    def _addresses(cls, mail: list[str]) -> list[str]:
        for address in mail:
            if not re.match(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$", address):
                raise ValueError(f"{address!r} is not a mail address (name@example.bh)")
        return mail

    @field_validator("sms")
    @classmethod
    def _numbers(cls, sms: list[str]) -> list[str]:
        for number in sms:
            if not re.match(r"^\+\d{8,15}$", number):
                raise ValueError(f"{number!r} is not a phone number (+ and 8 to 15 digits)")
        return sms


class MinistrySpec(_Strict):
    name_ar: str
    name_en: str
    contacts: ContactSpec = Field(default_factory=ContactSpec)


class SourcesConfig(_Strict):
    ministries: dict[str, MinistrySpec] = Field(min_length=1)
    sources: dict[str, SourceSpec] = Field(min_length=1)
    base_dir: Path = Field(default=Path(), exclude=True)

    def source(self, name: str) -> SourceSpec:
        try:
            return self.sources[name]
        except KeyError:
            known = ", ".join(sorted(self.sources))
            raise ConfigError(f"unknown source {name!r}; the config declares: {known}") from None

    def resolve(self, path: Path) -> Path:
        """A file path of the config, relative to the config file's folder."""
        return path if path.is_absolute() else self.base_dir / path


def load_sources(path: Path) -> SourcesConfig:
    """Load and check a sources config; an error names the file, line, field and expectation."""
    config = load_model(path, SourcesConfig)
    _, lines = read_yaml(path)
    for name, source in config.sources.items():
        if not re.match(_NAME, name):
            raise ConfigError(
                f"{path}:{line_of(lines, ('sources', name))}: sources.{name}: "
                "a source name must be lower_snake_case"
            )
        if source.ministry not in config.ministries:
            raise ConfigError(
                f"{path}:{line_of(lines, ('sources', name, 'ministry'))}: sources.{name}.ministry: "
                f"{source.ministry!r} is not declared under ministries "
                f"({', '.join(sorted(config.ministries))})"
            )
    return config.model_copy(update={"base_dir": path.resolve().parent})


def secret_from_env(variable: str | None, *, source: str) -> SecretStr | None:
    """The secret a source names, read from the environment at connect time."""
    if variable is None:
        return None
    value = os.environ.get(variable)
    if value is None:
        raise ConfigError(
            f"source {source!r}: environment variable {variable} (its password) is not set"
        )
    return SecretStr(value)
