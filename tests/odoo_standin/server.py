"""A small Odoo for tests: a real XML-RPC server on 127.0.0.1 holding records in memory.

It answers the two endpoints the product uses, as Odoo does:

* ``/xmlrpc/2/common``: ``version`` and ``authenticate(db, login, password, {})`` (uid or False);
* ``/xmlrpc/2/object``: ``execute_kw(db, uid, password, model, method, args, kwargs)``.

Methods are looked up per model first, then among the generic ones (``search_read``,
``search``, ``read``, ``search_count``, ``fields_get``), so a test or a later stand-in can add a
model's own behaviour with ``register``. Each call is one transaction: a method registered as
writing sees its changes rolled back if it fails. Faults read like Odoo's: 'Access Denied'
(code 3), "Object x doesn't exist" (a user error, code 2), otherwise a traceback whose last line
names the error (code 1).
"""

from __future__ import annotations

import contextlib
import copy
import threading
import xmlrpc.client
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from xmlrpc.server import (
    MultiPathXMLRPCServer,
    SimpleXMLRPCDispatcher,
    SimpleXMLRPCRequestHandler,
)

FieldSpec = str | tuple[str, str]
"""A field's type ('char', 'float', 'boolean', ...), or (type, related model) for relations."""

Method = Callable[..., Any]
"""``method(standin, model, *args, **kwargs)``: one Odoo model method."""

ACCESS_DENIED = 3
USER_ERROR = 2
SERVER_ERROR = 1


def server_error(exception: str, message: str) -> xmlrpc.client.Fault:
    """A fault as Odoo sends an unexpected error: a traceback ending with the exception line."""
    return xmlrpc.client.Fault(
        SERVER_ERROR,
        f'Traceback (most recent call last):\n  File "odoo/service/model.py", line 1, in '
        f"execute_kw\n{exception}: {message}\n",
    )


def user_error(message: str) -> xmlrpc.client.Fault:
    return xmlrpc.client.Fault(USER_ERROR, message)


@dataclass(frozen=True)
class Field:
    type: str
    relation: str | None = None
    string: str = ""

    @classmethod
    def of(cls, name: str, spec: FieldSpec) -> Field:
        if isinstance(spec, tuple):
            return cls(spec[0], spec[1], name.replace("_", " ").title())
        return cls(spec, None, name.replace("_", " ").title())

    def describe(self) -> dict[str, Any]:
        description: dict[str, Any] = {"type": self.type, "string": self.string}
        if self.relation is not None:
            description["relation"] = self.relation
        return description


@dataclass
class Model:
    """A model's fields and records; a record stores None for empty, an id for a many2one."""

    name: str
    fields: dict[str, Field]
    records: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_id: int = 1

    def field(self, name: str) -> Field:
        if name == "id":
            return Field("integer", None, "ID")
        try:
            return self.fields[name]
        except KeyError:
            raise server_error(
                "ValueError", f"Invalid field {name!r} on model {self.name!r}"
            ) from None

    def create(self, values: dict[str, Any]) -> int:
        for name in values:
            if name != "id":
                self.field(name)
        record_id = int(values.get("id") or self.next_id)
        self.next_id = max(self.next_id, record_id + 1)
        self.records[record_id] = {
            **dict.fromkeys(self.fields),
            **values,
            "id": record_id,
        }
        return record_id


class OdooStandIn:
    """An Odoo XML-RPC server in a thread; use as a context manager, then point a client at
    ``url``."""

    uid = 2

    def __init__(
        self,
        db: str = "central",
        login: str = "admin",
        password: str = "admin",
        *,
        version: str = "17.0",
    ) -> None:
        self.db = db
        self.login = login
        self.password = password
        self.version = version
        self.models: dict[str, Model] = {}
        self._methods: dict[tuple[str | None, str], tuple[Method, bool]] = {}
        self._lock = threading.RLock()
        self._server: MultiPathXMLRPCServer | None = None
        self._thread: threading.Thread | None = None
        for name, method in GENERIC_METHODS.items():
            self.register(name, method)

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the Odoo stand-in is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def add_model(self, name: str, fields: dict[str, FieldSpec]) -> Model:
        with self._lock:
            model = self.models.get(name)
            if model is None:
                model = self.models[name] = Model(name, {})
            for field_name, spec in fields.items():
                model.fields[field_name] = Field.of(field_name, spec)
            return model

    def add_records(
        self, model: str, fields: dict[str, FieldSpec], records: Iterable[dict[str, Any]]
    ) -> list[int]:
        """Declare the model's fields (if new) and store the records; return their ids."""
        with self._lock:
            target = self.add_model(model, fields)
            return [target.create(dict(record)) for record in records]

    def records(self, model: str) -> list[dict[str, Any]]:
        """The stored records of a model, by id, as plain dicts (for assertions)."""
        with self._lock:
            found = self.models.get(model)
            return [] if found is None else copy.deepcopy(sorted_records(found.records))

    def register(
        self, method: str, handler: Method, *, model: str | None = None, writes: bool = False
    ) -> None:
        """Serve ``method`` with ``handler``, for one model or (``model=None``) for every model."""
        self._methods[(model, method)] = (handler, writes)

    def start(self) -> OdooStandIn:
        server = MultiPathXMLRPCServer(
            ("127.0.0.1", 0), requestHandler=_Handler, logRequests=False, allow_none=True
        )
        common = SimpleXMLRPCDispatcher(allow_none=True, encoding=None)
        common.register_function(self._version, "version")
        common.register_function(self._authenticate, "authenticate")
        common.register_function(self._authenticate, "login")
        server.add_dispatcher("/xmlrpc/2/common", common)
        objects = SimpleXMLRPCDispatcher(allow_none=True, encoding=None)
        objects.register_function(self._execute_kw, "execute_kw")
        server.add_dispatcher("/xmlrpc/2/object", objects)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self) -> OdooStandIn:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _version(self) -> dict[str, Any]:
        major, minor = (int(part) for part in self.version.split(".")[:2])
        return {
            "server_version": self.version,
            "server_version_info": [major, minor, 0, "final", 0, ""],
            "server_serie": self.version,
            "protocol_version": 1,
        }

    def _authenticate(
        self, db: str, login: str, password: str, user_agent_env: dict[str, Any] | None = None
    ) -> int | bool:
        self._check_db(db)
        return self.uid if (login, password) == (self.login, self.password) else False

    def _execute_kw(
        self,
        db: str,
        uid: int,
        password: str,
        model: str,
        method: str,
        args: list[Any],
        kwargs: dict[str, Any] | None = None,
    ) -> Any:
        self._check_db(db)
        if uid != self.uid or password != self.password:
            raise xmlrpc.client.Fault(ACCESS_DENIED, "Access Denied")
        kwargs = dict(kwargs or {})
        kwargs.pop("context", None)
        with self._lock:
            target = self.models.get(model)
            if target is None:
                raise user_error(f"Object {model} doesn't exist")
            handler, writes = self._method(model, method)
            with self._transaction(writes):
                try:
                    return handler(self, target, *args, **kwargs)
                except TypeError as exc:
                    raise server_error("TypeError", str(exc)) from None

    def _method(self, model: str, method: str) -> tuple[Method, bool]:
        found = self._methods.get((model, method)) or self._methods.get((None, method))
        if found is None:
            raise server_error("AttributeError", f"The method '{model}.{method}' does not exist")
        return found

    def _check_db(self, db: str) -> None:
        if db != self.db:
            raise server_error("psycopg2.OperationalError", f'database "{db}" does not exist')

    @contextlib.contextmanager
    def _transaction(self, writes: bool) -> Iterator[None]:
        """Undo a writing method's changes if it fails, as Odoo rolls back the call's cursor."""
        snapshot = copy.deepcopy(self.models) if writes else None
        try:
            yield
        except BaseException:
            if snapshot is not None:
                self.models = snapshot
            raise

    def display_name(self, model: str | None, record_id: int) -> str:
        found = self.models.get(model or "")
        record = found.records.get(record_id) if found is not None else None
        if record is not None and (record.get("name") or record.get("display_name")):
            return str(record.get("name") or record.get("display_name"))
        return f"{model},{record_id}"


class _Handler(SimpleXMLRPCRequestHandler):
    rpc_paths = ("/xmlrpc/2/common", "/xmlrpc/2/object")

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a test's output is not the place for request lines."""


def sorted_records(records: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    return [records[record_id] for record_id in sorted(records)]


def matches(model: Model, record: dict[str, Any], domain: list[Any]) -> bool:
    """Whether a record satisfies an Odoo domain: prefix '&', '|', '!'; '&' between terms."""
    position = 0

    def term() -> bool:
        nonlocal position
        if position >= len(domain):
            raise server_error("ValueError", f"Invalid domain {domain!r}")
        item = domain[position]
        position += 1
        if item in ("&", "|"):
            left, right = term(), term()
            return (left and right) if item == "&" else (left or right)
        if item == "!":
            return not term()
        return leaf(model, record, item)

    result = True
    while position < len(domain):
        result = term() and result
    return result


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda value, other: value == other,
    "!=": lambda value, other: value != other,
    "<>": lambda value, other: value != other,
    ">": lambda value, other: value is not None and value > other,
    ">=": lambda value, other: value is not None and value >= other,
    "<": lambda value, other: value is not None and value < other,
    "<=": lambda value, other: value is not None and value <= other,
    "in": lambda value, other: value in other,
    "not in": lambda value, other: value not in other,
    "like": lambda value, other: value is not None and str(other) in str(value),
    "not like": lambda value, other: value is None or str(other) not in str(value),
    "ilike": lambda value, other: value is not None and str(other).lower() in str(value).lower(),
    "not ilike": lambda value, other: value is None or str(other).lower() not in str(value).lower(),
}


def leaf(model: Model, record: dict[str, Any], term: Any) -> bool:
    if not (isinstance(term, list | tuple) and len(term) == 3):
        raise server_error("ValueError", f"Invalid leaf {term!r}")
    name, operator, other = term
    definition = model.field(name)
    compare = _OPERATORS.get(operator)
    if compare is None:
        raise server_error("ValueError", f"Invalid leaf {term!r}: unknown operator {operator!r}")
    value = record.get(name)
    if definition.type in ("one2many", "many2many"):
        ids = value or []
        if operator in ("in", "="):
            wanted = other if isinstance(other, list) else [other]
            return any(record_id in wanted for record_id in ids)
        if operator in ("not in", "!="):
            unwanted = other if isinstance(other, list) else [other]
            return not any(record_id in unwanted for record_id in ids)
    if other is False and operator in ("=", "!="):
        other = None  # Odoo: ('x', '=', False) means "x is empty"
    if operator in ("in", "not in") and isinstance(other, list):
        other = [None if item is False else item for item in other]
    try:
        return bool(compare(value, other))
    except TypeError:
        raise server_error(
            "ValueError", f"Invalid leaf {term!r}: cannot compare {value!r} with {other!r}"
        ) from None


def sort_records(model: Model, records: list[dict[str, Any]], order: str) -> list[dict[str, Any]]:
    """Records in an Odoo ``order`` ('name desc, id asc'); empty values last when ascending."""
    ordered = list(records)
    for part in reversed([part.strip() for part in order.split(",") if part.strip()]):
        name, *rest = part.split()
        direction = rest[0].lower() if rest else "asc"
        model.field(name)
        if direction not in ("asc", "desc") or len(rest) > 1:
            raise server_error("ValueError", f"Invalid order {order!r}")
        ordered.sort(
            key=lambda record: (record.get(name) is None, record.get(name)),
            reverse=direction == "desc",
        )
    return ordered


def field_names(model: Model, fields: list[str] | None) -> list[str]:
    if not fields:
        return list(model.fields)
    for name in fields:
        model.field(name)
    return [name for name in fields if name != "id"]


def read_value(standin: OdooStandIn, model: Model, name: str, value: Any) -> Any:
    """A stored value as Odoo sends it: False for empty, [id, name] for a many2one."""
    definition = model.field(name)
    if definition.type == "boolean":
        return bool(value)
    if definition.type in ("one2many", "many2many"):
        return list(value or [])
    if value is None:
        return False
    if definition.type == "many2one":
        return [value, standin.display_name(definition.relation, value)]
    return value


def read_record(
    standin: OdooStandIn, model: Model, record: dict[str, Any], fields: list[str]
) -> dict[str, Any]:
    values: dict[str, Any] = {"id": record["id"]}
    for name in fields:
        values[name] = read_value(standin, model, name, record.get(name))
    return values


def search_records(
    model: Model,
    domain: list[Any] | None,
    offset: int = 0,
    limit: int | None = None,
    order: str | None = None,
) -> list[dict[str, Any]]:
    found = [
        record for record in sorted_records(model.records) if matches(model, record, domain or [])
    ]
    found = sort_records(model, found, order or "id asc")
    offset = int(offset or 0)
    return found[offset : offset + limit if limit else None]


def search_read(
    standin: OdooStandIn,
    model: Model,
    domain: list[Any] | None = None,
    fields: list[str] | None = None,
    offset: int = 0,
    limit: int | None = None,
    order: str | None = None,
) -> list[dict[str, Any]]:
    names = field_names(model, fields)
    found = search_records(model, domain, offset, limit, order)
    return [read_record(standin, model, record, names) for record in found]


def search(
    standin: OdooStandIn,
    model: Model,
    domain: list[Any] | None = None,
    offset: int = 0,
    limit: int | None = None,
    order: str | None = None,
) -> list[int]:
    return [record["id"] for record in search_records(model, domain, offset, limit, order)]


def read(
    standin: OdooStandIn, model: Model, ids: list[int] | int, fields: list[str] | None = None
) -> list[dict[str, Any]]:
    names = field_names(model, fields)
    wanted = ids if isinstance(ids, list) else [ids]
    missing = [record_id for record_id in wanted if record_id not in model.records]
    if missing:
        raise user_error(
            f"Record does not exist or has been deleted.\n(Record: {model.name}({missing[0]},))"
        )
    return [read_record(standin, model, model.records[record_id], names) for record_id in wanted]


def search_count(
    standin: OdooStandIn, model: Model, domain: list[Any] | None = None, limit: int | None = None
) -> int:
    return len(search_records(model, domain, 0, limit))


def fields_get(
    standin: OdooStandIn,
    model: Model,
    allfields: list[str] | None = None,
    attributes: list[str] | None = None,
) -> dict[str, dict[str, Any]]:
    """Field descriptions; unknown names in ``allfields`` are left out, as Odoo does."""
    described = {"id": model.field("id"), **model.fields}
    names = [name for name in allfields if name in described] if allfields else list(described)
    result = {}
    for name in names:
        description = described[name].describe()
        if attributes:
            description = {key: description[key] for key in attributes if key in description}
        result[name] = description
    return result


GENERIC_METHODS: dict[str, Method] = {
    "search_read": search_read,
    "search": search,
    "read": read,
    "search_count": search_count,
    "fields_get": fields_get,
}
