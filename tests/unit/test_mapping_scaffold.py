"""The mapping scaffold on small hand-made samples: field proposals from English and Arabic
column names and from content, date formats and the dd/mm against mm/dd question, Arabic-Indic
digits and separators, thousands and decimal commas, code maps, derived entities — and a draft
that loads with the product's loader and maps its own sample."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from consolidation.core.types import SOURCE_KEY
from mappings import apply_mapping, load_mapping
from mappings.scaffold import Draft, FieldDraft, RawSample, render, scaffold
from mappings.scaffold.profile import profile
from mappings.scaffold.render import scalar
from mappings.scaffold.vocabulary import tokens


def sample(entity: str, rows: list[dict[str, str | None]], key: tuple[str, ...] = ()) -> RawSample:
    columns = list(dict.fromkeys(column for row in rows for column in row))
    return RawSample.from_rows(entity, columns, rows, key)


def draft_of(*samples: RawSample, domain: str | None = "hr", **options: Any) -> Draft:
    return scaffold("test_src", "MOH", samples, domain=domain, **options)


def proposal(draft: Draft, field: str, target: str | None = None) -> FieldDraft:
    entity = next(
        e for e in draft.entities if (target is None and not e.distinct) or e.target == target
    )
    found = entity.field(field)
    assert found is not None, f"{field} not proposed; proposed: {[f.name for f in entity.fields]}"
    return found


def written(tmp_path: Path, draft: Draft, samples: list[RawSample]) -> Path:
    """The rendered draft as a file the loader finds, loaded once against the sample columns."""
    path = tmp_path / "moh" / f"{draft.source}.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(render(draft), encoding="utf-8")
    load_mapping(path, source_columns={s.entity: list(s.columns) for s in samples})
    return path


def frame(raw: RawSample) -> pd.DataFrame:
    data = pd.DataFrame({column: list(raw.values[column]) for column in raw.columns}, dtype=object)
    data[SOURCE_KEY] = [str(i) for i in range(len(data))]
    return data


FIRST_EN = {
    "محمد": "Mohamed",
    "فاطمة": "Fatima",
    "جاسم": "Jasim",
    "مريم": "Maryam",
    "يوسف": "Yusuf",
    "زينب": "Zainab",
    "حسين": "Husain",
    "نورة": "Noora",
    "خالد": "Khalid",
}
PEOPLE = [
    ("٨٥٠١٠١٢٣٤", "15/01/1985", "ذكر", "01/03/2010", "نشط", "١٬٢٥٠٫٥٠٠"),
    ("900202345", "03/02/1990", "أنثى", "15/09/2015", "نشط", "980.000"),
    ("٧٨٠٣٠٣٤٥٦", "28/03/1978", "ذكر", "02/01/2001", "موقوف", "1,450.250"),
    ("880404567", "04/04/1988", "أنثى", "20/06/2012", "نشط", "٨٧٥٫٠٠٠"),
    ("920505678", "19/05/1992", "ذكر", "07/11/2019", "منتهي", "720.000"),
    ("830606789", "06/06/1983", "أنثى", "30/12/2008", "نشط", "1,100.000"),
    ("910707890", "21/07/1991", "ذكر", "11/04/2016", "نشط", "690.500"),
    ("870808901", "08/08/1987", "أنثى", "05/05/2011", "نشط", "1,020.000"),
    ("950909012", "25/09/1995", "ذكر", "14/02/2020", "موقوف", "640.000"),
]

ARABIC_EMPLOYEES = [
    {
        "الرقم الوظيفي": f"E{n:03d}",
        "الرقم الشخصي": cpr,
        "الاسم بالعربي": f"{first} علي حسن",
        "الاسم بالإنجليزي": f"{FIRST_EN[first]} Ali Hasan",
        "تاريخ الميلاد": birth,
        "الجنس": sex,
        "الجنسية": "بحريني",
        "رمز القسم": "D10",
        "المسمى الوظيفي": "J20",
        "تاريخ التعيين": hired,
        "الحالة": status,
        "الراتب الأساسي": salary,
        "رقم الآيبان": "BH67BMAG00001299123456",
        "البريد الإلكتروني": f"e{n}@moh.gov.bh",
        "رقم الهاتف": "٣٣١٢٣٤٥٦",
    }
    for n, (first, (cpr, birth, sex, hired, status, salary)) in enumerate(
        zip(FIRST_EN, PEOPLE, strict=True), start=1
    )
]


def test_column_names_read_as_the_same_tokens_in_english_and_arabic() -> None:
    assert tokens("CPR_NO") == ("cpr", "id")
    assert tokens("NationalId") == ("national", "id")
    assert tokens("الرقم الشخصي") == ("cpr",)
    assert tokens("المسمى الوظيفي") == ("job", "title")
    assert tokens("رقم الهوية") == ("id", "identity")
    assert tokens("تاريخ الميلاد") == ("date", "birth")
    assert tokens("EMPNO") == ("employee", "id")
    assert tokens("basic_sal") == ("basic", "salary")
    assert tokens("دائن") == ("credit",)
    assert tokens("الاسم بالإنجليزية") == ("name", "english")


@pytest.mark.parametrize("column", ["cpr", "CPR_NO", "National ID", "الرقم الشخصي", "رقم الهوية"])
def test_every_name_of_the_cpr_is_proposed_as_the_national_id(column: str) -> None:
    rows = [{"emp_no": f"{n}", column: f"8{n:08d}", "salary": "500.000"} for n in range(10)]
    assert proposal(draft_of(sample("employee", rows)), "national_id").columns == (column,)


@pytest.mark.parametrize("column", ["راتب", "basic_sal", "BASIC_SALARY", "الراتب الأساسي"])
def test_every_name_of_the_salary_is_proposed_as_the_base_salary(column: str) -> None:
    rows = [{"emp_no": f"{n}", column: f"{500 + n}.000"} for n in range(10)]
    salary = proposal(draft_of(sample("employee", rows)), "base_salary")
    assert salary.columns == (column,)
    assert salary.transforms == ("money",) and salary.params["scale"] == 3


def test_an_arabic_export_is_placed_field_by_field() -> None:
    draft = draft_of(sample("staff", ARABIC_EMPLOYEES, key=("الرقم الوظيفي",)))
    [entity] = [e for e in draft.entities if not e.distinct]
    assert entity.target == "employee"
    placed = {f.name: f.columns for f in entity.fields}
    assert placed == {
        "employee_no": ("الرقم الوظيفي",),
        "national_id": ("الرقم الشخصي",),
        "name_ar": ("الاسم بالعربي",),
        "name_en": ("الاسم بالإنجليزي",),
        "birth_date": ("تاريخ الميلاد",),
        "gender": ("الجنس",),
        "nationality": ("الجنسية",),
        "org_unit_code": ("رمز القسم",),
        "job_code": ("المسمى الوظيفي",),
        "hire_date": ("تاريخ التعيين",),
        "status": ("الحالة",),
        "base_salary": ("الراتب الأساسي",),
        "iban": ("رقم الآيبان",),
        "email": ("البريد الإلكتروني",),
        "phone": ("رقم الهاتف",),
    }
    assert not entity.unplaced


def test_an_arabic_export_drafts_a_mapping_that_loads_and_maps_its_sample(tmp_path: Path) -> None:
    raw = sample("employee", ARABIC_EMPLOYEES, key=("الرقم الوظيفي",))
    draft = draft_of(raw)
    path = written(tmp_path, draft, [raw])
    [mapping] = [e for e in load_mapping(path).entities if e.target == "employee"]
    mapped = apply_mapping(mapping, frame(raw))
    assert mapped.issues.empty, mapped.issues.to_dict("records")
    first = mapped.frame.iloc[0]
    assert first["national_id"] == "850101234"  # Arabic-Indic digits read
    assert first["base_salary"] == Decimal("1250.500")  # ٬ and ٫ read by money
    assert mapped.frame.iloc[2]["base_salary"] == Decimal("1450.250")  # thousands comma
    assert first["birth_date"] == pd.Timestamp("1985-01-15")
    assert first["gender"] == "male" and first["nationality"] == "BH"
    assert list(mapped.frame["status"].unique()) == ["active", "suspended", "terminated"]
    assert first["phone"] == "33123456"


def test_arabic_indic_digits_and_separators_are_named_in_a_comment() -> None:
    draft = draft_of(sample("employee", ARABIC_EMPLOYEES))
    national_id = proposal(draft, "national_id")
    assert national_id.transforms == ("trim", "digits")
    assert any("Arabic-Indic digits in 2 samples" in note for note in national_id.notes)
    salary = proposal(draft, "base_salary")
    assert any("separator (٫ ٬)" in note and "reads them itself" in note for note in salary.notes)
    assert any("',' between thousands in 3 samples" in note for note in salary.notes)


def test_a_decimal_comma_is_flagged_for_a_person() -> None:
    rows = [{"emp_no": str(n), "salary": f"1.{n}50,75"} for n in range(10)]
    salary = proposal(draft_of(sample("employee", rows)), "base_salary")
    assert any("decimal comma" in warning for warning in salary.warnings)


def test_persian_digits_are_arabic_indic_digits_too() -> None:
    column = profile("cpr", ["۸۵۰۱۰۱۲۳۴", "900202345"])
    assert column.arabic_digits == 1 and column.share("cpr") == 1.0


def dates(values: list[str]) -> FieldDraft:
    rows = [{"emp_no": str(n), "birth_date": value} for n, value in enumerate(values)]
    return proposal(draft_of(sample("employee", rows)), "birth_date")


def test_a_day_over_12_settles_dd_mm() -> None:
    birth = dates(["25/11/1966", "07/02/1983", "03/10/2001"])
    assert birth.params["formats"] == ["%d/%m/%Y"]
    assert not birth.warnings


def test_a_month_over_12_settles_mm_dd() -> None:
    birth = dates(["11/25/1966", "02/07/1983", "10/03/2001"])
    assert birth.params["formats"] == ["%m/%d/%Y"]
    assert not birth.warnings


def test_dd_mm_against_mm_dd_stays_open_when_no_day_is_over_12() -> None:
    birth = dates(["05/11/1966", "07/02/1983", "03/10/2001"])
    assert birth.params["formats"] == ["%d/%m/%Y"]
    [warning] = birth.warnings
    assert "dd/mm or mm/dd" in warning and "No sample has a day over 12" in warning


def test_days_equal_to_months_leave_nothing_open() -> None:
    assert not dates(["05/05/1966", "07/07/1983"]).warnings


def test_both_orders_in_one_column_list_both_formats_and_say_so() -> None:
    birth = dates(["25/11/1966", "07/02/1983", "11/25/1967", "03/10/2001"])
    assert birth.params["formats"] == ["%d/%m/%Y", "%m/%d/%Y"]
    assert any("both formats" in warning for warning in birth.warnings)


def test_iso_dates_with_and_without_a_time_take_both_formats() -> None:
    birth = dates(["1985-01-15", "1990-02-03 00:00:00", "1978-03-28", "1988-04-04 00:00:00"])
    assert birth.params["formats"] == ["%Y-%m-%d", "%Y-%m-%d %H:%M:%S"]


def test_hijri_years_are_read_as_umm_al_qura_dates() -> None:
    birth = dates(["1405/04/23", "1410/12/01", "1399/07/15"])
    assert birth.params == {"formats": ["%Y/%m/%d"], "calendar": "hijri"}
    assert any("Hijri" in warning for warning in birth.warnings)


def test_dates_with_arabic_indic_digits_are_read_by_date_itself() -> None:
    birth = dates(["١٥/٠١/١٩٨٥", "28/03/1978"])
    assert birth.transforms == ("date",) and birth.params["formats"] == ["%d/%m/%Y"]
    assert birth.read == "reads all 2 sample values"


def test_a_value_no_format_reads_is_shown() -> None:
    birth = dates(["15/01/1985", "28/03/1978", "00/00/0000"] + ["01/01/2000"] * 10)
    assert any("'00/00/0000'" in warning for warning in birth.warnings)
    assert "1 of 13 sample values do not read" in birth.read


def test_periods_in_their_own_layout() -> None:
    rows = [
        {"emp_no": str(n % 3), "pay_month": month, "element": "BASIC", "value": "100.000"}
        for n, month in enumerate(["06/2026", "07/2026", "08/2026"] * 4)
    ]
    draft = draft_of(sample("payroll", rows))
    assert draft.entities[0].target == "payroll_line"
    period = proposal(draft, "period")
    assert period.transforms == ("period",) and period.params["formats"] == ["%m/%Y"]
    assert proposal(draft, "amount").columns == ("value",)


def test_a_code_column_gets_a_code_map_each_value_to_confirm() -> None:
    rows = [
        {"emp_no": str(n), "STAT_CD": code, "SEX": sex}
        for n, (code, sex) in enumerate(zip("AAATSAAXAA", "MFMFMFMF12", strict=True))
    ]
    draft = draft_of(sample("employee", rows))
    status = proposal(draft, "status")
    assert status.transforms == ("code",)
    assert status.params["map"] == {"A": "active", "T": "terminated", "S": "suspended", "X": "X"}
    assert status.code_notes["X"] == "confirm: not recognised, kept as written"
    assert any("1 of 4 codes are not recognised" in w for w in status.warnings)
    gender = proposal(draft, "gender")
    assert gender.params["map"] == {"M": "male", "F": "female", "1": "male", "2": "female"}
    assert "common convention" in gender.code_notes["1"]
    text = render(draft)
    assert "          X: X  # confirm: not recognised, kept as written" in text


def test_country_names_map_to_iso_codes_and_iso_codes_stay() -> None:
    rows = [
        {"emp_no": str(n), "nationality": name, "country": iso}
        for n, (name, iso) in enumerate(
            [("Bahraini", "BH"), ("السعودية", "SA"), ("Indian", "in"), ("Bahraini", "BH")] * 3
        )
    ]
    nationality = proposal(draft_of(sample("employee", rows)), "nationality")
    assert nationality.params["map"] == {"Bahraini": "BH", "السعودية": "SA", "Indian": "IN"}
    iso_only = [{"emp_no": row["emp_no"], "NAT_CD": row["country"]} for row in rows]
    iso = proposal(draft_of(sample("employee", iso_only)), "nationality")
    assert iso.transforms == ("trim", "upper") and "map" not in iso.params


def test_ibans_and_cprs_are_found_by_content_when_no_name_says_so() -> None:
    rows = [
        {"emp_no": str(n), "c1": f"BH67BMAG0000129912{n:04d}", "c2": f"8{n:08d}", "c3": "x"}
        for n in range(12)
    ]
    draft = draft_of(sample("employee", rows))
    iban, national_id = proposal(draft, "iban"), proposal(draft, "national_id")
    assert iban.columns == ("c1",) and iban.basis == "content"
    assert national_id.columns == ("c2",) and "found by content only" in national_id.why
    assert [note.column for note in draft.entities[0].unplaced] == ["c3"]


def test_names_in_parts_are_joined_in_order() -> None:
    rows = [
        {
            "staff_id": str(n),
            "family_name_ar": "الخياط",
            "first_name_ar": "عبدالله",
            "father_name_ar": "انور",
            "first_name_en": "Abdulla",
            "last_name_en": "Al Khayat",
        }
        for n in range(3)
    ]
    draft = draft_of(sample("employee", rows))
    name_ar = proposal(draft, "name_ar")
    assert name_ar.columns == ("first_name_ar", "father_name_ar", "family_name_ar")
    assert name_ar.transforms == ("join", "collapse_spaces") and name_ar.params == {"sep": " "}
    assert proposal(draft, "name_en").columns == ("first_name_en", "last_name_en")


def test_finance_names_debit_credit_in_arabic() -> None:
    rows = [
        {"رقم القيد": "JV-1", "رقم السطر": str(n), "رقم الحساب": "1101", "مدين": f"{n}.500",
         "دائن": "0.000", "البيان": "سداد", "تاريخ القيد": "2025-01-04"}
        for n in range(1, 6)
    ]  # fmt: skip
    draft = draft_of(sample("القيود", rows), domain="finance", declared=["القيود"])
    line = next(e for e in draft.entities if e.target == "journal_line")
    placed = {f.name: f.columns for f in line.fields}
    assert placed["debit"] == ("مدين",) and placed["credit"] == ("دائن",)
    assert placed["account_code"] == ("رقم الحساب",) and placed["line_no"] == ("رقم السطر",)
    assert placed["entry_no"] == ("رقم القيد",) and placed["description"] == ("البيان",)
    assert line.field("currency") is not None and line.field("currency").const == "BHD"  # type: ignore[union-attr]
    entry = next(e for e in draft.entities if e.target == "journal_entry")
    assert entry.distinct  # no journal entry table: entries derived from their lines
    assert proposal(draft, "period", "journal_entry").transforms == ("date", "period")


def test_a_referred_entity_is_derived_only_when_the_source_has_no_table_for_it() -> None:
    rows = [
        {"emp_code": str(n), "job_title": title}
        for n, title in enumerate(["Youth Worker", "Accountant", "Senior Driver"] * 4)
    ]
    derived = draft_of(sample("employee", rows), declared=["employee"])
    job = next(e for e in derived.entities if e.target == "job")
    assert job.distinct and job.raw == "employee"
    assert {f.name: f.columns for f in job.fields} == {
        "code": ("job_title",),
        "title_en": ("job_title",),
    }
    tabled = draft_of(sample("employee", rows), declared=["employee", "job"])
    assert [e.target for e in tabled.entities] == ["employee"]


def test_a_required_field_without_a_column_is_a_visible_placeholder(tmp_path: Path) -> None:
    rows = [{"emp_no": str(n), "cpr": f"8{n:08d}"} for n in range(3)]
    raw = sample("employee", rows)
    draft = draft_of(raw)
    hire = proposal(draft, "hire_date")
    assert hire.placeholder and hire.const == "" and hire.transforms == ("date",)
    text = render(draft)
    assert "# REQUIRED: no column found: name one in 'from'" in text
    assert 'hire_date:     {const: "", transform: date, formats: ["%Y-%m-%d"]}' in text
    path = written(tmp_path, draft, [raw])
    [mapping] = load_mapping(path).entities
    mapped = apply_mapping(mapping, frame(raw)).frame
    assert mapped["hire_date"].isna().all() and mapped["base_salary"].isna().all()


def test_a_raw_entity_no_unified_entity_fits_is_left_out_and_said_so(tmp_path: Path) -> None:
    employees = sample("employee", ARABIC_EMPLOYEES)
    audit = sample("audit_trail", [{"who": "x", "what": "y"}] * 3)
    draft = draft_of(employees, audit)
    assert [s.raw for s in draft.skipped] == ["audit_trail"]
    assert "# ! raw entity 'audit_trail' is not mapped" in render(draft)
    written(tmp_path, draft, [employees, audit])


def test_an_entity_is_recognised_by_its_columns_when_its_name_says_nothing() -> None:
    draft = draft_of(sample("T_0042", ARABIC_EMPLOYEES))
    [entity] = [e for e in draft.entities if not e.distinct]
    assert entity.target == "employee"
    assert "10 of its 10 required fields match columns" in entity.why


def test_every_field_carries_a_comment_to_confirm() -> None:
    text = render(draft_of(sample("employee", ARABIC_EMPLOYEES)))
    document = yaml.safe_load(text)
    assert document["source"] == "test_src"
    field_lines = [
        line for line in text.splitlines() if line.startswith("      ") and ": {" in line
    ]
    for position, line in enumerate(text.splitlines()):
        if line in field_lines:
            above = text.splitlines()[position - 1]
            assert "# confirm:" in line or "# confirm:" in above, line


@pytest.mark.parametrize(
    "name",
    [
        "plain",
        "yes",
        "Null",
        "2024",
        "%d",
        'with "quotes"',
        "a: b",
        "رقم\u200fالحساب",
        "x\ty",
        "#c",
    ],
)
def test_a_column_name_reads_back_exactly(name: str) -> None:
    assert yaml.safe_load(f"key: {scalar(name)}")["key"] == name


def test_the_draft_of_an_unrelated_domain_is_left_out() -> None:
    draft = draft_of(sample("employee", ARABIC_EMPLOYEES), domain="finance")
    assert not draft.entities and draft.skipped


def test_opaque_column_names_are_placed_by_content() -> None:
    """Headers that say nothing (col_1, col_2, ...): the key, the CPR, the IBAN, the e-mail, the
    phone, the codes, the names by script, the dates by how early they fall, the salary."""
    headers = {column: f"col_{n}" for n, column in enumerate(ARABIC_EMPLOYEES[0], start=1)}
    rows = [{headers[column]: value for column, value in row.items()} for row in ARABIC_EMPLOYEES]
    draft = draft_of(sample("employee", rows, key=("col_1",)))
    placed = {f.name: f.columns[0] for f in draft.entities[-1].fields if f.columns}
    back = {new: old for old, new in headers.items()}
    assert {name: back[column] for name, column in placed.items()} == {
        "employee_no": "الرقم الوظيفي",
        "national_id": "الرقم الشخصي",
        "name_ar": "الاسم بالعربي",
        "name_en": "الاسم بالإنجليزي",
        "birth_date": "تاريخ الميلاد",
        "gender": "الجنس",
        "nationality": "الجنسية",
        "hire_date": "تاريخ التعيين",
        "status": "الحالة",
        "base_salary": "الراتب الأساسي",
        "iban": "رقم الآيبان",
        "email": "البريد الإلكتروني",
        "phone": "رقم الهاتف",
    }
    assert all("found by content only" in f.why for f in draft.entities[-1].fields if f.columns)


def test_a_column_of_another_entitys_keys_refers_to_it() -> None:
    units = sample("units", [{"code": f"D{n}", "name": f"قسم {n}"} for n in range(5)], ("code",))
    staff = [
        {
            "emp": str(n),
            "x7": f"D{n % 5}",
            "x8": f"D{(n + 1) % 5}",
            "iban": "BH67BMAG00001299123456",
        }
        for n in range(10)
    ]
    draft = draft_of(units, sample("employee", staff, ("emp",)), declared=["units", "employee"])
    assert [e.target for e in draft.entities] == ["org_unit", "employee"]
    unit = proposal(draft, "org_unit_code", "employee")
    assert unit.columns == ("x7",) and "its values are org_unit keys" in unit.why


def test_a_few_bad_values_do_not_hide_a_column_its_name_says() -> None:
    rows = [{"emp_no": str(n), "monthly_salary": v} for n, v in enumerate(["815.160", "TBD", "9"])]
    salary = proposal(draft_of(sample("employee", rows)), "base_salary")
    assert salary.columns == ("monthly_salary",)
    assert salary.read == "1 of 3 sample values do not read, e.g. 'TBD' is not an amount"
    opaque = [{"emp_no": row["emp_no"], "c9": row["monthly_salary"]} for row in rows]
    assert proposal(draft_of(sample("employee", opaque)), "base_salary").placeholder


def test_an_unplaced_code_column_comes_with_a_code_map_to_complete() -> None:
    rows = [
        {"school_code": f"S{n}", "name_ar": f"مدرسة {n}", "unit_type": kind}
        for n, kind in enumerate(["SCHOOL", "SCHOOL", "DIRECTORATE", "HQ"] * 3)
    ]
    draft = draft_of(sample("org_unit", rows, ("school_code",)))
    [note] = draft.entities[0].unplaced
    assert (note.column, note.codes) == ("unit_type", ("SCHOOL", "DIRECTORATE", "HQ"))
    assert (
        "    #     <field>: {from: unit_type, transform: code, map: {SCHOOL: SCHOOL, "
        "DIRECTORATE: DIRECTORATE, HQ: HQ}}  # a code map to complete: confirm each code"
    ) in render(draft)


def test_a_ledger_with_empty_sides_reads_them_as_zero_and_ibans_compact(tmp_path: Path) -> None:
    lines = [
        {"JE_NO": f"V{i // 2}", "LINE_NO": str(i % 2 + 1), "ACCOUNT": ("6100", "2100")[i % 2],
         "DEBIT": ("120.500", "")[i % 2], "CREDIT": ("", "120.500")[i % 2],
         "JE_DATE": "2025-03-31", "DESCRIPTION": "رواتب مارس", "PERIOD": "202503"}
        for i in range(10)
    ]  # fmt: skip
    raw = sample("journal_lines", lines, key=("JE_NO", "LINE_NO"))
    draft = draft_of(raw, domain="finance")
    debit = proposal(draft, "debit", "journal_line")
    assert debit.params.get("empty") == "zero"
    assert proposal(draft, "credit", "journal_line").params["empty"] == "zero"
    assert any("empty: zero" in note for note in debit.notes)
    path = written(tmp_path, draft, [raw])
    [mapping] = [e for e in load_mapping(path).entities if e.target == "journal_line"]
    mapped = apply_mapping(mapping, frame(raw))
    assert mapped.frame["debit"].tolist()[:2] == [Decimal("120.500"), Decimal("0")]

    people = [{**row, "رقم الآيبان": "bh67 bmag 0000 1299 1234 56"} for row in ARABIC_EMPLOYEES]
    assert proposal(draft_of(sample("staff", people)), "iban").transforms == ("iban",)
