"""Store → central Odoo: the staged ledger against what Odoo holds, read back with grouped reads.

Odoo is asked for sums, never for every line: one ``read_group`` per ministry over its journal
(or its company in the multi-company mode) by account, month and move state. Only a cell that
differs is drilled into: its moves' sums (one grouped read), their external ids, and the lines of
the entries that differ. Posted moves are compared; draft and cancelled ones are reported apart.

Long because ``CentralLevel`` is one object over one Odoo and one store session: the owners it
resolves once (journal or company, account ids) serve the ledger, the drill-down, the opening
balances and the headcount alike. The drill-down (``_store_entries`` … ``_difference``) is the
part that could stand in a module of its own, handed those resolved owners.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from consolidation.core.odoo_rpc import OdooError, OdooTransport
from consolidation.core.schema import (
    Account,
    Employment,
    JournalEntry,
    JournalLine,
    Ministry,
    Money,
    OpeningBalance,
    OrgUnit,
)
from consolidation.load.settings import CentralConfig
from consolidation.load.targets import external_name
from consolidation.reconcile.exceptions import ReconcileError
from consolidation.reconcile.ledger import Cells
from consolidation.reconcile.model import (
    Cell,
    CellStatus,
    Comparison,
    Difference,
    DifferenceKind,
    Figures,
    Headcount,
    LineDifference,
    Scope,
)

MOVE = "account.move"
LINE = "account.move.line"
SUMS = ["debit:sum", "credit:sum"]
POSTED = "posted"
FILS = Decimal("0.001")


def odoo_amount(value: Any) -> Decimal:
    """An amount Odoo returns as a float, exact at the fils (STYLE §5)."""
    return Decimal(str(value or 0)).quantize(FILS)


def month_of(group: dict[str, Any], key: str = "date:month") -> str:
    """A group's month as YYYY-MM, from the range Odoo gives for a date grouping."""
    ranges = group.get("__range") or {}
    span = ranges.get(key) or ranges.get(key.split(":")[0])
    if isinstance(span, dict) and span.get("from"):
        return str(span["from"])[:7]
    raise ReconcileError(f"Odoo's read_group gave no range for {key}: {sorted(group)}")


def _id(value: Any) -> int | None:
    """A many2one value as read_group returns it: [id, name] or False."""
    if isinstance(value, list | tuple) and value:
        return int(value[0])
    return None


class CentralReader:
    """Grouped reads from the central Odoo, counted."""

    def __init__(self, odoo: OdooTransport, config: CentralConfig) -> None:
        self.odoo = odoo
        self.config = config
        self.calls = 0

    def call(self, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        try:
            return self.odoo.execute(model, method, *args, **kwargs)
        except OdooError as exc:
            raise ReconcileError(f"the central Odoo at {self.odoo.url}: {exc}") from exc

    def _external_ids(self, model: str, by: str, values: Iterable[Any]) -> list[dict[str, Any]]:
        """Our external ids of ``model`` whose ``by`` (name or res_id) is one of ``values``."""
        wanted = sorted(set(values))
        rows: list[dict[str, Any]] = []
        for start in range(0, len(wanted), 2_000):
            rows += self.call(
                "ir.model.data",
                "search_read",
                [
                    ["module", "=", self.config.module],
                    ["model", "=", model],
                    [by, "in", wanted[start : start + 2_000]],
                ],
                ["name", "res_id"],
            )
        return rows

    def xids(self, model: str, names: Iterable[str]) -> dict[str, int]:
        """Our external ids' names of ``model`` → Odoo ids (the ones Odoo has)."""
        return {r["name"]: int(r["res_id"]) for r in self._external_ids(model, "name", names)}

    def names_of(self, model: str, ids: Iterable[int]) -> dict[int, str]:
        """Odoo ids of ``model`` → the names of our external ids (absent: keyed in by hand)."""
        return {int(r["res_id"]): r["name"] for r in self._external_ids(model, "res_id", ids)}

    def grouped(
        self, model: str, domain: list[Any], groupby: list[str], fields: list[str] | None = None
    ) -> list[dict[str, Any]]:
        return list(
            self.call(
                model,
                "read_group",
                domain,
                fields if fields is not None else SUMS,
                groupby,
                lazy=False,
            )
        )


def _scope_domain(owner: str, owner_id: int, exclude_journal: int | None) -> list[Any]:
    domain: list[Any] = [[owner, "=", owner_id]]
    if exclude_journal is not None:
        domain.append(["journal_id", "!=", exclude_journal])
    return domain


class CentralLevel:
    """The store → central comparisons of a scope."""

    def __init__(
        self,
        session: Session,
        reader: CentralReader,
        ministries: dict[str, int],
        scope: Scope,
        tolerances: dict[str, Decimal],
    ) -> None:
        self.session = session
        self.reader = reader
        self.config = reader.config
        self.ministries = ministries
        """Ministry code → its id in the store."""
        self.scope = scope
        self.tolerances = tolerances
        self.differences: list[Difference] = []
        self.accounts = {
            row.id: row.code for row in session.execute(sa.select(Account.id, Account.code))
        }
        self.owners: dict[str, tuple[str, int, int | None]] = {}
        """Ministry → (the field that scopes its items, its id, a journal to leave out)."""

    # --- whose items are whose -----------------------------------------------------------

    def resolve_owners(self) -> None:
        per_ministry = self.config.per_ministry
        kind = "ministry_company" if per_ministry else "ministry_journal"
        model = "res.company" if per_ministry else "account.journal"
        names = {external_name(kind, code): code for code in self.ministries}
        found = self.reader.xids(model, names)
        openings = (
            self.reader.xids(
                "account.journal", [external_name("opening_journal", c) for c in self.ministries]
            )
            if per_ministry
            else {}
        )
        if not found:
            raise ReconcileError(
                f"the central Odoo {self.reader.odoo.url} holds none of this store's records "
                f"(no {model} with an external id of module {self.config.module!r} for "
                f"{', '.join(sorted(self.ministries))}): is it the right database, and was "
                "`consolidate load` run?"
            )
        for name, code in names.items():
            if name in found:
                opening = openings.get(external_name("opening_journal", code))
                self.owners[code] = (
                    "company_id" if per_ministry else "journal_id",
                    found[name],
                    opening,
                )

    # --- the ledger ---------------------------------------------------------------------

    def _store_ledger(self) -> dict[tuple[str, str, str], Figures]:
        """Staged lines per ministry, unified account and month of the entry's date."""
        codes = {v: k for k, v in self.ministries.items()}
        query = (
            sa.select(
                JournalEntry.ministry_id,
                JournalLine.account_id,
                JournalEntry.entry_date,
                sa.func.count(),
                sa.func.coalesce(sa.func.sum(JournalLine.debit_amount, type_=Money()), 0),
                sa.func.coalesce(sa.func.sum(JournalLine.credit_amount, type_=Money()), 0),
            )
            .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
            .where(
                JournalEntry.ministry_id.in_(list(codes)),
                JournalLine.withdrawn.is_(False),
                JournalEntry.withdrawn.is_(False),
            )
            .group_by(JournalEntry.ministry_id, JournalLine.account_id, JournalEntry.entry_date)
        )
        sums: dict[tuple[str, str, str], Figures] = defaultdict(Figures)
        for ministry_id, account_id, day, count, debit, credit in self.session.execute(query):
            key = (codes[ministry_id], self.accounts[account_id], f"{day:%Y-%m}")
            sums[key].add(count, debit, credit)
        return sums

    def ledger(self) -> list[Cell]:
        cells = Cells(Comparison.LEDGER_STORE_CENTRAL, self.tolerances)
        for (ministry, account, period), figures in self._store_ledger().items():
            cells.get(ministry, account, period).left = figures
        account_codes: dict[int, str] = {}
        not_posted: dict[tuple[str, str, str, str], Figures] = defaultdict(Figures)
        groups_by_ministry: dict[str, list[dict[str, Any]]] = {}
        for ministry, (owner, owner_id, opening) in sorted(self.owners.items()):
            groups = self.reader.grouped(
                LINE,
                _scope_domain(owner, owner_id, opening),
                ["account_id", "date:month", "parent_state"],
            )
            groups_by_ministry[ministry] = groups
            account_codes.update(
                {i: "" for g in groups if (i := _id(g.get("account_id"))) is not None}
            )
        if account_codes:
            for row in self.reader.call(
                "account.account", "search_read", [["id", "in", sorted(account_codes)]], ["code"]
            ):
                account_codes[int(row["id"])] = str(row["code"])
        for ministry, groups in groups_by_ministry.items():
            for group in groups:
                account = account_codes.get(_id(group.get("account_id")) or 0, "")
                period = month_of(group)
                figures = Figures(
                    int(group.get("__count", 0)),
                    odoo_amount(group.get("debit")),
                    odoo_amount(group.get("credit")),
                )
                if group.get("parent_state") == POSTED:
                    cell = cells.get(ministry, account, period)
                    cell.right = cell.right.plus(figures)
                else:
                    state = str(group.get("parent_state") or "unknown")
                    not_posted[(ministry, account, period, state)] = figures
        for (ministry, account, period, state), figures in sorted(not_posted.items()):
            if self.scope.covers(period):
                self.differences.append(
                    Difference(
                        Comparison.LEDGER_STORE_CENTRAL,
                        ministry,
                        account,
                        period,
                        DifferenceKind.NOT_POSTED,
                        f"{state} entries",
                        right=figures,
                        detail=f"{figures.count} item(s) of {state} entries, not summed in",
                    )
                )
        kept = cells.within(self.scope)
        codes = {code: account_id for account_id, code in account_codes.items()}
        for cell in kept:
            if cell.status is CellStatus.DIFFERENT:
                self._drill(cell, codes.get(cell.account))
        return kept

    # --- drilling into a differing cell -------------------------------------------------

    def _store_entries(self, cell: Cell) -> dict[str, tuple[JournalEntry, list[Any]]]:
        """The staged entries with lines in ``cell``: external id name → (entry, its lines)."""
        year, month = (int(part) for part in cell.period.split("-"))
        first = date(year, month, 1)
        after = date(year + month // 12, month % 12 + 1, 1)
        account_id = next((i for i, c in self.accounts.items() if c == cell.account), None)
        entries = self.session.scalars(
            sa.select(JournalEntry).where(
                JournalEntry.ministry_id == self.ministries[cell.ministry],
                JournalEntry.entry_date >= first,
                JournalEntry.entry_date < after,
                JournalEntry.withdrawn.is_(False),
                JournalEntry.id.in_(
                    sa.select(JournalLine.entry_id).where(
                        JournalLine.account_id == account_id, JournalLine.withdrawn.is_(False)
                    )
                ),
            )
        ).all()
        found: dict[str, tuple[JournalEntry, list[Any]]] = {}
        for entry in entries:
            lines = self.session.scalars(
                sa.select(JournalLine).where(
                    JournalLine.entry_id == entry.id,
                    JournalLine.account_id == account_id,
                    JournalLine.withdrawn.is_(False),
                )
            ).all()
            found[external_name("entry", entry.source_system, entry.source_key)] = (
                entry,
                list(lines),
            )
        return found

    def _drill(self, cell: Cell, odoo_account: int | None) -> None:
        store = self._store_entries(cell)
        owner, owner_id, opening = self.owners.get(cell.ministry, ("", 0, None))
        odoo_moves: dict[int, Figures] = {}
        if owner and odoo_account is not None:
            year, month = (int(part) for part in cell.period.split("-"))
            first = date(year, month, 1)
            after = date(year + month // 12, month % 12 + 1, 1)
            domain = [
                *_scope_domain(owner, owner_id, opening),
                ["account_id", "=", odoo_account],
                ["date", ">=", first.isoformat()],
                ["date", "<", after.isoformat()],
                ["parent_state", "=", POSTED],
            ]
            for group in self.reader.grouped(LINE, domain, ["move_id"]):
                move = _id(group.get("move_id"))
                if move is not None:
                    odoo_moves[move] = Figures(
                        int(group.get("__count", 0)),
                        odoo_amount(group.get("debit")),
                        odoo_amount(group.get("credit")),
                    )
        names = self.reader.names_of(MOVE, odoo_moves)
        by_name = {name: move for move, name in names.items()}
        elsewhere = self.reader.xids(MOVE, [n for n in store if n not in by_name])
        moves_elsewhere = (
            {
                int(row["id"]): row
                for row in self.reader.call(
                    MOVE,
                    "search_read",
                    [["id", "in", sorted(elsewhere.values())]],
                    ["date", "state", "name"],
                )
            }
            if elsewhere
            else {}
        )
        for name, (entry, lines) in sorted(store.items()):
            mine = Figures()
            for line in lines:
                mine.add(1, line.debit_amount, line.credit_amount)
            move = by_name.get(name)
            if move is None:
                other = moves_elsewhere.get(elsewhere.get(name, -1))
                if other is None:
                    kind, detail = DifferenceKind.MISSING_IN_CENTRAL, "no such entry in Odoo"
                elif other["state"] != POSTED:
                    kind, detail = DifferenceKind.NOT_POSTED, f"it is {other['state']} in Odoo"
                elif str(other["date"]) != entry.entry_date.isoformat():
                    kind = DifferenceKind.REDATED
                    detail = (
                        f"dated {entry.entry_date} in the store, {other['date']} in Odoo "
                        f"({other['name']})"
                    )
                else:
                    kind, detail = (
                        DifferenceKind.DIFFERENT,
                        f"its lines are on other accounts in Odoo ({other['name']})",
                    )
                self.differences.append(
                    self._difference(cell, kind, entry, mine, Figures(), detail, lines, [])
                )
                continue
            theirs = odoo_moves.pop(move)
            if (
                theirs.debit == mine.debit
                and theirs.credit == mine.credit
                and theirs.count == mine.count
            ):
                continue
            odoo_lines = self._odoo_lines(move, odoo_account)
            self.differences.append(
                self._difference(
                    cell, DifferenceKind.DIFFERENT, entry, mine, theirs, "", lines, odoo_lines
                )
            )
        for move, theirs in sorted(odoo_moves.items()):
            their_name = names.get(move)
            if their_name is not None and their_name.startswith("entry_"):
                kind, detail = (
                    DifferenceKind.REDATED,
                    f"our entry {their_name} sits in {cell.period} in Odoo only",
                )
            else:
                kind, detail = (
                    DifferenceKind.CENTRAL_ONLY,
                    "an entry Odoo has and the store has not (keyed in by hand?)",
                )
            lines = self._odoo_lines(move, odoo_account)
            reference = str(lines[0]["move_id"][1]) if lines else f"account.move {move}"
            self.differences.append(
                Difference(
                    Comparison.LEDGER_STORE_CENTRAL,
                    cell.ministry,
                    cell.account,
                    cell.period,
                    kind,
                    reference,
                    right=theirs,
                    lines=[
                        LineDifference(
                            f"{LINE} {row['id']}",
                            cell.account,
                            None,
                            None,
                            odoo_amount(row["debit"]),
                            odoo_amount(row["credit"]),
                        )
                        for row in lines
                    ],
                    detail=detail,
                )
            )

    def _odoo_lines(self, move: int, account: int | None) -> list[dict[str, Any]]:
        domain: list[Any] = [["move_id", "=", move]]
        if account is not None:
            domain.append(["account_id", "=", account])
        rows = self.reader.call(LINE, "search_read", domain, ["move_id", "debit", "credit", "name"])
        names = self.reader.names_of(LINE, [int(row["id"]) for row in rows])
        for row in rows:
            row["xid"] = names.get(int(row["id"]), "")
        return list(rows)

    def _difference(
        self,
        cell: Cell,
        kind: DifferenceKind,
        entry: JournalEntry,
        mine: Figures,
        theirs: Figures,
        detail: str,
        lines: list[Any],
        odoo_lines: list[dict[str, Any]],
    ) -> Difference:
        odoo_by_name = {row["xid"]: row for row in odoo_lines if row.get("xid")}
        rows: list[LineDifference] = []
        for line in lines:
            name = external_name("line", line.source_system, line.source_key)
            other = odoo_by_name.pop(name, None)
            left = (line.debit_amount, line.credit_amount)
            right = (
                (odoo_amount(other["debit"]), odoo_amount(other["credit"]))
                if other
                else (None, None)
            )
            if kind is DifferenceKind.DIFFERENT and other is not None and left == right:
                continue
            rows.append(LineDifference(line.source_key, cell.account, *left, *right))
        for name, other in sorted(odoo_by_name.items()):
            rows.append(
                LineDifference(
                    name,
                    cell.account,
                    None,
                    None,
                    odoo_amount(other["debit"]),
                    odoo_amount(other["credit"]),
                )
            )
        for other in odoo_lines:
            if not other.get("xid"):
                rows.append(
                    LineDifference(
                        f"{LINE} {other['id']}",
                        cell.account,
                        None,
                        None,
                        odoo_amount(other["debit"]),
                        odoo_amount(other["credit"]),
                    )
                )
        return Difference(
            Comparison.LEDGER_STORE_CENTRAL,
            cell.ministry,
            cell.account,
            cell.period,
            kind,
            entry.reference or entry.source_key,
            entry.source_system,
            mine,
            theirs,
            rows,
            detail or f"entry {entry.source_key} of {entry.source_system}",
        )

    # --- opening balances ---------------------------------------------------------------

    def opening(self) -> list[Cell]:
        cells = Cells(Comparison.OPENING_STORE_CENTRAL, self.tolerances)
        codes = {v: k for k, v in self.ministries.items()}
        query = (
            sa.select(
                OpeningBalance.ministry_id,
                OpeningBalance.account_id,
                OpeningBalance.fiscal_year,
                sa.func.count(),
                sa.func.coalesce(sa.func.sum(OpeningBalance.debit_amount, type_=Money()), 0),
                sa.func.coalesce(sa.func.sum(OpeningBalance.credit_amount, type_=Money()), 0),
            )
            .where(OpeningBalance.ministry_id.in_(list(codes)), OpeningBalance.withdrawn.is_(False))
            .group_by(
                OpeningBalance.ministry_id, OpeningBalance.account_id, OpeningBalance.fiscal_year
            )
        )
        years: set[tuple[str, int]] = set()
        for ministry_id, account_id, year, count, debit, credit in self.session.execute(query):
            cells.get(codes[ministry_id], self.accounts[account_id], str(year)).left.add(
                count, debit, credit
            )
            years.add((codes[ministry_id], int(year)))
        names = {external_name("opening", code, year): (code, year) for code, year in years}
        moves = self.reader.xids(MOVE, names) if names else {}
        if moves:
            ministry_of_move = {moves[name]: names[name] for name in moves}
            groups = self.reader.grouped(
                LINE,
                [["move_id", "in", sorted(ministry_of_move)]],
                ["move_id", "account_id", "parent_state"],
            )
            ids = sorted({i for g in groups if (i := _id(g.get("account_id"))) is not None})
            account_codes = (
                {
                    int(row["id"]): str(row["code"])
                    for row in self.reader.call(
                        "account.account", "search_read", [["id", "in", ids]], ["code"]
                    )
                }
                if ids
                else {}
            )
            for group in groups:
                code, year = ministry_of_move[_id(group.get("move_id")) or 0]
                account = account_codes.get(_id(group.get("account_id")) or 0, "")
                figures = Figures(
                    int(group.get("__count", 0)),
                    odoo_amount(group.get("debit")),
                    odoo_amount(group.get("credit")),
                )
                if group.get("parent_state") == POSTED:
                    cell = cells.get(code, account, str(year))
                    cell.right = cell.right.plus(figures)
                else:
                    self.differences.append(
                        Difference(
                            Comparison.OPENING_STORE_CENTRAL,
                            code,
                            account,
                            str(year),
                            DifferenceKind.NOT_POSTED,
                            f"opening {code} {year}",
                            right=figures,
                            detail=f"the opening entry is {group.get('parent_state')} in Odoo",
                        )
                    )
        return cells.within(self.scope, yearly=True)

    # --- headcount ----------------------------------------------------------------------

    def headcount(self, rows: list[Headcount]) -> None:
        """Fill in the active ``hr.employee`` per ministry and org unit."""
        units = {
            external_name("org_unit", unit.source_system, unit.source_key): (code, unit.code)
            for unit, code in self.session.execute(
                sa.select(OrgUnit, Ministry.code).join(Ministry, Ministry.id == OrgUnit.ministry_id)
            )
            if code in self.ministries
        }
        ministry_departments = {external_name("ministry", code): code for code in self.ministries}
        employees = self.reader.xids(
            "hr.employee",
            [
                external_name("employment", system, key)
                for system, key in self.session.execute(
                    sa.select(Employment.source_system, Employment.source_key).where(
                        Employment.ministry_id.in_(list(self.ministries.values()))
                    )
                )
            ],
        )
        counts: dict[tuple[str, str], int] = defaultdict(int)
        if employees:
            groups = self.reader.grouped(
                "hr.employee",
                [["id", "in", sorted(employees.values())], ["active", "=", True]],
                ["department_id"],
                [],
            )
            departments = self.reader.names_of(
                "hr.department",
                [i for g in groups if (i := _id(g.get("department_id"))) is not None],
            )
            for group in groups:
                name = departments.get(_id(group.get("department_id")) or 0, "")
                if name in units:
                    key = units[name]
                elif name in ministry_departments:
                    key = (ministry_departments[name], "(none)")
                else:
                    key = ("?", name or "(no department)")
                counts[key] += int(group.get("__count", 0))
        index = {(row.ministry, row.org_unit): row for row in rows}
        for row in rows:
            row.central_active = 0
        for (ministry, unit), count in counts.items():
            found = index.get((ministry, unit))
            if found is None:
                found = Headcount(ministry, unit, central_active=0)
                rows.append(found)
            found.central_active = (found.central_active or 0) + count
