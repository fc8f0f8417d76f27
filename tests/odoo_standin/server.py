"""A small Odoo for tests: a real XML-RPC server on 127.0.0.1 holding records in memory.

It answers the two endpoints the product uses, as Odoo does:

* ``/xmlrpc/2/common``: ``version`` and ``authenticate(db, login, password, {})`` (uid or False);
* ``/xmlrpc/2/object``: ``execute_kw(db, uid, password, model, method, args, kwargs)``.

Methods are looked up per model first, then among the generic ones (``search_read``,
``search``, ``read``, ``search_count``, ``fields_get``, ``create``, ``write``, ``unlink``,
``load``, ``check_access_rights``), so a stand-in can add a model's own behaviour with
``register`` (``tests/odoo_standin/central.py`` builds the Odoo 17 central, with
``read_group`` from ``grouping``).
Each call is one transaction: every change it made is undone if it fails, as Odoo rolls back
the call's cursor. Faults read like Odoo's: 'Access Denied' (code 3), "Object x doesn't exist"
(a user error, code 2), otherwise a traceback whose last line names the error (code 1).

``faults`` injects what a network and a busy server do: a call refused before it runs (HTTP
503, or PostgreSQL's serialization failure), or a call that commits and then loses its answer
(the connection drops), for tests of retries and of resuming.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import functools
import json
import random
import re
import threading
import xmlrpc.client
from collections import defaultdict
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
    required: bool = False
    default: Any = None
    inverse: str | None = None
    """For a one2many: the many2one on the related model that points back."""
    related: tuple[str, str] | None = None
    """A stored related field: (a many2one of this model, the field it reads there), kept
    equal to it whenever either record changes, as Odoo recomputes ``related=..., store=True``."""

    @classmethod
    def of(cls, name: str, spec: FieldSpec | Field) -> Field:
        if isinstance(spec, Field):
            return spec if spec.string else _with_string(spec, name)
        if isinstance(spec, tuple):
            return cls(spec[0], spec[1], _label(name))
        return cls(spec, None, _label(name))

    def describe(self) -> dict[str, Any]:
        description: dict[str, Any] = {
            "type": self.type,
            "string": self.string,
            "required": self.required,
        }
        if self.relation is not None:
            description["relation"] = self.relation
        return description


def _label(name: str) -> str:
    return name.replace("_", " ").title()


def _with_string(spec: Field, name: str) -> Field:
    return dataclasses.replace(spec, string=_label(name))


Check = Callable[["OdooStandIn", "Model", dict[str, Any]], None]
"""A model's rule over one record after a create or write; raises a fault to refuse it."""


@dataclass
class Model:
    """A model's fields and records; a record stores None for empty, an id for a many2one.

    Records are replaced, never changed in place, so a transaction can undo a call by keeping
    the record dicts it started from.
    """

    name: str
    fields: dict[str, Field]
    records: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_id: int = 1
    checks: list[Check] = field(default_factory=list)
    order: str = "id"
    """The model's ``_order``: how a grouping by a many2one to it orders its groups."""

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
        defaults = {
            name: copy.copy(spec.default) for name, spec in self.fields.items() if spec.default
        }
        self.records[record_id] = {
            **dict.fromkeys(self.fields),
            **defaults,
            **values,
            "id": record_id,
        }
        return record_id


@dataclass
class FaultPlan:
    """Injected faults: each call is refused with ``refuse_rate`` (HTTP 503 or a serialization
    failure, nothing committed) or, with ``drop_rate``, committed and its answer lost.
    ``drop_next`` scripts lost answers: ``drop_next["account.move.action_post"] = 1`` commits
    the next such call and loses its answer, whatever the rates."""

    refuse_rate: float = 0.0
    drop_rate: float = 0.0
    seed: int = 0
    refused: int = 0
    dropped: int = 0
    drop_next: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def draw(self, call: str = "") -> str | None:
        if self.drop_next.get(call, 0) > 0:
            self.drop_next[call] -= 1
            self.dropped += 1
            return "drop"
        roll = self._random.random()
        if roll < self.refuse_rate:
            self.refused += 1
            return "refuse"
        if roll < self.refuse_rate + self.drop_rate:
            self.dropped += 1
            return "drop"
        return None


_call_state = threading.local()


def key_of(entry: dict[str, Any]) -> tuple[str, str]:
    """An ``ir.model.data`` entry's (module, name)."""
    return entry["module"], entry["name"]


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
        self.context: dict[str, Any] = {}
        self.faults = FaultPlan()
        self.denied_groups: set[str] = set()
        self.denied: set[tuple[str, str]] = set()
        """(model, operation) pairs the user may not do: check_access_rights says False."""
        self.calls: dict[str, int] = defaultdict(int)
        self._journal: list[tuple[Model, int, dict[str, Any] | None, int]] | None = None
        self._touched: dict[str, set[int]] = defaultdict(set)
        self.xid_index: dict[tuple[str, str], int] = {}
        """(module, name) → ir.model.data id, kept with every change to that model."""
        self.indexes: dict[tuple[str, tuple[str, ...]], dict[tuple[Any, ...], set[int]]] = {}
        """(model, fields) → the fields' values → the ids of the records holding them, kept with
        every change (``index_by``): an entry's lines, or a unique key's holders, without
        scanning the model."""
        self.display_names: dict[str, Callable[[dict[str, Any]], str]] = {}
        """model → its records' display name, where it is not their ``name``."""
        self.dependents: dict[str, dict[tuple[str, str], set[str]]] = {}
        """model → (another model, its many2one to it) → the fields its related fields read."""
        self._lock = threading.RLock()
        self._server: MultiPathXMLRPCServer | None = None
        self._thread: threading.Thread | None = None
        for name, method in GENERIC_METHODS.items():
            self.register(name, method)
        for name, method in WRITING_METHODS.items():
            self.register(name, method, writes=True)

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the Odoo stand-in is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def add_model(self, name: str, fields: dict[str, FieldSpec | Field]) -> Model:
        with self._lock:
            model = self.models.get(name)
            if model is None:
                model = self.models[name] = Model(name, {})
            for field_name, spec in fields.items():
                model.fields[field_name] = Field.of(field_name, spec)
            self._relate(model)
            return model

    def _relate(self, model: Model) -> None:
        """Note which models' stored related fields read ``model``'s (``dependents``)."""
        for spec in model.fields.values():
            if spec.related is None:
                continue
            via, source = spec.related
            parent = model.field(via).relation or ""
            known = self.dependents.setdefault(parent, {})
            known.setdefault((model.name, via), set()).add(source)

    def related_values(self, model: Model, record: dict[str, Any]) -> dict[str, Any]:
        """``record``'s stored related fields, read through its many2ones."""
        values: dict[str, Any] = {}
        for name, spec in model.fields.items():
            if spec.related is None:
                continue
            via, source = spec.related
            parents = self.models[model.field(via).relation or ""].records
            parent = parents.get(record[via]) if record.get(via) is not None else None
            values[name] = None if parent is None else parent.get(source)
        return values

    # --- changes, journalled so that a call (or a record of a ``load``) can be undone ---------

    def _remember(self, model: Model, record_id: int) -> None:
        if self._journal is not None:
            self._journal.append((model, record_id, model.records.get(record_id), model.next_id))

    def index_by(self, model: str, fields: tuple[str, ...]) -> None:
        """Index ``model``'s records by ``fields`` from now on (see ``indexes``)."""
        with self._lock:
            index: dict[tuple[Any, ...], set[int]] = {}
            for record in self.models[model].records.values():
                index.setdefault(tuple(record.get(f) for f in fields), set()).add(record["id"])
            self.indexes[(model, fields)] = index

    def holders(self, model: str, fields: tuple[str, ...], values: tuple[Any, ...]) -> list[int]:
        """The ids of ``model``'s records whose ``fields`` hold ``values``, in id order; the
        index is made on first use."""
        if (model, fields) not in self.indexes:
            self.index_by(model, fields)
        return sorted(self.indexes[(model, fields)].get(values, ()))

    def _track(
        self, model: Model, before: dict[str, Any] | None, after: dict[str, Any] | None
    ) -> None:
        for (name, fields), index in self.indexes.items():
            if name != model.name:
                continue
            if before is not None:
                index.get(tuple(before.get(f) for f in fields), set()).discard(before["id"])
            if after is not None:
                index.setdefault(tuple(after.get(f) for f in fields), set()).add(after["id"])

    def _reindex(self, model: Model, record_id: int, before: dict[str, Any] | None) -> None:
        self._track(model, before, model.records.get(record_id))
        if model.name != "ir.model.data":
            return
        if before is not None and self.xid_index.get(key_of(before)) == record_id:
            del self.xid_index[key_of(before)]
        after = model.records.get(record_id)
        if after is not None:
            # a duplicate (refused when the call's checks run) must not hide the original
            self.xid_index.setdefault(key_of(after), record_id)

    def insert(self, model: Model, values: dict[str, Any]) -> int:
        """A new record from stored values (ids for relations), with the model's defaults."""
        self._remember(model, model.next_id)
        record_id = model.create(values)
        related = self.related_values(model, model.records[record_id])
        if related:
            model.records[record_id] = {**model.records[record_id], **related}
        self._reindex(model, record_id, None)
        self._touched[model.name].add(record_id)
        return record_id

    def replace(self, model: Model, record_id: int, values: dict[str, Any]) -> None:
        self._remember(model, record_id)
        before = model.records[record_id]
        after = {**before, **values}
        after.update(self.related_values(model, after))
        model.records[record_id] = after
        self._reindex(model, record_id, before)
        self._touched[model.name].add(record_id)
        for (name, via), sources in self.dependents.get(model.name, {}).items():
            if any(before.get(source) != after.get(source) for source in sources):
                for dependent in self.holders(name, (via,), (record_id,)):
                    self.replace(self.models[name], dependent, {})

    def remove(self, model: Model, record_id: int) -> None:
        self._remember(model, record_id)
        before = model.records.pop(record_id)
        self._reindex(model, record_id, before)
        self._touched[model.name].discard(record_id)

    def savepoint(self) -> int:
        return len(self._journal or [])

    def rollback_to(self, savepoint: int) -> None:
        journal = self._journal or []
        while len(journal) > savepoint:
            model, record_id, previous, next_id = journal.pop()
            current = model.records.pop(record_id, None)
            if previous is not None:
                model.records[record_id] = previous
            if current is not None or previous is not None:
                self._reindex_undo(model, current, previous)
            model.next_id = next_id

    def _reindex_undo(
        self, model: Model, current: dict[str, Any] | None, previous: dict[str, Any] | None
    ) -> None:
        self._track(model, current, previous)
        if model.name != "ir.model.data":
            return
        if current is not None and self.xid_index.get(key_of(current)) == current["id"]:
            del self.xid_index[key_of(current)]  # an undone duplicate was never indexed
        if previous is not None:
            self.xid_index[(previous["module"], previous["name"])] = previous["id"]

    def run_checks(self) -> None:
        """Each touched record's model rules, as Odoo runs constraints when it flushes."""
        touched, self._touched = self._touched, defaultdict(set)
        for name, ids in touched.items():
            model = self.models[name]
            for record_id in sorted(ids):
                record = model.records.get(record_id)
                if record is not None:
                    for check in model.checks:
                        check(self, model, record)

    def add_records(
        self, model: str, fields: dict[str, FieldSpec | Field], records: Iterable[dict[str, Any]]
    ) -> list[int]:
        """Declare the model's fields (if new) and store the records; return their ids."""
        with self._lock:
            target = self.add_model(model, fields)
            ids = [target.create(dict(record)) for record in records]
            for record_id in ids:
                self._track(target, None, target.records[record_id])
            return ids

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
        context = kwargs.pop("context", None) or {}
        with self._lock:
            fault = self.faults.draw(f"{model}.{method}")
            if fault == "refuse":
                raise server_error(
                    "psycopg2.errors.SerializationFailure",
                    "could not serialize access due to concurrent update",
                )
            self.calls[f"{model}.{method}"] += 1
            target = self.models.get(model)
            if target is None:
                raise user_error(f"Object {model} doesn't exist")
            handler, writes = self._method(model, method)
            self.context = dict(context)
            with self._transaction(writes):
                try:
                    result = handler(self, target, *args, **kwargs)
                except TypeError as exc:
                    raise server_error("TypeError", str(exc)) from None
            if fault == "drop":
                _call_state.drop = True
            if result is None:
                # committed; XML-RPC cannot carry Odoo's None, so the answer is this fault
                raise server_error("TypeError", "cannot marshal None unless allow_none is enabled")
            return result

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
        self._journal = [] if writes else None
        self._touched = defaultdict(set)
        try:
            yield
            self.run_checks()
        except BaseException:
            self.rollback_to(0)
            raise
        finally:
            self._journal = None

    def display_name(self, model: str | None, record_id: int) -> str:
        found = self.models.get(model or "")
        record = found.records.get(record_id) if found is not None else None
        shown = self.display_names.get(model or "")
        if record is not None and shown is not None:
            return shown(record)
        if record is not None and (record.get("name") or record.get("display_name")):
            return str(record.get("name") or record.get("display_name"))
        return f"{model},{record_id}"


class _DroppingWriter:
    """The response stream; a call whose answer is to be lost writes nowhere."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def write(self, data: bytes) -> int:
        if getattr(_call_state, "drop", False):
            return len(data)
        return int(self.real.write(data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


class _Handler(SimpleXMLRPCRequestHandler):
    rpc_paths = ("/xmlrpc/2/common", "/xmlrpc/2/object")

    def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
        _call_state.drop = False
        self.wfile = _DroppingWriter(self.wfile)  # type: ignore[assignment]
        super().do_POST()
        if getattr(_call_state, "drop", False):
            self.close_connection = True
            self.wfile = self.wfile.real  # type: ignore[attr-defined]
            self.connection.shutdown(2)  # the client sees the connection reset, no answer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a test's output is not the place for request lines."""


def active_domain(standin: OdooStandIn, model: Model, domain: list[Any] | None) -> list[Any]:
    """Odoo hides archived records from a search unless the domain asks about ``active`` or
    the context says ``active_test: False``."""
    domain = list(domain or [])
    if "active" not in model.fields or standin.context.get("active_test") is False:
        return domain
    if any(isinstance(term, list | tuple) and term and term[0] == "active" for term in domain):
        return domain
    return [*domain, ["active", "=", True]]


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
    "=like": lambda value, other: (
        value is not None and _like(str(other)).match(str(value)) is not None
    ),
    "=ilike": lambda value, other: (
        value is not None and _like(str(other), re.IGNORECASE).match(str(value)) is not None
    ),
}


def _like(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """A SQL LIKE pattern ('%' any text, '_' one character) as a whole-string regex."""
    parts = ("." if c == "_" else ".*" if c == "%" else re.escape(c) for c in pattern)
    return re.compile(f"{''.join(parts)}\\Z", flags | re.DOTALL)


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
    if definition.type == "boolean" and operator in ("=", "!="):
        return (bool(value) == bool(other)) == (operator == "=")
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
    *,
    standin: OdooStandIn | None = None,
) -> list[dict[str, Any]]:
    ids = _candidates(standin, model, domain or [])
    pool = (
        model.records if ids is None else {i: model.records[i] for i in ids if i in model.records}
    )
    found = [record for record in sorted_records(pool) if matches(model, record, domain or [])]
    found = sort_records(model, found, order or "id asc")
    offset = int(offset or 0)
    return found[offset : offset + limit if limit else None]


def _candidates(standin: OdooStandIn | None, model: Model, domain: list[Any]) -> set[int] | None:
    """The ids a domain of plain ANDed terms can only match (by id, or by external id or its
    module through an index), so a look-up does not scan the model; None when it could match
    anything."""
    if any(not isinstance(term, (list, tuple)) for term in domain):
        return None  # '|', '!' or '&': scan
    terms = {(term[0], term[1]): term[2] for term in domain if len(term) == 3}
    found: set[int] | None = None
    for operator in ("in", "="):
        wanted = terms.get(("id", operator))
        if wanted is not None:
            ids = {int(i) for i in (wanted if isinstance(wanted, list) else [wanted])}
            found = ids if found is None else found & ids
    module = terms.get(("module", "="))
    if standin is not None and model.name == "ir.model.data" and isinstance(module, str):
        names = terms.get(("name", "in"), terms.get(("name", "=")))
        if names is not None:
            index = standin.xid_index
            listed = names if isinstance(names, list) else [names]
            ids = {index[(module, name)] for name in listed if (module, name) in index}
        else:
            ids = set(standin.holders(model.name, ("module",), (module,)))
        found = ids if found is None else found & ids
    return found


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
    found = search_records(
        model, active_domain(standin, model, domain), offset, limit, order, standin=standin
    )
    return [read_record(standin, model, record, names) for record in found]


def search(
    standin: OdooStandIn,
    model: Model,
    domain: list[Any] | None = None,
    offset: int = 0,
    limit: int | None = None,
    order: str | None = None,
) -> list[int]:
    domain = active_domain(standin, model, domain)
    found = search_records(model, domain, offset, limit, order, standin=standin)
    return [record["id"] for record in found]


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
    return len(search_records(model, active_domain(standin, model, domain), 0, limit))


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


# --- writing ------------------------------------------------------------------------------------


def stored_value(standin: OdooStandIn, model: Model, name: str, value: Any) -> Any:
    """A value as sent by a client, as the stand-in stores it (None for empty)."""
    definition = model.field(name)
    if definition.type == "boolean":
        return bool(value)
    if value is False or value == "":
        return None
    if definition.type == "many2one":
        if isinstance(value, list | tuple):
            value = value[0]
        target = standin.models.get(definition.relation or "")
        if target is None or int(value) not in target.records:
            raise server_error(
                "psycopg2.errors.ForeignKeyViolation",
                f'insert or update on table "{table_name(model)}" violates foreign key '
                f'constraint on "{name}": {definition.relation}({value}) does not exist',
            )
        return int(value)
    if definition.type == "monetary":
        return round(float(value), 3)
    if definition.type == "float":
        return float(value)
    if definition.type == "integer":
        return int(value)
    return value


def table_name(model: Model) -> str:
    return model.name.replace(".", "_")


def required_missing(model: Model, record: dict[str, Any]) -> str | None:
    for name, definition in model.fields.items():
        if definition.required and record.get(name) in (None, "", False):
            return name
    return None


def create_one(standin: OdooStandIn, model: Model, values: dict[str, Any]) -> int:
    """Create a record and the lines its one2many commands carry."""
    plain, commands = split_values(standin, model, values)
    record_id = standin.insert(model, plain)
    missing = required_missing(model, model.records[record_id])
    if missing is not None:
        raise server_error(
            "psycopg2.errors.NotNullViolation",
            f'null value in column "{missing}" of relation "{table_name(model)}" violates '
            "not-null constraint",
        )
    apply_commands(standin, model, record_id, commands)
    return record_id


def split_values(
    standin: OdooStandIn, model: Model, values: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    plain: dict[str, Any] = {}
    commands: dict[str, list[Any]] = {}
    for name, value in values.items():
        definition = model.field(name)
        if definition.type in ("one2many", "many2many"):
            commands[name] = list(value or [])
        else:
            plain[name] = stored_value(standin, model, name, value)
    return plain, commands


def apply_commands(
    standin: OdooStandIn, model: Model, record_id: int, commands: dict[str, list[Any]]
) -> None:
    """One2many commands: (0, 0, values) creates a line, (1, id, values) updates one,
    (2, id) deletes one, (4, id) links one, (6, 0, ids) replaces the set."""
    for name, items in commands.items():
        definition = model.field(name)
        lines = standin.models[definition.relation or ""]
        inverse = definition.inverse
        for command in items:
            code = command[0]
            if code == 0 and inverse:
                create_one(standin, lines, {**command[2], inverse: record_id})
            elif code == 1:
                write_one(standin, lines, int(command[1]), command[2])
            elif code == 2:
                standin.remove(lines, int(command[1]))
            elif code == 4 and inverse:
                write_one(standin, lines, int(command[1]), {inverse: record_id})
            elif code in (4, 6) and not inverse:
                linked = list(model.records[record_id].get(name) or [])
                added = [int(command[1])] if code == 4 else [int(i) for i in command[2]]
                standin.replace(model, record_id, {name: added if code == 6 else linked + added})
            else:
                raise server_error("ValueError", f"Unsupported command {command!r} on {name}")


def write_one(standin: OdooStandIn, model: Model, record_id: int, values: dict[str, Any]) -> None:
    if record_id not in model.records:
        raise user_error(
            f"Record does not exist or has been deleted.\n(Record: {model.name}({record_id},))"
        )
    plain, commands = split_values(standin, model, values)
    standin.replace(model, record_id, plain)
    missing = required_missing(model, model.records[record_id])
    if missing is not None:
        raise user_error(f"The field '{model.field(missing).string}' ({missing}) is required.")
    apply_commands(standin, model, record_id, commands)


def create(
    standin: OdooStandIn, model: Model, values: dict[str, Any] | list[dict[str, Any]]
) -> int | list[int]:
    if isinstance(values, list):
        return [create_one(standin, model, item) for item in values]
    return create_one(standin, model, values)


def write(standin: OdooStandIn, model: Model, ids: list[int] | int, values: dict[str, Any]) -> bool:
    for record_id in ids if isinstance(ids, list) else [ids]:
        write_one(standin, model, int(record_id), values)
    return True


def unlink(standin: OdooStandIn, model: Model, ids: list[int] | int) -> bool:
    """Delete records: their one2many lines go with them, and so do their external ids; any
    other record pointing at one of them refuses the deletion (ondelete restrict)."""
    asked = {int(i) for i in (ids if isinstance(ids, list) else [ids])}
    missing = sorted(asked - set(model.records))
    if missing:  # as Odoo 17: deleting a record twice is refused
        raise user_error(
            "Record does not exist or has been deleted.\n"
            f"(Record: {model.name}({missing[0]},), User: {standin.uid})"
        )
    wanted = asked
    owned = {
        (spec.relation, spec.inverse) for spec in model.fields.values() if spec.type == "one2many"
    }
    for other in list(standin.models.values()):
        for name, definition in other.fields.items():
            if definition.type != "many2one" or definition.relation != model.name:
                continue
            users = [r["id"] for r in other.records.values() if r.get(name) in wanted]
            if users and (other.name, name) in owned:
                unlink(standin, other, users)
            elif users and not (other is model and set(users) <= wanted):
                raise user_error(
                    "The operation cannot be completed: another model requires the record "
                    "being deleted. If possible, archive it instead.\n\n"
                    f"Model: {other.name}, Constraint: {table_name(other)}_{name}_fkey"
                )
    for record_id in sorted(wanted):
        standin.remove(model, record_id)
    data = standin.models.get("ir.model.data")
    if data is not None and model is not data:
        for entry in list(data.records.values()):
            if entry.get("model") == model.name and entry.get("res_id") in wanted:
                standin.remove(data, entry["id"])
    return True


def check_access_rights(
    standin: OdooStandIn, model: Model, operation: str, raise_exception: bool = True
) -> bool:
    allowed = (model.name, operation) not in standin.denied
    if not allowed and raise_exception:
        raise server_error(
            "odoo.exceptions.AccessError",
            f"You are not allowed to {operation} '{model.name}' records.",
        )
    return allowed


# --- load: Odoo's import, records and their external ids in one call --------------------------


def xid_lookup(standin: OdooStandIn, xid: str) -> tuple[str, int] | None:
    """(model, id) of an external id 'module.name', or None."""
    module, _, name = xid.partition(".")
    entry_id = standin.xid_index.get((module, name))
    if entry_id is None:
        return None
    entry = standin.models["ir.model.data"].records[entry_id]
    return str(entry["model"]), int(entry["res_id"])


def xid_register(standin: OdooStandIn, xid: str, model: Model, record_id: int) -> None:
    module, _, name = xid.partition(".")
    if not name:
        module, name = "__import__", module
    standin.insert(
        standin.models["ir.model.data"],
        {"module": module, "name": name, "model": model.name, "res_id": record_id},
    )


class ImportValueError(Exception):
    """A value a column cannot take; ``load`` reports it against the record."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def import_value(standin: OdooStandIn, model: Model, path: list[str], text: Any) -> Any:
    """A cell of an import, as the value ``create``/``write`` take."""
    name = path[0]
    definition = model.field(name)
    if text in ("", None, False):
        return False
    if definition.type == "many2one":
        target = standin.models[definition.relation or ""]
        if path[1:] == ["id"]:
            found = xid_lookup(standin, str(text))
            if found is None or found[1] not in target.records:
                raise ImportValueError(
                    f"No matching record found for external id '{text}' in field "
                    f"'{definition.string}'",
                    name,
                )
            return found[1]
        if path[1:] == [".id"]:
            if int(text) not in target.records:
                raise ImportValueError(
                    f"No matching record found for database id '{text}' in field "
                    f"'{definition.string}'",
                    name,
                )
            return int(text)
        raise ImportValueError(f"Unsupported import path {'/'.join(path)}", name)
    if definition.type == "boolean":
        return str(text).strip().lower() in ("1", "true", "yes")
    if definition.type in ("float", "monetary"):
        try:
            return float(text)
        except ValueError:
            raise ImportValueError(
                f"'{text}' does not seem to be a number for field '{definition.string}'", name
            ) from None
    if definition.type == "integer":
        return int(text)
    if definition.type == "json":
        try:
            return json.loads(str(text))
        except ValueError:
            raise ImportValueError(
                f"'{text}' does not seem to be a valid JSON for field '{definition.string}'", name
            ) from None
    if definition.type == "date":
        try:
            return date_text(str(text))
        except ValueError:
            raise ImportValueError(
                f"'{text}' does not seem to be a valid date for field '{definition.string}'", name
            ) from None
    return str(text)


def date_text(text: str) -> str:
    from datetime import date

    return date.fromisoformat(text).isoformat()


def load(
    standin: OdooStandIn, model: Model, fields: list[str], data: list[list[Any]]
) -> dict[str, Any]:
    """Odoo's ``load``: rows of text under import paths ('id', 'parent_id/id', 'line_ids/debit').

    A row whose own columns are all empty continues the record above with another line. A
    record with an external id that exists is updated, and so is each line with one. Any
    failing record fails the whole call: ``ids`` is False and nothing is kept.

    As Odoo 17 does (``BaseModel.load``), the records are first made all at once; if that
    fails they are made again one by one, each failure a message naming its record, and:

    * the one-by-one pass stops after 10 errors (when they are at least one in 10 records
      tried), with a warning; the records after it are not tried and not named;
    * when the all-at-once failure was a user error (a rule, not a database error), its message
      is put first, tagged with the call's *first* record, whatever record it came from
      (unless that very message is already there).
    A value a column cannot take is one more record error here (Odoo logs it while converting
    and still tries the record without it).
    """
    paths = [name.split("/") for name in fields]
    for path in paths:
        if path[0] != "id":
            model.field(path[0])
    nested = [
        index
        for index, path in enumerate(paths)
        if path[0] != "id" and model.field(path[0]).type == "one2many"
    ]
    own = [index for index in range(len(paths)) if index not in nested]
    records: list[tuple[int, int, list[Any], list[list[Any]]]] = []
    for number, row in enumerate(data):
        if not records or any(row[index] not in ("", None, False) for index in own):
            records.append((number, number, row, []))
        else:
            first, _, head, _ = records[-1]
            records[-1] = (first, number, head, records[-1][3])
        if any(row[index] not in ("", None, False) for index in nested):
            records[-1][3].append(row)
    load_one = functools.partial(load_record, standin, model, paths, own, nested)
    savepoint = standin.savepoint()
    try:
        ids = [load_one(head, lines) for _, _, head, lines in records]
        standin.run_checks()
        return {"ids": ids, "messages": [], "nextrow": 0}
    except ImportValueError:
        group_error = None
    except xmlrpc.client.Fault as fault:
        first, last = records[0][:2]
        group_error = (
            _fault_message(0, first, last, fault) if fault.faultCode == USER_ERROR else None
        )
    standin.rollback_to(savepoint)
    messages: list[dict[str, Any]] = []
    errors = 0
    for number, (first, last, head, lines) in enumerate(records):
        savepoint = standin.savepoint()
        try:
            load_one(head, lines)
            standin.run_checks()
        except ImportValueError as exc:
            standin.rollback_to(savepoint)
            messages.append(_message(number, first, last, str(exc), exc.field))
            errors += 1
        except xmlrpc.client.Fault as fault:
            standin.rollback_to(savepoint)
            messages.append(_fault_message(number, first, last, fault))
            errors += 1
        if errors >= LOAD_ERROR_CAP and errors >= (number + 1) / 10:
            messages.append({"type": "warning", "message": TOO_MANY_ERRORS})
            break
    if errors and group_error is not None and group_error not in messages:
        messages.insert(0, group_error)
    standin.rollback_to(0)
    return {"ids": False, "messages": messages, "nextrow": 0}


LOAD_ERROR_CAP = 10
TOO_MANY_ERRORS = (
    "Found more than 10 errors and more than one error per 10 records, interrupted to avoid "
    "showing too many errors."
)


def _fault_message(
    number: int, first: int, last: int, fault: xmlrpc.client.Fault
) -> dict[str, Any]:
    text = str(fault.faultString).strip().splitlines()
    if text and text[0].startswith("Traceback"):
        return _message(number, first, last, f"Unknown error during import: {text[-1]}", None)
    return _message(number, first, last, "\n".join(text), None)


def _message(record: int, first: int, last: int, text: str, field: str | None) -> dict[str, Any]:
    message: dict[str, Any] = {
        "type": "error",
        "record": record,
        "rows": {"from": first, "to": last},
        "message": text,
    }
    if field is not None:
        message["field"] = field
    return message


def load_record(
    standin: OdooStandIn,
    model: Model,
    paths: list[list[str]],
    own: list[int],
    nested: list[int],
    head: list[Any],
    lines: list[list[Any]],
) -> int:
    xid = next((str(head[i]) for i in own if paths[i] == ["id"] and head[i]), None)
    values: dict[str, Any] = {}
    for index in own:
        path = paths[index]
        if path[0] == "id":
            continue
        definition = model.field(path[0])
        value = import_value(standin, model, path, head[index])
        if definition.required and value is False:
            raise ImportValueError(
                f"Missing required value for the field '{definition.string}' ({path[0]})",
                path[0],
            )
        values[path[0]] = value
    existing = xid_lookup(standin, xid) if xid else None
    if existing is not None and existing[1] not in model.records:
        existing = None
    if existing is None:
        record_id = create_one(standin, model, values)
        if xid:
            xid_register(standin, xid, model, record_id)
    else:
        record_id = existing[1]
        write_one(standin, model, record_id, values)
    by_field: dict[str, list[int]] = {}
    for index in nested:
        by_field.setdefault(paths[index][0], []).append(index)
    for name, columns in by_field.items():
        definition = model.field(name)
        line_model = standin.models[definition.relation or ""]
        for line in lines:
            line_xid = next((str(line[i]) for i in columns if paths[i][1:] == ["id"]), "")
            line_values = {
                paths[i][1]: import_value(standin, line_model, paths[i][1:], line[i])
                for i in columns
                if paths[i][1:] != ["id"]
            }
            found = xid_lookup(standin, line_xid) if line_xid else None
            if found is not None and found[1] in line_model.records:
                write_one(standin, line_model, found[1], line_values)
            else:
                line_id = create_one(
                    standin, line_model, {**line_values, definition.inverse or "": record_id}
                )
                if line_xid:
                    xid_register(standin, line_xid, line_model, line_id)
        standin.replace(model, record_id, {})  # the record's own rules see its new lines
    return record_id


GENERIC_METHODS: dict[str, Method] = {
    "search_read": search_read,
    "search": search,
    "read": read,
    "search_count": search_count,
    "fields_get": fields_get,
    "check_access_rights": check_access_rights,
}

WRITING_METHODS: dict[str, Method] = {
    "create": create,
    "write": write,
    "unlink": unlink,
    "load": load,
}
