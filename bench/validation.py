"""Benchmark: validation of 1,000,000 mapped rows, ours against plain pandas.

    python -m bench.validation [--rows 1000000] [--chunk 50000] [--seed 7]

Two synthetic frames in the mapped shape (``consolidation.core.unified``: text as object str/None,
dates ``datetime64[ns]``, money as object ``Decimal``), an employee frame and a journal-line
frame, with about 2% of rows carrying a fault. Each is validated

- by ours: ``EntityValidator`` (great-expectations suite + domain rules + duplicate and balance
  checks at ``finish()``), as one chunk and in pipeline-sized chunks;
- by a baseline written here: the same checks as plain vectorized pandas returning the failing
  (row, rule) pairs — no framework, no messages.

Both must produce the same set of (source key, rule id) failures; the benchmark stops if not.
It also measures great-expectations alone with the date columns as ``datetime64[us]`` against
``[ns]``, the batch fingerprint GE computes on the full frame against the narrow view, and the
three ways to run a suite. Prints Markdown tables for docs/benchmarks.md and writes
bench/out/validation.json.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import re
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from stdnum import iban as stdnum_iban

from consolidation.core.money import AmountError, to_fils
from consolidation.core.types import SOURCE_KEY

OUT = Path(__file__).resolve().parent / "out"
_BH_IBAN = re.compile(r"^BH[0-9]{2}[A-Z]{4}[A-Z0-9]{14}$")
TODAY = date(2026, 6, 30)
NS = "datetime64[ns]"

# --- synthetic mapped frames -------------------------------------------------------------------

_FIRST_AR = ["محمد", "أحمد", "علي", "حسن", "فاطمة", "مريم", "خالد", "سارة", "يوسف", "نورة"]
_LAST_AR = ["البحراني", "الخليفة", "العلوي", "الموسوي", "السيد", "الحداد", "الجودر", "المناعي"]
_FIRST_EN = ["Mohammed", "Ahmed", "Ali", "Hasan", "Fatima", "Maryam", "Khalid", "Sara", "Yusuf"]
_LAST_EN = ["Albahrani", "Alkhalifa", "Alalawi", "Almusawi", "Alsayed", "Alhaddad", "Aljowder"]
_BANKS = ["NBOB", "BBKU", "AUBB", "KFHB", "BIBB", "ABCO", "CITI", "HSBC"]
_NATIONS = ["BH", "BH", "BH", "IN", "PK", "EG", "PH", "GB"]


def _objects(values: Any) -> pd.Series:
    return pd.Series(np.asarray(values, dtype=object), dtype=object)


def _pick(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    return rng.random(n) < rate


def _mojibake(text: str) -> str:
    return text.encode("utf-8").decode("cp1256", errors="replace")


def _amounts(fils: np.ndarray) -> list[Decimal]:
    return [Decimal(int(f)).scaleb(-3) for f in fils]


def _ibans(banks: np.ndarray, accounts: np.ndarray) -> list[str]:
    """Valid Bahraini IBANs: the mod-97 check digits computed in numpy."""
    letters = {c: str(ord(c) - 55) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
    bank_mod = np.array([int("".join(letters[c] for c in b)) % 97 for b in _BANKS])[banks]
    # BBAN (bank, 14 digits) + "BH00" → bank digits, account, 11 17 00
    rest = (accounts % 97) * pow(10, 6, 97) + 111700 % 97
    check = 98 - (bank_mod * pow(10, 20, 97) + rest) % 97
    return [f"BH{c:02d}{_BANKS[b]}{a:014d}" for c, b, a in zip(check, banks, accounts, strict=True)]


def employees(n: int, seed: int) -> tuple[pd.DataFrame, dict[str, Any]]:
    """``n`` employees in the mapped shape, ~2% with a fault, and the context to check them in."""
    rng = np.random.default_rng(seed)
    ids = np.arange(n)
    birth = pd.Timestamp("1960-01-01") + pd.to_timedelta(rng.integers(0, 14_600, n), unit="D")
    hire = birth + pd.to_timedelta(rng.integers(20 * 366, 40 * 365, n), unit="D")
    hire = hire.where(hire < pd.Timestamp("2026-06-01"), pd.Timestamp("2026-05-01"))
    young = _pick(rng, n, 0.001)
    hire = hire.where(~young, birth + pd.to_timedelta(16 * 365, unit="D"))
    future = _pick(rng, n, 0.001)
    hire = hire.where(~future, pd.Timestamp("2031-05-01"))
    yymm = (birth.year % 100) * 100 + birth.month
    cpr = [f"{p:04d}{s:05d}" for p, s in zip(yymm, rng.integers(0, 100_000, n), strict=True)]
    national_id = _objects(cpr)
    mismatch = _pick(rng, n, 0.004)
    national_id[mismatch] = [
        f"{(int(v[:4]) + 1) % 10000:04d}{v[4:]}" for v in national_id[mismatch]
    ]
    national_id[_pick(rng, n, 0.001)] = "12345"
    national_id[_pick(rng, n, 0.0005)] = None
    grades = [f"G{g:02d}" for g in range(1, 16)]
    bands = {g: (Decimal(300 + 200 * i), Decimal(800 + 200 * i)) for i, g in enumerate(grades)}
    grade_index = rng.integers(0, len(grades), n)
    low = np.array([int(bands[g][0]) for g in grades])[grade_index] * 1000
    salary_fils = low + rng.integers(0, 500_000, n)
    salary_fils[_pick(rng, n, 0.001)] += 5_000_000
    salary_fils[_pick(rng, n, 0.0005)] *= -1
    salary = _objects(_amounts(salary_fils))
    fine = np.flatnonzero(_pick(rng, n, 0.0005))
    salary[fine] = [s + Decimal("0.0005") for s in salary[fine]]
    grade = _objects(np.array(grades, dtype=object)[grade_index])
    grade[_pick(rng, n, 0.0005)] = "G99"
    ibans = _objects(_ibans(rng.integers(0, len(_BANKS), n), ids * 7919 % 10**14))
    bad_check = np.flatnonzero(_pick(rng, n, 0.001))
    ibans[bad_check] = [
        v[:2] + ("11" if v[2:4] != "11" else "12") + v[4:] for v in ibans[bad_check]
    ]
    ibans[_pick(rng, n, 0.0005)] = "GB82WEST12345698765432"
    ibans[_pick(rng, n, 0.0005)] = "BH67BMAG0000129912345"
    ibans[_pick(rng, n, 0.0005)] = None
    names_ar = _objects(
        [f"{_FIRST_AR[a]} {_FIRST_AR[b]} {_LAST_AR[c]}" for a, b, c in rng.integers(0, 8, (n, 3))]
    )
    garbled = np.flatnonzero(_pick(rng, n, 0.0005))
    names_ar[garbled] = [
        _mojibake(v) if i % 2 else " ".join([*v.split(" ")[:-1], _mojibake(v.split(" ")[-1])])
        for i, v in enumerate(names_ar[garbled])
    ]
    names_en = _objects([f"{_FIRST_EN[a]} {_LAST_EN[c]}" for a, c in rng.integers(0, 7, (n, 2))])
    email = _objects([f"user{i}@gov.bh" for i in ids])
    email[_pick(rng, n, 0.2)] = None
    email[_pick(rng, n, 0.001)] = "user at gov.bh"
    phone = _objects([f"3{p:07d}" for p in rng.integers(0, 10**7, n)])
    spaced = np.flatnonzero(_pick(rng, n, 0.3))
    phone[spaced] = [f"+973 {v[:4]} {v[4:]}" for v in phone[spaced]]
    phone[_pick(rng, n, 0.001)] = "1234-567"
    gender = _objects(rng.choice(["male", "female"], n))
    gender[_pick(rng, n, 0.0005)] = "M"
    nationality = _objects(np.array(_NATIONS, dtype=object)[rng.integers(0, 8, n)])
    nationality[_pick(rng, n, 0.0005)] = "bh"
    org_units = {f"OU{i:03d}" for i in range(200)}
    jobs = {f"J{i:04d}" for i in range(500)}
    org = _objects([f"OU{i:03d}" for i in rng.integers(0, 200, n)])
    org[_pick(rng, n, 0.0005)] = "OU999"
    job = _objects([f"J{i:04d}" for i in rng.integers(0, 500, n)])
    job[_pick(rng, n, 0.0005)] = "J9999"
    status = _objects(rng.choice(["active", "active", "active", "terminated"], n))
    status[_pick(rng, n, 0.0005)] = "retired"
    ended = (status == "terminated").to_numpy()
    end = pd.Series(hire + pd.to_timedelta(rng.integers(30, 3000, n), unit="D")).where(ended)
    before = _pick(rng, n, 0.0005) & ended
    end[before] = pd.Series(hire)[before] - pd.Timedelta(days=30)
    employee_no = _objects([f"E{i:07d}" for i in ids])
    again = np.flatnonzero(_pick(rng, n, 0.0005))
    employee_no[again] = employee_no[rng.integers(0, n, len(again))].to_numpy()
    frame = pd.DataFrame(
        {
            "employee_no": employee_no,
            "national_id": national_id,
            "name_ar": names_ar,
            "name_en": names_en,
            "birth_date": pd.Series(birth).astype(NS),
            "gender": gender,
            "nationality": nationality,
            "org_unit_code": org,
            "job_code": job,
            "grade_code": grade,
            "hire_date": pd.Series(hire).astype(NS),
            "end_date": pd.Series(end).astype(NS),
            "status": status,
            "base_salary": salary,
            "iban": ibans,
            "email": email,
            "phone": phone,
            SOURCE_KEY: _objects([f"{i:08d}" for i in ids]),
            "_row_hash": _objects(np.full(n, "0" * 64, dtype=object)),
        }
    )
    copies = np.flatnonzero(_pick(rng, n, 0.0005))
    originals = rng.integers(0, n, len(copies))
    content = [c for c in frame.columns if c not in ("employee_no", SOURCE_KEY, "_row_hash")]
    for column in content:
        frame.loc[copies, column] = frame[column].to_numpy()[originals]
    context = {"grade_bands": bands, "org_units": org_units, "jobs": jobs}
    return frame, context


def journal_lines(n: int, seed: int) -> tuple[pd.DataFrame, dict[str, Any]]:
    """``n`` journal lines (two to an entry, balanced), ~2% with a fault, and their context."""
    rng = np.random.default_rng(seed + 1)
    ids = np.arange(n)
    entry_index = ids // 2
    entry_no = _objects([f"JE{e:08d}" for e in entry_index])
    amount = rng.integers(1, 5_000_000, n // 2 + 1)[entry_index]
    is_debit = ids % 2 == 0
    debit_fils = np.where(is_debit, amount, 0)
    credit_fils = np.where(is_debit, 0, amount)
    unbalanced = _pick(rng, n, 0.003) & ~is_debit
    credit_fils[unbalanced] += 1
    negative = _pick(rng, n, 0.001) & is_debit
    debit_fils[negative] *= -1
    both = _pick(rng, n, 0.001) & is_debit
    credit_fils[both] = 1000
    debit = _objects(_amounts(debit_fils))
    credit = _objects(_amounts(credit_fils))
    fine = np.flatnonzero(_pick(rng, n, 0.001) & ~is_debit)
    credit[fine] = [c + Decimal("0.0004") for c in credit[fine]]
    debit[_pick(rng, n, 0.001) & ~is_debit] = None
    accounts = [f"5{i:06d}" for i in range(300)]
    account = _objects(np.array(accounts, dtype=object)[rng.integers(0, 300, n)])
    account[_pick(rng, n, 0.002)] = "9999999"
    days = rng.integers(0, 540, n // 2 + 1)[entry_index]
    entry_date = pd.Timestamp("2025-01-01") + pd.to_timedelta(days, unit="D")
    future = _pick(rng, n, 0.001)
    entry_date = entry_date.where(~future, pd.Timestamp("2027-01-15"))
    period = _objects(entry_date.strftime("%Y-%m"))
    period[_pick(rng, n, 0.001)] = "2026/01"
    period[_pick(rng, n, 0.002)] = "2024-12"
    open_periods = {f"{y}-{m:02d}" for y in (2025, 2026) for m in range(1, 13)}
    description = _objects(
        np.array(["دفعة مورد - supplier payment", "رواتب", "Utilities", None], dtype=object)[
            rng.integers(0, 4, n)
        ]
    )
    description[_pick(rng, n, 0.001)] = _mojibake("دفعة مورد")
    currency = _objects(np.full(n, "BHD", dtype=object))
    currency[_pick(rng, n, 0.001)] = "bhd"
    line_no = _objects([f"L{i:09d}" for i in ids])
    again = np.flatnonzero(_pick(rng, n, 0.001))
    line_no[again] = line_no[rng.integers(0, n, len(again))].to_numpy()
    line_no[_pick(rng, n, 0.0005)] = None
    entries = {f"JE{e:08d}" for e in range(n // 2 + 1)}
    entries -= {f"JE{e:08d}" for e in rng.integers(0, n // 2, max(n // 1000, 1))}
    frame = pd.DataFrame(
        {
            "line_no": line_no,
            "entry_no": entry_no,
            "account_code": account,
            "vendor_no": _objects([f"S{i:04d}" for i in rng.integers(0, 500, n)]),
            "debit": debit,
            "credit": credit,
            "currency": currency,
            "description": description,
            "cost_centre": _objects([f"CC{i:03d}" for i in rng.integers(0, 40, n)]),
            "entry_date": pd.Series(entry_date).astype(NS),
            "period": period,
            "reference": _objects([f"INV{i:07d}" for i in rng.integers(0, n, n)]),
            SOURCE_KEY: _objects([f"{i:09d}" for i in ids]),
            "_row_hash": _objects(np.full(n, "0" * 64, dtype=object)),
        }
    )
    copies = np.flatnonzero(_pick(rng, n, 0.001))
    originals = rng.integers(0, n, len(copies))
    content = [c for c in frame.columns if c not in ("line_no", SOURCE_KEY, "_row_hash")]
    for column in content:
        frame.loc[copies, column] = frame[column].to_numpy()[originals]
    context = {"crosswalk": set(accounts), "open_periods": open_periods, "entries": entries}
    return frame, context


# --- the baseline: the same checks in plain pandas --------------------------------------------

Failures = dict[str, np.ndarray]
"""Rule id → failing row positions (or, for entity-level rules, failing source keys)."""


def _strs(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column].astype("str")


def _bad_regex(frame: pd.DataFrame, column: str, pattern: str) -> np.ndarray:
    return np.asarray(frame[column].notna() & ~_strs(frame, column).str.contains(pattern))


def _bad_set(frame: pd.DataFrame, column: str, values: Any) -> np.ndarray:
    return np.asarray(frame[column].notna() & ~frame[column].isin(values))


def _whole_fils(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer fils of each amount and whether it is one (missing: 0, True)."""
    fils = np.zeros(len(values), dtype=np.int64)
    whole = np.ones(len(values), dtype=bool)
    for i, v in enumerate(values.tolist()):
        if v is None:
            continue
        try:
            fils[i] = to_fils(v)
        except AmountError:
            whole[i] = False
    return fils, whole


def _garbled(frame: pd.DataFrame, column: str) -> np.ndarray:
    s = _strs(frame, column)
    suspect = np.asarray(s.str.contains("[طظعغ]"))
    bad = np.zeros(len(frame), dtype=bool)
    if suspect.any():
        codes, uniques = pd.factorize(s[suspect])
        verdict = []
        for u in uniques:
            found = False
            for run in re.findall(r"[^\x00-\x7f]+", str(u)):
                try:
                    fixed = run.encode("cp1256").decode("utf-8")
                except (UnicodeEncodeError, UnicodeDecodeError):
                    continue
                found |= fixed != run and bool(re.search("[\u0621-\u064a\u0671-\u06d3]", fixed))
            verdict.append(found)
        bad[np.flatnonzero(suspect)] = np.array(verdict, dtype=bool)[codes]
    return bad


def _duplicates(
    frame: pd.DataFrame, key: str, content: list[str] | None
) -> tuple[np.ndarray, np.ndarray]:
    """Rows repeating another row's key, and rows repeating another row's content under a
    different key; in each group the smallest source key is the original."""
    order = pd.DataFrame({"k": frame[key], "s": frame[SOURCE_KEY], "p": np.arange(len(frame))})
    keyed = order[order["k"].notna()]
    repeated = keyed[keyed["k"].duplicated(keep=False)].sort_values(["k", "s", "p"])
    key_rows = repeated["p"].to_numpy()[repeated["k"].duplicated(keep="first").to_numpy()]
    if content is None:
        return key_rows, np.empty(0, dtype=np.int64)
    same = frame.duplicated(subset=content, keep=False).to_numpy()
    group = frame.loc[same, content].groupby(content, dropna=False, sort=False).ngroup()
    dup = order[same].assign(g=group.to_numpy()).sort_values(["g", "s", "p"])
    first = ~dup["g"].duplicated(keep="first")
    original_key = dup["k"].where(first).groupby(dup["g"]).transform("first")
    flagged = ~first & (dup["k"].astype(object) != original_key.astype(object))
    return key_rows, dup["p"].to_numpy()[flagged.to_numpy()]


def baseline_employees(f: pd.DataFrame, ctx: dict[str, Any]) -> Failures:
    from consolidation.core.unified import ENTITIES
    from validation.suites import BAHRAIN_PHONE, COUNTRY, EMAIL, NINE_DIGITS

    out: Failures = {}
    for column in ENTITIES["employee"].required():
        out[f"employee.{column}.present"] = np.asarray(f[column].isna())
    out["employee.national_id.nine_digits"] = _bad_regex(f, "national_id", NINE_DIGITS)
    out["employee.gender.known"] = _bad_set(f, "gender", ["male", "female"])
    out["employee.status.known"] = _bad_set(f, "status", ["active", "suspended", "terminated"])
    out["employee.nationality.iso_code"] = _bad_regex(f, "nationality", COUNTRY)
    out["employee.email.format"] = _bad_regex(f, "email", EMAIL)
    out["employee.phone.format"] = _bad_regex(f, "phone", BAHRAIN_PHONE)
    birth, hire, end = f["birth_date"], f["hire_date"], f["end_date"]
    tomorrow = pd.Timestamp(TODAY) + pd.Timedelta(days=1)
    out["employee.hire_date.not_future"] = np.asarray(hire >= tomorrow)
    out["employee.birth_date.plausible"] = np.asarray(
        (birth < pd.Timestamp("1900-01-01")) | (birth >= tomorrow)
    )
    ids = _strs(f, "national_id")
    checked = np.asarray(ids.str.fullmatch("[0-9]{9}")) & np.asarray(birth.notna())
    yymm = (birth.dt.year % 100) * 100 + birth.dt.month
    prefix = pd.to_numeric(ids.str.slice(0, 4), errors="coerce")
    out["employee.national_id.matches_birth_date"] = checked & np.asarray(prefix != yymm)
    codes, uniques = pd.factorize(f["iban"])
    verdict = []
    for u in uniques:
        c = u if _BH_IBAN.match(u) else stdnum_iban.compact(u)
        verdict.append(
            c.isascii()
            and c.isalnum()
            and c[:2] == "BH"
            and len(c) == 22
            and stdnum_iban.is_valid(c)
        )
    out["employee.iban.valid"] = (codes >= 0) & ~np.append(np.array(verdict, bool), True)[codes]
    age = (
        hire.dt.year
        - birth.dt.year
        - ((hire.dt.month * 100 + hire.dt.day) < (birth.dt.month * 100 + birth.dt.day))
    )
    out["employee.hire_date.min_age"] = np.asarray(age < 18)
    out["employee.end_date.after_hire_date"] = np.asarray(end < hire)
    salary = f["base_salary"]
    has_salary = np.asarray(salary.notna())
    filled = salary.where(salary.notna(), Decimal(1)).to_numpy(dtype=object)
    out["employee.base_salary.positive"] = ~(filled > 0)
    bands = ctx["grade_bands"]
    low = f["grade_code"].map({g: b[0] for g, b in bands.items()})
    high = f["grade_code"].map({g: b[1] for g, b in bands.items()})
    banded = has_salary & np.asarray(low.notna()) & (filled > 0)
    outside = np.zeros(len(f), dtype=bool)
    outside[banded] = (filled[banded] < low.to_numpy()[banded]) | (
        filled[banded] > high.to_numpy()[banded]
    )
    out["employee.base_salary.within_grade_band"] = outside
    out["employee.org_unit_code.exists"] = _bad_set(f, "org_unit_code", ctx["org_units"])
    out["employee.job_code.exists"] = _bad_set(f, "job_code", ctx["jobs"])
    out["employee.grade_code.exists"] = _bad_set(f, "grade_code", list(bands))
    _, whole = _whole_fils(salary)
    out["employee.base_salary.max_three_decimals"] = ~whole
    out["employee.name_ar.not_mojibake"] = _garbled(f, "name_ar")
    out["employee.name_en.not_mojibake"] = _garbled(f, "name_en")
    content = [c for c in ENTITIES["employee"].fields if c != "employee_no"]
    key_rows, content_rows = _duplicates(f, "employee_no", content)
    out["employee.employee_no.unique"] = key_rows
    out["employee.record.unique"] = content_rows
    return out


def baseline_journal_lines(f: pd.DataFrame, ctx: dict[str, Any]) -> Failures:
    from consolidation.core.unified import ENTITIES
    from validation.suites import CURRENCY, PERIOD

    out: Failures = {}
    for column in ENTITIES["journal_line"].required():
        out[f"journal_line.{column}.present"] = np.asarray(f[column].isna())
    out["journal_line.period.format"] = _bad_regex(f, "period", PERIOD)
    tomorrow = pd.Timestamp(TODAY) + pd.Timedelta(days=1)
    out["journal_line.entry_date.not_future"] = np.asarray(f["entry_date"] >= tomorrow)
    out["journal_line.currency.iso_code"] = _bad_regex(f, "currency", CURRENCY)
    out["journal_line.account_code.in_crosswalk"] = _bad_set(f, "account_code", ctx["crosswalk"])
    out["journal_line.entry_no.exists"] = _bad_set(f, "entry_no", ctx["entries"])
    out["journal_line.period.open"] = _bad_set(f, "period", ctx["open_periods"])
    debit = f["debit"].where(f["debit"].notna(), Decimal(0)).to_numpy(dtype=object)
    credit = f["credit"].where(f["credit"].notna(), Decimal(0)).to_numpy(dtype=object)
    out["journal_line.debit.not_negative"] = debit < 0
    out["journal_line.credit.not_negative"] = credit < 0
    out["journal_line.debit.one_sided"] = (debit != 0) & (credit != 0)
    debit_fils, debit_whole = _whole_fils(f["debit"])
    credit_fils, credit_whole = _whole_fils(f["credit"])
    out["journal_line.debit.max_three_decimals"] = ~debit_whole
    out["journal_line.credit.max_three_decimals"] = ~credit_whole
    out["journal_line.description.not_mojibake"] = _garbled(f, "description")
    content = [c for c in ENTITIES["journal_line"].fields if c != "line_no"]
    key_rows, content_rows = _duplicates(f, "line_no", content)
    out["journal_line.line_no.unique"] = key_rows
    out["journal_line.record.unique"] = content_rows
    whole = debit_whole & credit_whole
    entry = f["entry_no"]
    sums = (
        pd.DataFrame({"e": entry, "d": debit_fils, "c": credit_fils})[whole & entry.notna()]
        .groupby("e")
        .sum()
    )
    unbalanced = set(sums.index[sums["d"] != sums["c"]])
    finer = set(f.loc[~whole & entry.notna(), "entry_no"])
    exact = f.loc[entry.isin(finer), ["entry_no", "debit", "credit"]].fillna(Decimal(0))
    for e, lines in exact.groupby("entry_no"):
        unbalanced.discard(e)
        if sum(lines["debit"], Decimal(0)) != sum(lines["credit"], Decimal(0)):
            unbalanced.add(e)
    unbalanced -= set(entry[f["debit"].isna() | f["credit"].isna()].dropna())
    out["journal_entry.lines.balanced"] = np.array(sorted(unbalanced), dtype=object)
    return out


def _pairs(frame: pd.DataFrame, failures: Failures) -> set[tuple[str, str]]:
    keys = frame[SOURCE_KEY].to_numpy(dtype=object)
    pairs: set[tuple[str, str]] = set()
    for rule_id, rows in failures.items():
        if rows.dtype == object:
            pairs.update((str(k), rule_id) for k in rows)
        else:
            positions = np.flatnonzero(rows) if rows.dtype == bool else rows
            pairs.update((str(k), rule_id) for k in keys[positions])
    return pairs


# --- measuring ---------------------------------------------------------------------------------


def _timed(run: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def _ours(entity: str, frame: pd.DataFrame, context: Any, chunk: int | None) -> pd.DataFrame:
    from validation import EntityValidator

    validator = EntityValidator(entity, context)
    size = chunk or len(frame)
    parts = [validator.check_chunk(frame.iloc[i : i + size]) for i in range(0, len(frame), size)]
    parts.append(validator.finish())
    return pd.concat(parts, ignore_index=True)


def measure(
    entity: str,
    frame: pd.DataFrame,
    extra: dict[str, Any],
    baseline: Callable[[pd.DataFrame, dict[str, Any]], Failures],
    chunk: int,
) -> dict[str, Any]:
    from validation import EntityValidator, ValidationContext

    context = ValidationContext(reference_date=TODAY, **extra)
    EntityValidator(entity, context).check_chunk(frame.iloc[:1000])  # import GE, warm up
    base_s, failures = _timed(lambda: baseline(frame, extra))
    ours_s, issues = _timed(lambda: _ours(entity, frame, context, None))
    chunked_s, chunked = _timed(lambda: _ours(entity, frame, context, chunk))
    expected = _pairs(frame, failures)
    got = set(zip(issues["_source_key"].astype(str), issues["rule_id"], strict=True))
    got_chunked = set(zip(chunked["_source_key"].astype(str), chunked["rule_id"], strict=True))
    for name, found in (("one chunk", got), (f"{chunk:,}-row chunks", got_chunked)):
        if found != expected:
            rules = sorted({r for _, r in found ^ expected})
            raise SystemExit(
                f"{entity} ({name}): ours and the baseline disagree on {len(found ^ expected)} "
                f"failures, rules {rules}: only ours {sorted(found - expected)[:5]}, "
                f"only baseline {sorted(expected - found)[:5]}"
            )
    rows_failing = len({k for k, _ in expected})
    iban_s = None
    if entity == "employee":
        from validation.hr import valid_ibans

        iban_s = round(_timed(lambda: valid_ibans(frame, "iban"))[0], 2)
    return {
        "entity": entity,
        "rows": len(frame),
        "failing_rows_pct": round(100 * rows_failing / len(frame), 2),
        "failures": len(expected),
        "baseline_s": round(base_s, 2),
        "ours_s": round(ours_s, 2),
        "ratio": round(ours_s / base_s, 2),
        "chunked_s": round(chunked_s, 2),
        "chunked_ratio": round(chunked_s / base_s, 2),
        "same_failures": True,
        "iban_s": iban_s,
    }


def ge_dates(entity: str, frame: pd.DataFrame, extra: dict[str, Any]) -> dict[str, Any]:
    """great-expectations alone on the narrow view, dates as datetime64[us] against [ns]."""
    from validation import ValidationContext, rules_for
    from validation.gx_suite import EntitySuite

    context = ValidationContext(reference_date=TODAY, **extra)
    suite = EntitySuite(entity, rules_for(entity), context)
    view = suite.narrow(frame)
    dates = [c for c in view.columns if view[c].dtype.kind == "M"]
    micro = view.astype({c: "datetime64[us]" for c in dates})
    suite.failures(view.iloc[:1000])
    ns_s, ns_found = _timed(lambda: suite.failures(view))
    us_s, us_found = _timed(lambda: suite.failures(micro))
    assert {k: list(v) for k, v in ns_found.items()} == {k: list(v) for k, v in us_found.items()}
    return {"entity": entity, "date_columns": dates, "ns_s": round(ns_s, 2), "us_s": round(us_s, 2)}


def ge_fingerprint(frame: pd.DataFrame, extra: dict[str, Any]) -> dict[str, Any]:
    """The batch fingerprint GE computes: on the full mapped frame against the narrow view."""
    from great_expectations.execution_engine.pandas_execution_engine import (
        hash_pandas_dataframe,
    )

    from validation import ValidationContext, rules_for
    from validation.gx_suite import EntitySuite

    suite = EntitySuite("employee", rules_for("employee"), ValidationContext(TODAY, **extra))
    view = suite.narrow(frame)
    full_s, _ = _timed(lambda: hash_pandas_dataframe(frame))
    view_s, _ = _timed(lambda: hash_pandas_dataframe(view))
    return {"full_s": round(full_s, 2), "narrow_s": round(view_s, 2), "columns": len(view.columns)}


def ge_paths(frame: pd.DataFrame, extra: dict[str, Any]) -> dict[str, float]:
    """Three supported ways to run the employee suite on the same narrow view."""
    import great_expectations as gx

    from validation import ValidationContext, rules_for
    from validation.gx_suite import RESULT_FORMAT, EntitySuite, gx_state

    suite = EntitySuite("employee", rules_for("employee"), ValidationContext(TODAY, **extra))
    view = suite.narrow(frame)
    context = gx_state().context
    stored = context.suites.add(gx.ExpectationSuite(name="bench-employee"))
    for expectation in suite.suite.expectations:
        stored.add_expectation(expectation.copy(update={"id": None}))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name="bench-employee", data=suite.batch_definition, suite=stored)
    )
    params = {"dataframe": view}

    def batch_validate() -> Any:
        batch = suite.batch_definition.get_batch(batch_parameters=params)
        return batch.validate(suite.suite, result_format=RESULT_FORMAT)

    timings = {
        "v1 Validator (ours)": _timed(lambda: suite.failures(view))[0],
        "Batch.validate": _timed(batch_validate)[0],
        "ValidationDefinition.run": _timed(
            lambda: definition.run(batch_parameters=params, result_format=RESULT_FORMAT)
        )[0],
    }
    return {k: round(v, 2) for k, v in timings.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    employee_frame, employee_extra = employees(args.rows, args.seed)
    line_frame, line_extra = journal_lines(args.rows, args.seed)
    results = [
        measure("employee", employee_frame, employee_extra, baseline_employees, args.chunk),
        measure("journal_line", line_frame, line_extra, baseline_journal_lines, args.chunk),
    ]
    dates = [
        ge_dates("employee", employee_frame, employee_extra),
        ge_dates("journal_line", line_frame, line_extra),
    ]
    fingerprint = ge_fingerprint(employee_frame, employee_extra)
    paths = ge_paths(employee_frame, employee_extra)

    print(f"Validation of {args.rows:,} mapped rows (seconds; same (row, rule) failures: yes)\n")
    print(
        "| entity | rows with a fault | failures | plain pandas | ours, one chunk | ratio "
        f"| ours, {args.chunk:,}-row chunks | ratio |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        cells = [
            r["entity"],
            f"{r['failing_rows_pct']}%",
            f"{r['failures']:,}",
            r["baseline_s"],
            r["ours_s"],
            f"{r['ratio']}×",
            r["chunked_s"],
            f"{r['chunked_ratio']}×",
        ]
        print("| " + " | ".join(str(c) for c in cells) + " |")
    for r in results:
        if r["iban_s"] is not None:
            print(
                f"\nOf the {r['entity']} time, {r['iban_s']} s in each column is "
                "`employee.iban.valid`: `stdnum.iban` on every distinct IBAN (all distinct here)."
            )
    print("\ngreat-expectations alone on the narrow view, by date unit (seconds)\n")
    print("| entity | date columns | datetime64[ns] | datetime64[us] |")
    print("|---|---|---:|---:|")
    for d in dates:
        print(f"| {d['entity']} | {', '.join(d['date_columns'])} | {d['ns_s']} | {d['us_s']} |")
    print("\nGE batch fingerprint of the employee chunk (seconds)\n")
    print("| full mapped frame | narrow view |")
    print("|---:|---:|")
    print(
        f"| {fingerprint['full_s']} | {fingerprint['narrow_s']} ({fingerprint['columns']} cols) |"
    )
    print("\nRunning the employee suite on the narrow view (seconds)\n")
    print("| " + " | ".join(paths) + " |")
    print("|" + "---:|" * len(paths))
    print("| " + " | ".join(str(v) for v in paths.values()) + " |")
    OUT.mkdir(exist_ok=True)
    (OUT / "validation.json").write_text(
        json.dumps(
            {
                "rows": args.rows,
                "results": results,
                "ge_dates": dates,
                "fingerprint": fingerprint,
                "ge_paths": paths,
            },
            indent=2,
        ),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
