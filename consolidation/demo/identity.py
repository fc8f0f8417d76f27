"""Bahraini identifiers in their local formats: CPR numbers, IBANs, mobiles, VAT and CR numbers."""

from __future__ import annotations

import random
import string
from datetime import date

BANK_CODES = ("NBOB", "BBKU", "AUBB", "KFHB", "BIBB", "ALSA", "KHCB")
_ALNUM = string.digits + string.ascii_uppercase


def cpr_prefix(birth: date) -> str:
    """The first four digits of a CPR number: the holder's birth year (two digits) and month."""
    return f"{birth.year % 100:02d}{birth.month:02d}"


def make_cpr(rng: random.Random, birth: date, taken: set[str]) -> str:
    """A CPR number not yet in ``taken``: YYMM of the birth date, then five digits."""
    while True:
        cpr = cpr_prefix(birth) + f"{rng.randrange(100_000):05d}"
        if cpr not in taken:
            taken.add(cpr)
            return cpr


def mismatched_cpr(rng: random.Random, birth: date, taken: set[str]) -> str:
    """A well-formed CPR number whose YYMM is not the holder's birth month."""
    while True:
        other = date(birth.year - rng.choice((0, 0, 1, -1)), rng.randrange(1, 13), 1)
        if cpr_prefix(other) != cpr_prefix(birth):
            return make_cpr(rng, other, taken)


def _iban_number(country: str, check: str, bban: str) -> int:
    rearranged = bban + country + check
    return int("".join(str(_ALNUM.index(ch)) for ch in rearranged))


def iban_check_digits(country: str, bban: str) -> str:
    """ISO 13616 check digits: 98 minus the mod-97 of the rearranged IBAN with '00'."""
    return f"{98 - _iban_number(country, '00', bban) % 97:02d}"


def iban_is_valid(iban: str) -> bool:
    """Whether a Bahraini IBAN has the right shape and passes the mod-97 check."""
    if len(iban) != 22 or not iban.startswith("BH") or not iban[2:4].isdigit():
        return False
    if not all(ch in string.ascii_uppercase for ch in iban[4:8]):
        return False
    if not all(ch in _ALNUM for ch in iban[8:]):
        return False
    return _iban_number(iban[:2], iban[2:4], iban[4:]) % 97 == 1


def make_iban(rng: random.Random) -> str:
    """A valid Bahraini IBAN: BH, check digits, a bank code and 14 alphanumerics."""
    bank = rng.choice(BANK_CODES)
    if rng.random() < 0.8:
        account = "".join(rng.choice(string.digits) for _ in range(14))
    else:
        account = "".join(rng.choice(string.digits) for _ in range(10)) + "".join(
            rng.choice(_ALNUM) for _ in range(4)
        )
    bban = bank + account
    return "BH" + iban_check_digits("BH", bban) + bban


def corrupt_iban(rng: random.Random, iban: str) -> str:
    """The same IBAN with check digits that fail the mod-97 test."""
    right = int(iban[2:4])
    wrong = rng.choice([n for n in range(2, 99) if n != right])
    return iban[:2] + f"{wrong:02d}" + iban[4:]


def make_mobile(rng: random.Random) -> str:
    """Eight digits of a Bahraini mobile: 3, a second digit 3-9, then six digits."""
    return f"3{rng.randrange(3, 10)}{rng.randrange(1_000_000):06d}"


def make_vat(rng: random.Random, taken: set[str]) -> str:
    """A Bahraini VAT account number: 15 digits starting with 2."""
    while True:
        vat = "2" + f"{rng.randrange(10**14):014d}"
        if vat not in taken:
            taken.add(vat)
            return vat


def make_cr(rng: random.Random, taken: set[str]) -> str:
    """A commercial registration number with its branch: '123456-1'."""
    while True:
        cr = f"{rng.randrange(10_000, 200_000)}-{rng.randrange(1, 12)}"
        if cr not in taken:
            taken.add(cr)
            return cr
