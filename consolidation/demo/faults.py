"""The faults the demo injects: their ids, their rates, and how each faulty value is made.

Every injected fault lands on its own record (a record never carries two) and is written to the
ground truth, so a validation run can be scored exactly against it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, fields

BAD_IBAN_CHECKSUM = "bad_iban_checksum"
MISSING_NATIONAL_ID = "missing_national_id"
CPR_BIRTH_MISMATCH = "cpr_birth_mismatch"
HIRE_BEFORE_18 = "hire_before_18"
UNBALANCED_ENTRY = "unbalanced_entry"
ACCOUNT_NOT_IN_CROSSWALK = "account_not_in_crosswalk"
AMOUNT_4_DECIMALS = "amount_4_decimals"
AMOUNT_NOT_NUMERIC = "amount_not_numeric"
FUTURE_DATE = "future_date"
MOJIBAKE = "mojibake"
WITHIN_SOURCE_DUPLICATE = "within_source_duplicate"
CROSS_MINISTRY = "cross_ministry"

FAULT_IDS = (
    BAD_IBAN_CHECKSUM,
    MISSING_NATIONAL_ID,
    CPR_BIRTH_MISMATCH,
    HIRE_BEFORE_18,
    UNBALANCED_ENTRY,
    ACCOUNT_NOT_IN_CROSSWALK,
    AMOUNT_4_DECIMALS,
    AMOUNT_NOT_NUMERIC,
    FUTURE_DATE,
    MOJIBAKE,
    WITHIN_SOURCE_DUPLICATE,
)
"""The faults a record may carry (``cross_ministry`` is a true duplicate, not a fault)."""


@dataclass(frozen=True)
class FaultRates:
    """The share of records that get each fault.

    Rates are per record of the entity the fault lives on (employees, vendors, journal lines;
    ``unbalanced_entry`` per journal entry; ``cross_ministry`` per person). An entity with 50 or
    more rows gets at least one of each of its faults whose rate is above zero.
    """

    bad_iban_checksum: float = 0.015
    missing_national_id: float = 0.01
    cpr_birth_mismatch: float = 0.015
    hire_before_18: float = 0.01
    future_date: float = 0.01
    mojibake: float = 0.015
    within_source_duplicate: float = 0.015
    amount_not_numeric: float = 0.015
    unbalanced_entry: float = 0.01
    amount_4_decimals: float = 0.01
    account_not_in_crosswalk: float = 0.01
    cross_ministry: float = 0.03

    def __post_init__(self) -> None:
        for spec in fields(self):
            rate = getattr(self, spec.name)
            if not 0 <= rate <= 0.2:
                raise ValueError(f"fault rate {spec.name} must be between 0 and 0.2, got {rate}")

    def as_dict(self) -> dict[str, float]:
        return {spec.name: getattr(self, spec.name) for spec in fields(self)}


def fault_count(rate: float, rows: int) -> int:
    """How many of ``rows`` records get a fault of ``rate``: at least one from 50 rows up."""
    if rate <= 0 or rows <= 0:
        return 0
    count = round(rate * rows)
    return max(1, count) if rows >= 50 else count


def mojibake(text: str) -> str:
    """Arabic text garbled the classic way: its UTF-8 bytes read as Windows-1256."""
    return text.encode("utf-8").decode("cp1256")


def not_numeric_amount(rng: random.Random, text: str) -> str:
    """A text a clerk typed in an amount cell that no parser can read as a number."""
    choice = rng.randrange(6)
    if choice == 0 and "0" in text:
        return text.replace("0", "O")
    if choice == 1:
        return f"{text} BD"
    if choice == 2:
        return f"{text} د.ب"
    # No spreadsheet error codes ('#VALUE!'): Excel readers turn those cells into blanks.
    return ("N/A", "TBD", "يحدد لاحقا", "غير متوفر", "??")[rng.randrange(5)]
