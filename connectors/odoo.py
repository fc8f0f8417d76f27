"""Extract a model from a ministry's own Odoo, paged by id through ``search_read``, as text.

Odoo sends False for an empty value of any type, so the field types (``fields_get``) decide:
a boolean False is 'false', any other False is missing; a many2one [id, name] is its id; an
x2many list its ids joined by ','; a float its shortest exact repr, parsed exactly later.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, ClassVar

import pandas as pd

from connectors.base import Connector, ConnectorError
from consolidation.core.odoo_rpc import OdooError, XmlRpcTransport
from consolidation.core.sources import OdooEntity, OdooSource, secret_from_env

Convert = Callable[[Any], str | None]


class OdooConnector(Connector):
    """An Odoo server of a ministry; each entity is a model with its fields and domain."""

    kind: ClassVar[str] = "odoo"

    def _prepare(self) -> None:
        assert isinstance(self.spec, OdooSource)
        self.source = self.spec
        self._transport: XmlRpcTransport | None = None
        self._types: dict[str, dict[str, str]] = {}

    def estimate_rows(self, entity: str, *, since: datetime | None = None) -> int | None:
        spec = self._entity(entity)
        count = self._call(entity, "search_count", self._domain(spec, since))
        return int(count)

    def close(self) -> None:
        self._transport = None

    def _open(self, entity: str) -> list[str]:
        spec = self._entity(entity)
        found: dict[str, dict[str, Any]] = self._call(
            entity, "fields_get", spec.fields, attributes=["type"]
        )
        missing = [field for field in spec.fields if field not in found and field != "id"]
        if missing:
            raise self.error(
                f"{self._where(entity)} has no field {missing[0]!r}; "
                f"declared fields: {', '.join(spec.fields)}"
            )
        self._types[entity] = {field: str(found[field]["type"]) for field in found}
        return _columns(spec)

    def _frames(self, entity: str, *, since: datetime | None) -> Iterator[pd.DataFrame]:
        spec = self._entity(entity)
        if entity not in self._types:
            self._open(entity)
        fields = [field for field in _columns(spec) if field != "id"]
        converters = [field_converter(self._types[entity].get(field, "char")) for field in fields]
        domain = self._domain(spec, since)
        last_id = 0
        read = 0
        while True:
            records: list[dict[str, Any]] = self._call(
                entity,
                "search_read",
                [*domain, ["id", ">", last_id]],
                fields=fields,
                order="id asc",
                limit=self.chunk_size,
                context={"active_test": False},  # archived records (former staff) are data too
            )
            if not records:
                return
            data: dict[str, list[str | None]] = {"id": [str(record["id"]) for record in records]}
            for field, convert in zip(fields, converters, strict=True):
                try:
                    data[field] = [convert(record[field]) for record in records]
                except (TypeError, ValueError, IndexError, KeyError):
                    raise self._odd_value(entity, records, field, convert, read) from None
            yield pd.DataFrame(data, columns=_columns(spec), dtype=object)
            read += len(records)
            if len(records) < self.chunk_size:
                return
            last_id = int(records[-1]["id"])

    def _odd_value(
        self,
        entity: str,
        records: list[dict[str, Any]],
        field: str,
        convert: Convert,
        read: int,
    ) -> ConnectorError:
        """One line naming the record and field whose value has a shape its type does not
        allow (a server's customization, a broken record)."""
        for position, record in enumerate(records):
            try:
                convert(record.get(field))
            except (TypeError, ValueError, IndexError, KeyError):
                row = f"row {read + position + 1} (id {record.get('id')!r})"
                kind = self._types[entity].get(field, "char")
                shape = type(record.get(field)).__name__
                what = f"holds a value of type {shape}, which its {kind} field cannot hold"
                return self._unrepresentable(entity, row, field, what)
        return self.error(f"{self._where(entity)}: field {field!r} could not be read as text")

    def _where(self, entity: str) -> str:
        spec = self._entity(entity)
        return f"model {spec.model!r} at {self.source.url} (database {self.source.database!r})"

    def _entity(self, entity: str) -> OdooEntity:
        spec = self.entity_spec(entity)
        assert isinstance(spec, OdooEntity)
        return spec

    def _domain(self, spec: OdooEntity, since: datetime | None) -> list[Any]:
        domain: list[Any] = [list(term) for term in spec.domain]
        if since is not None:
            # Odoo keeps write_date on every model, in UTC.
            domain.append(["write_date", ">", since.strftime("%Y-%m-%d %H:%M:%S")])
        return domain

    def _call(self, entity: str, method: str, *args: Any, **kwargs: Any) -> Any:
        model = self._entity(entity).model
        try:
            return self._rpc().execute(model, method, *args, **kwargs)
        except OdooError as exc:
            raise self._odoo_error(entity, exc) from None

    def _odoo_error(self, entity: str, exc: OdooError) -> ConnectorError:
        # The transport's message already names the server.
        model = self._entity(entity).model
        return self.error(f"model {model!r}: {exc}", transient=exc.transient)

    def _rpc(self) -> XmlRpcTransport:
        if self._transport is None:
            password = secret_from_env(self.source.password_env, source=self.name)
            assert password is not None  # an Odoo source always names its password variable
            self._transport = XmlRpcTransport(
                self.source.url, self.source.database, self.source.login, password
            )
        return self._transport


def _columns(spec: OdooEntity) -> list[str]:
    return ["id", *[field for field in spec.fields if field != "id"]]


def field_converter(field_type: str) -> Convert:
    """How a value of an Odoo field of ``field_type`` becomes text (None for missing)."""
    return _CONVERTERS.get(field_type, _plain)


def _plain(value: Any) -> str | None:
    return None if value is False or value is None else str(value)


def _boolean(value: Any) -> str | None:
    return "true" if value else "false"


def _many2one(value: Any) -> str | None:
    return str(value[0]) if value else None


def _x2many(value: Any) -> str | None:
    return ",".join(str(record_id) for record_id in value) if value else None


def _number(value: Any) -> str | None:
    if value is False or value is None:
        return None
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


_CONVERTERS: dict[str, Convert] = {
    "boolean": _boolean,
    "many2one": _many2one,
    "one2many": _x2many,
    "many2many": _x2many,
    "float": _number,
    "monetary": _number,
    "integer": _number,
}
