"""Domain rules of the finance entities: accounts, vendors, journal entries and lines, opening
balances — and the balance of each journal entry, checked across chunks."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import numpy as np
import numpy.typing as npt
import pandas as pd
from stdnum import iban as stdnum_iban
from stdnum.exceptions import InvalidChecksum, InvalidLength
from stdnum.exceptions import ValidationError as NumberError

from consolidation.core.money import ZERO, from_fils
from validation.columns import among, amounts, fils, passing, present, text
from validation.context import KeyIndex, ValidationContext, key_hashes
from validation.field_rules import decimals_rules, mojibake_rules
from validation.messages import a, issue_rows, noun
from validation.rules import Rule, Severity, entity_rule, rule


def listed(frame: pd.DataFrame, field: str, codes: set[str] | KeyIndex | None) -> pd.Series:
    """Where ``field`` is missing or one of ``codes``; everything passes if ``codes`` is None
    (the source has no such list). An empty set is a list with nothing on it."""
    if codes is None:
        return passing(frame, np.ones(len(frame), dtype=bool))
    return passing(frame, ~present(frame, field) | among(frame[field], codes))


mojibake_rules("account", ["name_ar", "name_en"], Severity.ERROR)


def vendor_iban_problem(value: str) -> str | None:
    """Why ``value`` is not a valid IBAN of any country; None if it is one."""
    try:
        stdnum_iban.validate(value)
    except InvalidChecksum:
        return "fails the ISO 13616 mod-97 check (a digit is wrong or two are swapped)"
    except InvalidLength:
        return "has the wrong length for its country"
    except NumberError:
        return (
            "is not an IBAN: a country code, 2 check digits and the account in that country's "
            "format"
        )
    return None


def _vendor_iban_messages(rows: pd.DataFrame, context: ValidationContext) -> list[str]:
    return [f"IBAN '{v}' {vendor_iban_problem(v)}" for v in rows["iban"].tolist()]


@rule("vendor.iban.valid", severity=Severity.ERROR, field="iban", message=_vendor_iban_messages)
def vendor_iban_valid(frame: pd.DataFrame, context: ValidationContext) -> pd.Series:
    """A vendor's IBAN, when given, is a valid IBAN of its country (foreign suppliers are paid
    abroad) and passes the ISO 13616 mod-97 check."""
    codes, uniques = pd.factorize(text(frame, "iban"))
    bad = np.array([vendor_iban_problem(str(u)) is not None for u in uniques] + [False])
    return passing(frame, ~bad.astype(bool)[codes])


mojibake_rules("vendor", ["name_ar", "name_en"], Severity.ERROR)


@rule(
    "journal_entry.period.open",
    severity=Severity.ERROR,
    field="period",
    message="period '{value}' is not an open posting period",
)
def entry_period_open(frame: pd.DataFrame, context: ValidationContext) -> pd.Series:
    """A journal entry posts to a period that exists and is open."""
    return period_open(frame, context, "journal_entry")


def period_open(frame: pd.DataFrame, context: ValidationContext, entity: str) -> pd.Series:
    """Where the period is missing or open. A period of a fiscal year the calendar does not
    declare at all is not this rule's to fail, row by row: the context counts those rows, and
    the batch stops with one line asking for the year to be declared."""
    verdict = listed(frame, "period", context.open_periods)
    if context.declared_years is None or verdict.all():
        return verdict
    years = frame["period"].astype(object).str.slice(0, 4)
    declared = {str(year) for year in context.declared_years}
    undeclared = ~verdict & years.notna() & ~years.isin(declared)
    for year, count in years[undeclared].value_counts().items():
        context.undeclared[(entity, str(year))] += int(count)
    return verdict | undeclared


mojibake_rules("journal_entry", ["description"], Severity.WARNING)


@rule(
    "journal_line.account_code.in_crosswalk",
    severity=Severity.ERROR,
    field="account_code",
    message="account '{value}' is not in this ministry's chart crosswalk",
)
def line_account_mapped(frame: pd.DataFrame, context: ValidationContext) -> pd.Series:
    """A journal line's account is one the chart crosswalk maps to the central chart."""
    return listed(frame, "account_code", context.crosswalk)


@rule(
    "journal_line.entry_no.exists",
    severity=Severity.ERROR,
    field="entry_no",
    message="journal entry '{value}' has no header in this source",
)
def line_entry_exists(frame: pd.DataFrame, context: ValidationContext) -> pd.Series:
    """A journal line belongs to an entry whose header the source holds (when it has headers)."""
    return listed(frame, "entry_no", context.entries)


@rule(
    "journal_line.period.open",
    severity=Severity.ERROR,
    field="period",
    message="period '{value}' is not an open posting period",
)
def line_period_open(frame: pd.DataFrame, context: ValidationContext) -> pd.Series:
    """A journal line, when it carries its entry's period, posts to a period that exists and
    is open."""
    return period_open(frame, context, "journal_line")


def _sides(entity: str, thing: str) -> None:
    """Not-negative and one-sided rules of an entity with debit and credit."""
    for side in ("debit", "credit"):

        def not_negative(
            frame: pd.DataFrame, context: ValidationContext, side: str = side
        ) -> pd.Series:
            return passing(frame, amounts(frame, side, missing=ZERO) >= 0)

        not_negative.__doc__ = (
            f"{a(noun(entity)).capitalize()}'s {side} is not negative: a negative amount is "
            "written as the opposite side."
        )
        rule(
            f"{entity}.{side}.not_negative",
            severity=Severity.ERROR,
            field=side,
            message=f"{side} {{value}} is negative",
        )(not_negative)

    def one_sided(frame: pd.DataFrame, context: ValidationContext) -> pd.Series:
        debit = amounts(frame, "debit", missing=ZERO)
        credit = amounts(frame, "credit", missing=ZERO)
        return passing(frame, (debit == 0) | (credit == 0))

    one_sided.__doc__ = (
        f"{a(noun(entity)).capitalize()} is a debit or a credit, not both: one of the two is zero."
    )
    rule(
        f"{entity}.debit.one_sided",
        severity=Severity.ERROR,
        field="debit",
        message=f"the {thing} has both a debit ({{value}}) and a credit ({{credit}}); "
        "it must be one or the other",
    )(one_sided)


_sides("journal_line", "line")
decimals_rules("journal_line")
mojibake_rules("journal_line", ["description"], Severity.WARNING)


class EntryBalance:
    """Sums each entry's debits and credits over every chunk, exactly, and flags the entries
    whose sums differ. Whole-fils amounts are summed as integer fils; the rare finer amount
    (already an issue of its own) is summed as a Decimal so the comparison stays exact. An entry
    with a line whose amount is missing is not judged: that line's issue is the one to fix.

    Memory stays small as the ledger grows: of each chunk's per-entry sums, those that balance
    within the chunk (nearly all: an entry's lines usually arrive together) are kept as the
    entry's 64-bit hash and its debit sum only; those that do not are kept with the entry
    number. An entry out of balance overall is out of balance in at least one chunk, so the
    verdict is exact; the hashes only add the balanced parts of such an entry to its totals."""

    def __init__(self, rule: Rule, context: ValidationContext) -> None:
        self.rule = rule
        self._uneven: list[pd.DataFrame] = []
        self._even: list[tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]] = []
        self._finer: list[pd.DataFrame] = []
        self._incomplete: set[str] = set()

    def add(self, frame: pd.DataFrame) -> None:
        has_entry = present(frame, "entry_no")
        lacking = has_entry & ~(present(frame, "debit") & present(frame, "credit"))
        if lacking.any():
            self._incomplete.update(text(frame, "entry_no")[lacking].unique().tolist())
        debit, credit = fils(frame, "debit"), fils(frame, "credit")
        whole = np.asarray(
            (debit.notna() | ~present(frame, "debit"))
            & (credit.notna() | ~present(frame, "credit")),
            dtype=bool,
        )
        rows = has_entry & whole
        entries = text(frame, "entry_no")
        sums = (
            pd.DataFrame(
                {
                    "debit": debit[rows].fillna(0).to_numpy(dtype=np.int64),
                    "credit": credit[rows].fillna(0).to_numpy(dtype=np.int64),
                },
                index=pd.Index(entries[rows].array, name="entry"),
            )
            .groupby(level=0, sort=False)
            .sum()
        )
        even = np.asarray(sums["debit"] == sums["credit"], dtype=bool)
        self._uneven.append(sums[~even])
        self._even.append((key_hashes(sums.index[even]), sums["debit"].to_numpy()[even]))
        finer = has_entry & ~whole
        if finer.any():
            self._finer.append(
                pd.DataFrame(
                    {
                        "entry": entries[finer].to_numpy(dtype=object),
                        "debit": amounts(frame, "debit", missing=ZERO)[finer],
                        "credit": amounts(frame, "credit", missing=ZERO)[finer],
                    }
                )
            )

    def _whole(self) -> Callable[[list[str]], pd.DataFrame]:
        """The whole-fils debit and credit sums of given entries over every chunk."""
        uneven = pd.concat(self._uneven).groupby(level=0, sort=False).sum()
        hashes = np.concatenate([h for h, _ in self._even])
        debits = np.concatenate([d for _, d in self._even])
        order = np.argsort(hashes, kind="stable")
        hashes, debits = hashes[order], debits[order]

        def sums(entries: list[str]) -> pd.DataFrame:
            totals = uneven.reindex(pd.Index(entries, dtype=object), fill_value=0)
            wanted = key_hashes(totals.index)
            low = np.searchsorted(hashes, wanted, side="left")
            high = np.searchsorted(hashes, wanted, side="right")
            even = np.array(
                [int(debits[a:b].sum()) for a, b in zip(low, high, strict=True)], np.int64
            )
            return totals.assign(debit=totals["debit"] + even, credit=totals["credit"] + even)

        return sums

    def issues(self) -> pd.DataFrame:
        if not self._even:
            return issue_rows(self.rule, [], [], [])
        exact: dict[str, tuple[Decimal, Decimal]] = {}
        for part in self._finer:
            for entry, debit, credit in part.itertuples(index=False):
                d, c = exact.get(entry, (ZERO, ZERO))
                exact[entry] = (d + debit, c + credit)
        whole_sums = self._whole()
        uneven = sorted(set().union(*(set(p.index) for p in self._uneven)) - exact.keys())
        totals = whole_sums(uneven)
        unbalanced = totals[totals["debit"] != totals["credit"]]
        found: dict[str, tuple[Decimal, Decimal]] = {
            str(entry): (from_fils(int(d)), from_fils(int(c)))
            for entry, d, c in zip(
                unbalanced.index, unbalanced["debit"], unbalanced["credit"], strict=True
            )
        }
        whole = whole_sums(list(exact))
        for entry, whole_d, whole_c in zip(
            whole.index, whole["debit"].tolist(), whole["credit"].tolist(), strict=True
        ):
            d, c = exact[entry]
            debit, credit = from_fils(int(whole_d)) + d, from_fils(int(whole_c)) + c
            if debit != credit:
                found[entry] = (debit, credit)
        keys = sorted(set(found) - self._incomplete)
        return issue_rows(
            self.rule,
            keys,
            [str(found[k][0] - found[k][1]) for k in keys],
            [
                f"journal entry '{k}' is out of balance: debits {found[k][0]}, credits "
                f"{found[k][1]} (difference {found[k][0] - found[k][1]})"
                for k in keys
            ],
        )


entity_rule(
    "journal_entry.lines.balanced",
    severity=Severity.ERROR,
    field=None,
    reads="journal_line",
    doc="A journal entry balances to the fils: the sum of its lines' debits equals the sum of "
    "their credits. Lines of one entry may arrive in different chunks, so this is checked once "
    "all lines are read; the issue is on the entry (source key = entry number). An entry with a "
    "line whose amount is missing or unreadable is judged once that amount is fixed.",
    tracker=EntryBalance,
)


@rule(
    "opening_balance.account_code.in_crosswalk",
    severity=Severity.ERROR,
    field="account_code",
    message="account '{value}' is not in this ministry's chart crosswalk",
)
def opening_account_mapped(frame: pd.DataFrame, context: ValidationContext) -> pd.Series:
    """An opening balance's account is one the chart crosswalk maps to the central chart."""
    return listed(frame, "account_code", context.crosswalk)


_sides("opening_balance", "balance")
decimals_rules("opening_balance")

__all__ = ["EntryBalance", "listed", "vendor_iban_problem"]
