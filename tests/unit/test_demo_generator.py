"""The demo generator: deterministic, clean where it says so, faulty exactly where it says so."""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from consolidation.core.money import AmountError, AmountSum, decimal_places, parse_amount
from consolidation.core.sources import CsvSource, ExcelSource, SqlSource, load_sources
from consolidation.demo import FAULT_IDS, REFERENCE_DATE, DemoManifest, FaultRates, generate
from consolidation.demo.faults import mojibake
from consolidation.demo.identity import corrupt_iban, iban_is_valid, make_iban

Row = dict[str, Any]
_ARABIC_NAME = re.compile(r"^[\u0621-\u064a\u0640 ]+$")
_EMAIL = re.compile(r"^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$")
_PHONE = re.compile(r"^(\+973 ?)?3\d{7}$")
_TO_ASCII = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoManifest:
    """The demo at its default size, all on SQLite and files."""
    return generate(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def truth(demo: DemoManifest) -> dict[str, Any]:
    return json.loads(demo.ground_truth_file.read_text(encoding="utf-8"))


def _table(directory: Path, source: str, table: str) -> list[Row]:
    with sqlite3.connect(directory / f"{source}.sqlite") as connection:
        connection.row_factory = sqlite3.Row
        return [dict(row) for row in connection.execute(f'SELECT * FROM "{table}"')]


def _csv(path: Path) -> list[Row]:
    with path.open(encoding="cp1256", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def _sheet(path: Path, sheet: str, header_row: int = 1) -> list[Row]:
    workbook = openpyxl.load_workbook(path, read_only=True)
    rows = list(workbook[sheet].iter_rows(values_only=True))
    workbook.close()
    header = rows[header_row - 1]
    return [dict(zip(header, row, strict=True)) for row in rows[header_row:]]


def _injected(truth: dict[str, Any], source: str, entity: str) -> dict[str, str]:
    return {
        fault["source_key"]: fault["fault"]
        for fault in truth["faults"]
        if fault["source"] == source and fault["entity"] == entity
    }


def _parses(text: object) -> Decimal | None:
    try:
        return parse_amount(None if text is None else str(text))
    except AmountError:
        return None


def _dmy(text: str) -> date:
    return datetime.strptime(text, "%d/%m/%Y").date()


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _employee_failures(
    records: list[Row],
    *,
    key: str,
    national_id: str,
    birth: Callable[[Row], date],
    hire: Callable[[Row], date],
    salary: str,
    iban: str,
    email: str,
    phone: str,
    arabic_names: list[str],
    units: set[str],
    unit: str,
    jobs: set[str] | None = None,
    job: str | None = None,
    bands: dict[str, tuple[Decimal, Decimal]] | None = None,
    grade: str | None = None,
) -> dict[str, set[str]]:
    """Every rule a clean employee record must pass, as the fault id each failure stands for."""
    failures: dict[str, set[str]] = defaultdict(set)
    seen: set[tuple[Any, ...]] = set()
    for row in sorted(records, key=lambda record: record[key]):
        failed = failures[row[key]]
        content = tuple(value for column, value in row.items() if column != key)
        if content in seen:
            failed.add("within_source_duplicate")
        seen.add(content)
        assert all(row[column] not in (None, "") for column in row if column != national_id)
        cpr = (row[national_id] or "").translate(_TO_ASCII)
        if not cpr:
            failed.add("missing_national_id")
        else:
            assert re.fullmatch(r"\d{9}", cpr), cpr
            born = birth(row)
            if cpr[:4] != f"{born.year % 100:02d}{born.month:02d}":
                failed.add("cpr_birth_mismatch")
        if not iban_is_valid(row[iban]):
            failed.add("bad_iban_checksum")
        hired = hire(row)
        if hired > REFERENCE_DATE:
            failed.add("future_date")
        if _age(birth(row), hired) < 18:
            failed.add("hire_before_18")
        amount = _parses(row[salary])
        if amount is None:
            failed.add("amount_not_numeric")
        else:
            assert amount > 0 and decimal_places(amount) <= 3
            if bands is not None and grade is not None:
                low, high = bands[row[grade]]
                assert low <= amount <= high, (row[key], amount, low, high)
        if not all(_ARABIC_NAME.match(row[column]) for column in arabic_names):
            failed.add("mojibake")
        assert _EMAIL.match(row[email]), row[email]
        assert _PHONE.match(row[phone].translate(_TO_ASCII)), row[phone]
        assert row[unit] in units
        if jobs is not None and job is not None:
            assert row[job] in jobs
    return {key_: faults for key_, faults in failures.items() if faults}


def _expected(truth: dict[str, Any], source: str, entity: str) -> dict[str, set[str]]:
    return {key: {fault} for key, fault in _injected(truth, source, entity).items()}


def test_sources_yaml_loads_and_declares_what_the_data_holds(demo: DemoManifest) -> None:
    config = load_sources(demo.sources_file)
    assert list(config.sources) == ["moh_hr", "moe_hr", "mof_gl", "mys_hr", "mys_fin"]
    assert set(config.ministries) == {"MOH", "MOE", "MOF", "MYS"}
    assert config.ministries["MOF"].name_en == "Ministry of Finance and National Economy"
    for name, source in config.sources.items():
        for entity, spec in source.entities.items():
            if isinstance(source, SqlSource):
                path = Path(source.url.removeprefix("sqlite:///"))
                assert path.is_absolute() and path.exists()
                with sqlite3.connect(path) as connection:
                    cursor = connection.execute(f'SELECT * FROM "{spec.table}" LIMIT 0')
                    columns = [item[0] for item in cursor.description]
            elif isinstance(source, CsvSource):
                path = config.resolve(spec.path)
                with path.open(encoding=spec.encoding) as handle:
                    columns = handle.readline().strip().split(spec.delimiter)
            else:
                assert isinstance(source, ExcelSource)
                rows = _sheet(config.resolve(spec.path), spec.sheet or "", spec.header_row)
                columns = list(rows[0])
            assert spec.required_columns() and set(spec.required_columns()) <= set(columns), (
                name,
                entity,
            )
            assert demo.rows[name][entity] > 0


def test_same_seed_gives_identical_data(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", employees=120, journal_lines=600)
    second = generate(tmp_path / "b", employees=120, journal_lines=600)
    assert first.rows == second.rows and first.control == second.control
    for source, tables in {
        "moh_hr": ["HR_EMP", "PAY_TRN", "HR_DEPT"],
        "moe_hr": ["staff", "payroll"],
        "mof_gl": ["je_lines", "je_header", "suppliers", "opening_bal"],
    }.items():
        for table in tables:
            assert _table(first.directory, source, table) == _table(second.directory, source, table)
    for name in [
        "mys_employees.csv",
        "mys_units.csv",
        "mys_finance.xlsx",
        "ground_truth.json",
        "unified_chart.csv",
        "account_crosswalk.csv",
    ]:
        assert (first.directory / name).read_bytes() == (second.directory / name).read_bytes()
    other = generate(tmp_path / "c", employees=120, journal_lines=600, seed=7)
    assert _table(other.directory, "mof_gl", "je_lines") != _table(
        first.directory, "mof_gl", "je_lines"
    )


def test_one_source_alone_matches_the_full_run(tmp_path: Path) -> None:
    full = generate(tmp_path / "full", employees=120, journal_lines=600)
    alone = generate(tmp_path / "alone", employees=120, journal_lines=600, only=["mof_gl"])
    assert list(load_sources(alone.sources_file).sources) == ["mof_gl"]
    assert set(alone.rows) == {"mof_gl"}
    assert _table(alone.directory, "mof_gl", "je_lines") == _table(
        full.directory, "mof_gl", "je_lines"
    )


def test_every_fault_kind_appears_at_the_default_size(truth: dict[str, Any]) -> None:
    kinds = Counter(fault["fault"] for fault in truth["faults"])
    assert set(kinds) == set(FAULT_IDS)
    assert truth["duplicates"]["cross_ministry"]
    assert truth["duplicates"]["within_source"]
    assert truth["duplicates"]["vendors"]
    for source in ("moh_hr", "moe_hr", "mof_gl"):
        assert any(fault["source"] == source for fault in truth["faults"])
    assert truth["reference_date"] == "2026-06-30"
    assert truth["params"]["employees"] == 400


def test_no_record_carries_two_faults(truth: dict[str, Any]) -> None:
    records = Counter(
        (fault["source"], fault["entity"], fault["source_key"]) for fault in truth["faults"]
    )
    assert max(records.values()) == 1


def test_moh_employees_fail_exactly_the_injected_rules(
    demo: DemoManifest, truth: dict[str, Any]
) -> None:
    directory = demo.directory
    grades = _table(directory, "moh_hr", "HR_GRD")
    failures = _employee_failures(
        _table(directory, "moh_hr", "HR_EMP"),
        key="EMP_NO",
        national_id="CPR_NO",
        birth=lambda row: date.fromisoformat(row["BRTH_DT"]),
        hire=lambda row: date.fromisoformat(row["JOIN_DT"]),
        salary="BASIC_SAL",
        iban="IBAN_NO",
        email="EMAIL_ADDR",
        phone="MOB_NO",
        arabic_names=["NM_AR"],
        units={row["DEPT_CD"] for row in _table(directory, "moh_hr", "HR_DEPT")},
        unit="DEPT_CD",
        jobs={row["JOB_CD"] for row in _table(directory, "moh_hr", "HR_JOB")},
        job="JOB_CD",
        bands={row["GRD_CD"]: (Decimal(row["MIN_SAL"]), Decimal(row["MAX_SAL"])) for row in grades},
        grade="GRD_CD",
    )
    assert failures == _expected(truth, "moh_hr", "employee")
    employees = _table(directory, "moh_hr", "HR_EMP")
    assert all(re.fullmatch(r"\d{6}", row["EMP_NO"]) for row in employees)
    assert any(row["EMP_NO"].startswith("00") for row in employees)
    assert all(re.fullmatch(r"\d+\.\d{3}", row["BASIC_SAL"]) for row in employees)


def test_moe_employees_fail_exactly_the_injected_rules(
    demo: DemoManifest, truth: dict[str, Any]
) -> None:
    directory = demo.directory
    scale = _table(directory, "moe_hr", "salary_scale")
    staff = _table(directory, "moe_hr", "staff")
    failures = _employee_failures(
        staff,
        key="staff_id",
        national_id="national_no",
        birth=lambda row: _dmy(row["birth_date"]),
        hire=lambda row: _dmy(row["appointment_date"]),
        salary="monthly_salary",
        iban="bank_iban",
        email="email",
        phone="mobile",
        arabic_names=["first_name_ar", "father_name_ar", "grandfather_name_ar", "family_name_ar"],
        units={row["school_code"] for row in _table(directory, "moe_hr", "schools")},
        unit="school_code",
        jobs={row["position_code"] for row in _table(directory, "moe_hr", "positions")},
        job="position_code",
        bands={row["grade"]: (Decimal(row["min"]), Decimal(row["max"])) for row in scale},
        grade="grade",
    )
    assert failures == _expected(truth, "moe_hr", "employee")
    arabic_digits = [row for row in staff if "٫" in (row["monthly_salary"] or "")]
    assert 0.08 * len(staff) < len(arabic_digits) < 0.25 * len(staff)
    assert {row["gender"] for row in staff} == {"ذكر", "أنثى", "1", "2"}


def test_mys_employees_fail_exactly_the_injected_rules(
    demo: DemoManifest, truth: dict[str, Any]
) -> None:
    units = {row["unit_code"] for row in _csv(demo.directory / "mys_units.csv")}
    failures = _employee_failures(
        _csv(demo.directory / "mys_employees.csv"),
        key="emp_code",
        national_id="cpr",
        birth=lambda row: date.fromisoformat(row["birth_date"]),
        hire=lambda row: date.fromisoformat(row["hire_date"]),
        salary="salary",
        iban="iban",
        email="email",
        phone="phone",
        arabic_names=["name_ar"],
        units=units,
        unit="unit_code",
    )
    assert failures == _expected(truth, "mys_hr", "employee")


def test_mys_csv_is_windows_arabic(demo: DemoManifest) -> None:
    raw = (demo.directory / "mys_employees.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("cp1256")
    assert text.startswith("emp_code;cpr;name_ar;")
    assert re.search(r"[\u0621-\u064a]{3,}", text)
    assert "\r\n" in text


def test_mof_ledger_is_clean_except_where_injected(
    demo: DemoManifest, truth: dict[str, Any]
) -> None:
    directory = demo.directory
    lines = _table(directory, "mof_gl", "je_lines")
    headers = _table(directory, "mof_gl", "je_header")
    chart = {row["acct_no"] for row in _table(directory, "mof_gl", "gl_accounts")}
    crosswalk = _crosswalk(directory, "MOF")
    assert len(lines) == 4000 and len(lines) == demo.rows["mof_gl"]["journal_line"]
    line_faults = _injected(truth, "mof_gl", "journal_line")
    totals: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    sizes: Counter[int] = Counter()
    found: dict[str, str] = {}
    for line in lines:
        debit, credit = Decimal(line["dr_amt"]), Decimal(line["cr_amt"])
        assert (debit == 0) != (credit == 0) and debit >= 0 and credit >= 0
        assert line["acct_no"] in chart and line["currency"] == "BHD"
        totals[line["je_id"]][0] += debit
        totals[line["je_id"]][1] += credit
        sizes[line["je_id"]] += 1
        if (debit + credit).normalize().as_tuple().exponent < -3:  # type: ignore[operator]
            found[str(line["line_id"])] = "amount_4_decimals"
        if line["acct_no"] not in crosswalk:
            found.setdefault(str(line["line_id"]), "account_not_in_crosswalk")
        if line["supp_id"] is not None:
            assert line["acct_no"] in {"2101001", "2101002"}
    assert found == line_faults
    assert set(Counter(found.values())) == {"amount_4_decimals", "account_not_in_crosswalk"}
    assert set(sizes.values()) <= {2, 3, 4, 5, 6}
    unbalanced = {str(je) for je, (dr, cr) in totals.items() if dr != cr}
    assert unbalanced == set(_injected(truth, "mof_gl", "journal_entry"))
    assert unbalanced
    for header in headers:
        assert header["period"] == header["je_date"][:7]
        assert "2025-01" <= header["period"] <= "2025-12"
    opening = _table(directory, "mof_gl", "opening_bal")
    assert sum(Decimal(row["dr_amt"]) for row in opening) == sum(
        Decimal(row["cr_amt"]) for row in opening
    )
    assert all(row["acct_no"] in crosswalk for row in opening)


def _crosswalk(directory: Path, ministry: str) -> set[str]:
    with (directory / "account_crosswalk.csv").open(encoding="utf-8", newline="") as handle:
        return {row["source_code"] for row in csv.DictReader(handle) if row["ministry"] == ministry}


def test_mys_journal_is_clean_except_where_injected(
    demo: DemoManifest, truth: dict[str, Any]
) -> None:
    path = demo.directory / "mys_finance.xlsx"
    workbook = openpyxl.load_workbook(path)
    journal = workbook["Journal"]
    assert journal["A1"].value and journal["A2"].value is None
    assert journal["A3"].value == "line_no" and journal["A4"].data_type == "s"
    lines = _sheet(path, "Journal", header_row=3)
    crosswalk = _crosswalk(demo.directory, "MYS")
    accounts = {row["account_code"] for row in _sheet(path, "Accounts")}
    assert "0101" in accounts
    found: dict[str, str] = {}
    entries: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    broken: set[str] = set()
    for line in lines:
        assert line["account_code"] in accounts and isinstance(line["entry_date"], datetime)
        debit, credit = _parses(line["debit"]), _parses(line["credit"])
        if debit is None or credit is None:
            found[line["line_no"]] = "amount_not_numeric"
            broken.add(line["entry_no"])
            continue
        assert re.fullmatch(r"\d+\.\d{3}", line["debit"]) and re.fullmatch(
            r"\d+\.\d{3}", line["credit"]
        )
        entries[line["entry_no"]][0] += debit
        entries[line["entry_no"]][1] += credit
        if line["account_code"] not in crosswalk:
            found[line["line_no"]] = "account_not_in_crosswalk"
    assert found == _injected(truth, "mys_fin", "journal_line")
    assert all(dr == cr for entry, (dr, cr) in entries.items() if entry not in broken)
    assert 20 <= len(lines) == demo.rows["mys_fin"]["journal_line"] == 200


def test_vendors_are_clean_except_where_injected(demo: DemoManifest, truth: dict[str, Any]) -> None:
    records = {
        "mof_gl": [
            (str(row["supp_id"]), row["iban"], row["vat_no"])
            for row in _table(demo.directory, "mof_gl", "suppliers")
        ],
        "mys_fin": [
            (row["vendor_code"], row["iban"], row["vat_no"])
            for row in _sheet(demo.directory / "mys_finance.xlsx", "Vendors")
        ],
    }
    for source, vendors in records.items():
        bad = {key: "bad_iban_checksum" for key, iban, _ in vendors if not iban_is_valid(iban)}
        assert bad == _injected(truth, source, "vendor")
        assert all(re.fullmatch(r"2\d{14}", vat) for _, _, vat in vendors)
    vendor_of = {(item["source"], item["source_key"]): item["vendor"] for item in truth["vendors"]}
    assert len(vendor_of) == sum(len(vendors) for vendors in records.values())
    for group in truth["duplicates"]["vendors"]:
        assert len({vendor_of[(ref["source"], ref["source_key"])] for ref in group}) == 1
        assert {ref["source"] for ref in group} == {"mof_gl", "mys_fin"}


def test_cross_ministry_duplicates_are_one_person_spelled_differently(
    demo: DemoManifest, truth: dict[str, Any]
) -> None:
    directory = demo.directory
    people: dict[tuple[str, str], tuple[str, str]] = {}
    for row in _table(directory, "moh_hr", "HR_EMP"):
        people[("moh_hr", row["EMP_NO"])] = (row["CPR_NO"] or "", row["NM_AR"] + row["NM_EN"])
    for row in _table(directory, "moe_hr", "staff"):
        name = "".join(str(row[c]) for c in row if c.endswith(("_name_ar", "_name_en")))
        people[("moe_hr", row["staff_id"])] = (
            (row["national_no"] or "").translate(_TO_ASCII),
            name,
        )
    for row in _csv(directory / "mys_employees.csv"):
        people[("mys_hr", row["emp_code"])] = (row["cpr"], row["name_ar"] + row["name_en"])
    person_of = {(r["source"], r["source_key"]): r["person"] for r in truth["records"]}
    assert set(person_of) == set(people)
    groups = truth["duplicates"]["cross_ministry"]
    assert 0.02 * 400 <= len(groups) <= 0.04 * 400
    missing = 0
    for group in groups:
        refs = [(ref["source"], ref["source_key"]) for ref in group]
        assert len({source for source, _ in refs}) == len(refs) == 2
        assert len({person_of[ref] for ref in refs}) == 1
        ids = {people[ref][0] for ref in refs}
        missing += "" in ids
        assert len(ids - {""}) == 1
    assert missing >= 1
    persons = Counter(person_of.values())
    in_groups = {person_of[(ref["source"], ref["source_key"])] for g in groups for ref in g}
    within = {
        person_of[(ref["source"], ref["source_key"])]
        for g in truth["duplicates"]["within_source"]
        for ref in g
    }
    assert {person for person, count in persons.items() if count > 1} == in_groups | within


def test_control_sums_match_the_data(demo: DemoManifest) -> None:
    directory = demo.directory

    def total(texts: list[Any]) -> Decimal:
        running = AmountSum()
        running.add_texts([None if text is None else str(text) for text in texts])
        return running.total

    moh = _table(directory, "moh_hr", "HR_EMP")
    moe = _table(directory, "moe_hr", "staff")
    mys = _csv(directory / "mys_employees.csv")
    lines = _table(directory, "mof_gl", "je_lines")
    opening = _table(directory, "mof_gl", "opening_bal")
    journal = _sheet(directory / "mys_finance.xlsx", "Journal", header_row=3)
    assert demo.control == {
        "moh_hr": {"employee": {"salary": total([row["BASIC_SAL"] for row in moh])}},
        "moe_hr": {"employee": {"salary": total([row["monthly_salary"] for row in moe])}},
        "mys_hr": {"employee": {"salary": total([row["salary"] for row in mys])}},
        "mof_gl": {
            "journal_line": {
                "debit": total([row["dr_amt"] for row in lines]),
                "credit": total([row["cr_amt"] for row in lines]),
            },
            "opening_balance": {
                "debit": total([row["dr_amt"] for row in opening]),
                "credit": total([row["cr_amt"] for row in opening]),
            },
        },
        "mys_fin": {
            "journal_line": {
                "debit": total([row["debit"] for row in journal]),
                "credit": total([row["credit"] for row in journal]),
            }
        },
    }
    assert (
        demo.rows["moh_hr"]["employee"]
        + demo.rows["moe_hr"]["employee"]
        + demo.rows["mys_hr"]["employee"]
        == 400
    )
    assert demo.rows["moh_hr"]["payroll_line"] == len(_table(directory, "moh_hr", "PAY_TRN"))


def test_progress_reports_every_row(tmp_path: Path) -> None:
    seen: Counter[str] = Counter()
    manifest = generate(
        tmp_path, employees=60, journal_lines=300, progress=lambda label, n: seen.update({label: n})
    )
    expected = {
        f"{source}.{entity}": rows
        for source, entities in manifest.rows.items()
        for entity, rows in entities.items()
    }
    assert dict(seen) == expected


def test_zero_rates_give_a_clean_demo(tmp_path: Path) -> None:
    rates = FaultRates(**{name: 0.0 for name in FaultRates().as_dict()})
    manifest = generate(tmp_path, employees=100, journal_lines=500, rates=rates)
    truth = json.loads(manifest.ground_truth_file.read_text(encoding="utf-8"))
    assert truth["faults"] == [] and truth["duplicates"]["cross_ministry"] == []


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown demo source 'payroll'"):
        generate(tmp_path, only=["payroll"])
    with pytest.raises(ValueError, match=r"between 0 and 0\.2"):
        FaultRates(mojibake=0.5)


def test_identifier_formats() -> None:
    assert iban_is_valid("BH67BMAG00001299123456")
    assert not iban_is_valid("BH68BMAG00001299123456")
    import random

    rng = random.Random(1)
    for _ in range(200):
        iban = make_iban(rng)
        assert len(iban) == 22 and iban_is_valid(iban)
        assert not iban_is_valid(corrupt_iban(rng, iban))
    assert mojibake("محمد") == "ظ…ط­ظ…ط¯"
