"""``read_group`` as Odoo 17 answers it over XML-RPC (``execute_kw``), for the stand-in of the
central Odoo; the shape of its groups is in :func:`read_group`."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from tests.odoo_standin.server import (
    Model,
    OdooStandIn,
    active_domain,
    read_value,
    search_records,
    server_error,
)

NUMBERS = ("integer", "float", "monetary")
AGGREGATE = re.compile(r"^(\w+)(?::(\w+)(?:\((\w+)\))?)?$")
TRUE_LEAF = (1, "=", 1)
FALSE_LEAF = (0, "=", 1)
ARITY = {"!": 1, "&": 2, "|": 2}


def read_group(
    standin: OdooStandIn,
    model: Model,
    domain: list[Any],
    fields: list[str],
    groupby: list[str] | str,
    offset: int = 0,
    limit: int | None = None,
    orderby: str | bool = False,
    lazy: bool = True,
) -> list[dict[str, Any]]:
    """Odoo 17's ``read_group(domain, fields, groupby, offset=0, limit=None, orderby=False,
    lazy=True)``.

    With ``lazy=False`` each group dict holds, as measured on Odoo 17.0::

        {"journal_id": [3, "Miscellaneous Operations"],  # many2one: [id, display_name] | False
         "account_id": [41, "101401 Bank"],
         "date:month": "January 2025",             # the key as asked: a label, not a date
         "parent_state": "posted",                 # selection or char: the value | False
         "debit": 3.003, "credit": 0.0,            # 'debit:sum' comes back as 'debit', a float
         "__count": 2,                             # the group's number of records
         "__range": {"date:month": {"from": "2025-01-01", "to": "2025-02-01"}},  # to: exclusive
         "__domain": ["&", "&", "&", "&", "&", <the domain asked, as given>,
                      ["journal_id", "=", 3], ["account_id", "=", 41],
                      "&", ["date", ">=", "2025-01-01"], ["date", "<", "2025-02-01"],
                      ["parent_state", "=", "posted"]]}

    ``__range`` is there only when a date is grouped (``{key: False}`` for the group of empty
    dates). ``__domain`` is the domain asked ANDed with each grouping's terms in turn (Odoo's
    ``expression.AND``: the '&' operators go in front). With ``lazy=True`` only the first
    grouping is made, its count is ``<field>_count`` instead of ``__count``, and the groupings
    left are in ``__context: {"group_by": [...]}``. Groups come in the groupings' order: by a
    many2one's model ``_order`` (``account.move``: newest first), anything else ascending,
    empty last. A plain number field in ``fields`` is summed; a grouped one is not.
    """
    specs = [groupby] if isinstance(groupby, str) else list(groupby or [])
    grouped = [Grouping.of(model, spec) for spec in (specs[:1] if lazy else specs)]
    count_key = f"{grouped[0].name}_count" if lazy and len(grouped) == 1 else "__count"
    measures = _measures(model, fields, specs)
    buckets: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for record in search_records(model, active_domain(standin, model, domain), standin=standin):
        key = tuple(grouping.value(record) for grouping in grouped)
        buckets.setdefault(key, []).append(record)
    rows = []
    for key, records in buckets.items():
        row: dict[str, Any] = {count_key: len(records)}
        for name, (field, function) in measures.items():
            row[name] = _aggregate(model, field, function, records)
        rows.append((key, row))
    rows = _ordered(standin, grouped, rows, orderby, measures, count_key)
    rows = rows[int(offset or 0) :][: limit or None]
    return [
        _format(standin, model, grouped, key, row, domain, specs[len(grouped) :])
        for key, row in rows
    ]


class Grouping:
    """One ``groupby`` spec: the key it is returned under, its field and date granularity."""

    def __init__(
        self, key: str, name: str, type_: str, granularity: str | None, relation: str | None
    ) -> None:
        self.key = key
        self.name = name
        self.type = type_
        self.granularity = granularity
        self.relation = relation

    @classmethod
    def of(cls, model: Model, spec: str) -> Grouping:
        name, _, granularity = spec.partition(":")
        definition = model.field(name)
        if definition.type in ("date", "datetime"):
            granularity = granularity or "month"
            if granularity not in ("day", "month", "quarter", "year"):
                raise server_error("ValueError", f"Unsupported granularity {granularity!r}")
            return cls(spec, name, definition.type, granularity, None)
        return cls(spec, name, definition.type, None, definition.relation)

    def value(self, record: dict[str, Any]) -> Any:
        """The record's value to group by: a date is cut to the start of its period."""
        value = record.get(self.name)
        if self.granularity is None or value is None:
            return value
        day = date.fromisoformat(str(value)[:10])
        if self.granularity == "year":
            return day.replace(month=1, day=1)
        if self.granularity == "quarter":
            return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
        if self.granularity == "month":
            return day.replace(day=1)
        return day

    def end(self, start: date) -> date:
        """The first day after the period starting on ``start``."""
        if self.granularity == "day":
            return date.fromordinal(start.toordinal() + 1)
        months = {"month": 1, "quarter": 3, "year": 12}[self.granularity or "month"]
        month = start.month - 1 + months
        return date(start.year + month // 12, month % 12 + 1, 1)

    def label(self, start: date) -> str:
        """The group's label, as babel writes it in English (``READ_GROUP_DISPLAY_FORMAT``)."""
        if self.granularity == "day":
            return f"{start.day:02d} {calendar.month_abbr[start.month]} {start.year}"
        if self.granularity == "quarter":
            return f"Q{(start.month - 1) // 3 + 1} {start.year}"
        if self.granularity == "year":
            return str(start.year)
        return f"{calendar.month_name[start.month]} {start.year}"


def _measures(model: Model, fields: list[str], groupby: list[str]) -> dict[str, tuple[str, str]]:
    """Result name → (field, aggregate) for the ``fields`` asked."""
    measures: dict[str, tuple[str, str]] = {}
    for spec in fields or []:
        if spec == "__count":
            continue
        match = AGGREGATE.match(spec)
        if match is None:
            raise server_error("ValueError", f"Invalid field specification {spec!r}.")
        name, function, source = match.groups()
        if source:
            model.field(source)
            measures[name] = (source, function)
        elif function:
            model.field(name)
            measures[name] = (name, function)
        elif model.field(name).type in NUMBERS and spec not in groupby:
            measures[name] = (name, "sum")
    return measures


AGGREGATES: dict[str, Callable[[list[Any]], Any]] = {
    "sum": lambda values: sum(values, Decimal(0)) if values else None,
    "min": lambda values: min(values) if values else None,
    "max": lambda values: max(values) if values else None,
    "avg": lambda values: sum(values, Decimal(0)) / len(values) if values else None,
    "count": len,
    "count_distinct": lambda values: len(set(values)),
    "array_agg": list,
    "bool_and": lambda values: all(values) if values else None,
    "bool_or": lambda values: any(values) if values else None,
}


def _aggregate(model: Model, field: str, function: str, records: list[dict[str, Any]]) -> Any:
    """An aggregate as PostgreSQL computes it (exact sums), as Odoo sends it (a float)."""
    compute = AGGREGATES.get(function)
    if compute is None:
        raise server_error("ValueError", f"Invalid aggregation function {function!r}.")
    kind = model.field(field).type
    values = [record.get(field) for record in records]
    present = [
        Decimal(str(value)) if kind in ("float", "monetary") else value
        for value in values
        if value is not None
    ]
    result = compute(present if function != "array_agg" else values)
    if isinstance(result, Decimal):
        return float(result) if kind != "integer" or function == "avg" else int(result)
    return False if result is None else result


Item = tuple[tuple[Any, ...], dict[str, Any]]
"""A group being made: its grouping values, and its row so far."""
Term = tuple[Callable[[Item], Any], bool]
"""A sort term: the value a group sorts by, and whether descending."""


def _ordered(
    standin: OdooStandIn,
    grouped: list[Grouping],
    rows: list[Item],
    orderby: str | bool,
    measures: dict[str, tuple[str, str]],
    count_key: str,
) -> list[Item]:
    """The groups in ``orderby``'s order, by default the groupings', each with its model's
    order for a many2one; empty values last ascending, first descending (PostgreSQL's)."""
    terms: list[Term] = []
    asked = [part.split() for part in str(orderby or "").split(",") if part.strip()]
    if not asked:
        asked = [[grouping.key] for grouping in grouped]
    for name, *rest in asked:
        descending = bool(rest) and rest[0].lower() == "desc"
        index = next((i for i, g in enumerate(grouped) if name in (g.key, g.name)), None)
        if index is not None:
            terms += _grouping_terms(standin, grouped[index], index, descending)
        elif name in measures or name in (count_key, "__count"):
            terms.append((_column(count_key if name == "__count" else name), descending))
        else:
            raise server_error(
                "ValueError", f"Order term {name!r} is not a valid aggregate nor valid groupby"
            )
    ordered = list(rows)
    for value_of, descending in reversed(terms):
        ordered.sort(key=_sort_key(value_of), reverse=descending)
    return ordered


def _sort_key(value_of: Callable[[Item], Any]) -> Callable[[Item], tuple[bool, Any]]:
    """Empty values after the others (before them when the sort is reversed)."""

    def key(item: Item) -> tuple[bool, Any]:
        value = value_of(item)
        return (value is None, 0 if value is None else value)

    return key


def _column(name: str) -> Callable[[Item], Any]:
    return lambda item: item[1].get(name)


def _grouping_terms(
    standin: OdooStandIn, grouping: Grouping, index: int, descending: bool
) -> list[Term]:
    if grouping.type != "many2one":
        return [(lambda item: item[0][index], descending)]
    model = standin.models[grouping.relation or ""]
    terms: list[Term] = []
    for part in model.order.split(","):
        name, *rest = part.split()
        flipped = (bool(rest) and rest[0].lower() == "desc") != descending
        terms.append((_related_value(model, index, name), flipped))
    return terms


def _related_value(model: Model, index: int, name: str) -> Callable[[Item], Any]:
    """A field of the record a group's many2one value (at ``index``) points to."""

    def value_of(item: Item) -> Any:
        record = model.records.get(item[0][index]) if item[0][index] is not None else None
        return None if record is None else record.get(name)

    return value_of


def _format(
    standin: OdooStandIn,
    model: Model,
    grouped: list[Grouping],
    key: tuple[Any, ...],
    row: dict[str, Any],
    domain: list[Any],
    rest: list[str],
) -> dict[str, Any]:
    """A group as Odoo sends it: labels, ranges, the group's domain and what is left to group."""
    group_domain: list[Any] = list(domain or [])
    for grouping, value in zip(grouped, key, strict=True):
        if grouping.granularity is not None:
            ranges = row.setdefault("__range", {})
            if value is None:
                row[grouping.key] = False
                ranges[grouping.key] = False
                terms: list[Any] = [(grouping.name, "=", False)]
            else:
                start, end = value.isoformat(), grouping.end(value).isoformat()
                row[grouping.key] = grouping.label(value)
                ranges[grouping.key] = {"from": start, "to": end}
                terms = ["&", (grouping.name, ">=", start), (grouping.name, "<", end)]
        else:
            row[grouping.key] = read_value(standin, model, grouping.name, value)
            terms = [(grouping.name, "=", False if value is None else value)]
        group_domain = and_domains([group_domain, terms])
    row["__domain"] = [list(term) if isinstance(term, tuple) else term for term in group_domain]
    if rest:
        row["__context"] = {"group_by": rest}
    return row


def normalize_domain(domain: list[Any]) -> list[Any]:
    """Odoo's ``expression.normalize_domain``: implicit '&' made explicit, in front."""
    if not domain:
        return [TRUE_LEAF]
    result: list[Any] = []
    expected = 1
    for token in domain:
        if expected == 0:
            result[0:0] = ["&"]
            expected = 1
        if isinstance(token, list | tuple):
            expected -= 1
            token = tuple(token)
        else:
            expected += ARITY.get(token, 0) - 1
        result.append(token)
    if expected:
        raise server_error("ValueError", f"Domain {domain} is syntactically not correct.")
    return result


def and_domains(domains: list[list[Any]]) -> list[Any]:
    """Odoo's ``expression.AND``."""
    result: list[Any] = []
    count = 0
    for domain in domains:
        if domain == [TRUE_LEAF]:
            continue
        if domain == [FALSE_LEAF]:
            return [FALSE_LEAF]
        if domain:
            result += normalize_domain(domain)
            count += 1
    return ["&"] * (count - 1) + result or [TRUE_LEAF]
