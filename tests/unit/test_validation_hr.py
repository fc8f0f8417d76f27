"""HR validation: each rule catches its fault with the right issue row and passes clean data."""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest
from stdnum import iban as stdnum_iban

from consolidation.core.unified import ENTITIES, ISSUE_COLUMNS
from validation import EntityValidator, ValidationContext, ValidationError, rules_for
from validation.gx_suite import EntitySuite

TODAY = date(2026, 6, 30)


def _iban(account: int, bank: str = "NBOB") -> str:
    number = f"BH00{bank}{account:014d}"
    return f"BH{stdnum_iban.calc_check_digits(number)}{number[4:]}"


def _texts(values: list[Any]) -> pd.Series:
    return pd.Series(values, dtype=object)


def _dates(values: list[str | None]) -> pd.Series:
    return pd.Series(pd.to_datetime(values), dtype="datetime64[ns]")


def employees(n: int = 3) -> pd.DataFrame:
    """``n`` clean employees in the mapped shape; every rule passes them in ``context()``."""
    births = [f"19{80 + i % 15}-{1 + i % 12:02d}-{1 + i % 27:02d}" for i in range(n)]
    cprs = [f"{b[2:4]}{b[5:7]}{i:05d}" for i, b in enumerate(births)]
    return pd.DataFrame(
        {
            "employee_no": _texts([f"E{i + 1:03d}" for i in range(n)]),
            "national_id": _texts(cprs),
            "name_ar": _texts([f"محمد علي {i}" for i in range(n)]),
            "name_en": _texts([f"Mohammed Ali {i}" for i in range(n)]),
            "birth_date": _dates(births),
            "gender": _texts(["male", "female"] * (n // 2) + ["male"] * (n % 2)),
            "nationality": _texts(["BH"] * n),
            "org_unit_code": _texts(["OU1"] * n),
            "job_code": _texts(["J1"] * n),
            "grade_code": _texts(["G1"] * n),
            "hire_date": _dates([f"20{10 + i % 10}-09-01" for i in range(n)]),
            "end_date": _dates([None] * n),
            "status": _texts(["active"] * n),
            "base_salary": _texts([Decimal("1200.500") + i for i in range(n)]),
            "iban": _texts([_iban(1000 + i) for i in range(n)]),
            "email": _texts([f"person{i}@moh.gov.bh" for i in range(n)]),
            "phone": _texts(
                ["+973 3612 3456", "17001234", "00973 66001122"][i % 3] for i in range(n)
            ),
            "_source_key": _texts([f"R{i + 1}" for i in range(n)]),
            "_row_hash": _texts(["0" * 64] * n),
        }
    )


def context(**changes: Any) -> ValidationContext:
    settings: dict[str, Any] = {
        "reference_date": TODAY,
        "grade_bands": {"G1": (Decimal("1000.000"), Decimal("2000.000"))},
        "org_units": {"OU1", "OU2"},
        "jobs": {"J1"},
        "employees": {"E001", "E002", "E003"},
    }
    settings.update(changes)
    return ValidationContext(**settings)


def validate(
    entity: str, *chunks: pd.DataFrame, ctx: ValidationContext | None = None
) -> pd.DataFrame:
    validator = EntityValidator(entity, ctx or context())
    found = [validator.check_chunk(chunk) for chunk in chunks]
    found.append(validator.finish())
    return pd.concat(found, ignore_index=True)


def rows(issues: pd.DataFrame) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in issues[ISSUE_COLUMNS].itertuples(index=False)]


def test_clean_employees_pass_every_rule() -> None:
    issues = validate("employee", employees(6))
    assert list(issues.columns) == ISSUE_COLUMNS
    assert issues.empty


# (field, new value, rule id, severity, value as text, message)
EMPLOYEE_FAULTS = [
    ("national_id", None, "employee.national_id.present", "error", None, "national id is missing"),
    (
        "national_id",
        "12345",
        "employee.national_id.nine_digits",
        "error",
        "12345",
        "national id '12345' is not 9 digits",
    ),
    (
        "national_id",
        "850400002",
        "employee.national_id.matches_birth_date",
        "warning",
        "850400002",
        "national id '850400002' starts with 8504, but the birth date 1982-03-03 gives 8203 (YYMM)",
    ),
    (
        "iban",
        "BH68NBOB00000000001001",
        "employee.iban.valid",
        "error",
        "BH68NBOB00000000001001",
        "IBAN 'BH68NBOB00000000001001' fails the ISO 13616 mod-97 check "
        "(a digit is wrong or two are swapped)",
    ),
    (
        "iban",
        "GB82WEST12345698765432",
        "employee.iban.valid",
        "error",
        "GB82WEST12345698765432",
        "IBAN 'GB82WEST12345698765432' is not Bahraini (it starts with 'GB', not 'BH')",
    ),
    (
        "iban",
        "BH67BMAG0000129912345",
        "employee.iban.valid",
        "error",
        "BH67BMAG0000129912345",
        "IBAN 'BH67BMAG0000129912345' has 21 characters; a Bahraini IBAN has 22",
    ),
    ("iban", None, "employee.iban.present", "error", None, "IBAN is missing"),
    (
        "hire_date",
        pd.Timestamp("2031-05-01"),
        "employee.hire_date.not_future",
        "error",
        "2031-05-01",
        "hire date 2031-05-01 is after today (2026-06-30)",
    ),
    (
        "hire_date",
        pd.Timestamp("1997-01-01"),
        "employee.hire_date.min_age",
        "error",
        "1997-01-01",
        "hire date 1997-01-01 is before the employee turned 18 (birth date 1982-03-03)",
    ),
    (
        "end_date",
        pd.Timestamp("2010-01-01"),
        "employee.end_date.after_hire_date",
        "error",
        "2010-01-01",
        "end date 2010-01-01 is before the hire date 2012-09-01",
    ),
    (
        "birth_date",
        pd.Timestamp("1882-03-03"),
        "employee.birth_date.plausible",
        "error",
        "1882-03-03",
        "birth date 1882-03-03 is not between 1900-01-01 and today (2026-06-30)",
    ),
    (
        "base_salary",
        Decimal("-5.000"),
        "employee.base_salary.positive",
        "error",
        "-5.000",
        "base salary -5.000 is not positive",
    ),
    (
        "base_salary",
        Decimal("2500.000"),
        "employee.base_salary.within_grade_band",
        "warning",
        "2500.000",
        "base salary 2500.000 is outside grade G1's band 1000.000 to 2000.000",
    ),
    (
        "base_salary",
        Decimal("1200.1234"),
        "employee.base_salary.max_three_decimals",
        "error",
        "1200.1234",
        "base salary 1200.1234 has more than 3 decimals (BHD is kept to the fils)",
    ),
    ("base_salary", None, "employee.base_salary.present", "error", None, "base salary is missing"),
    (
        "email",
        "person at moh",
        "employee.email.format",
        "warning",
        "person at moh",
        "email 'person at moh' is not an email address",
    ),
    (
        "phone",
        "3612-3456",
        "employee.phone.format",
        "warning",
        "3612-3456",
        "phone '3612-3456' is not a Bahraini number (8 digits, optionally after +973 or 00973)",
    ),
    ("gender", "M", "employee.gender.known", "error", "M", "gender 'M' is not male or female"),
    (
        "status",
        "retired",
        "employee.status.known",
        "error",
        "retired",
        "status 'retired' is not one of active, suspended, terminated",
    ),
    (
        "nationality",
        "bh",
        "employee.nationality.iso_code",
        "warning",
        "bh",
        "nationality 'bh' is not a two-letter ISO 3166 country code",
    ),
    (
        "org_unit_code",
        "OU9",
        "employee.org_unit_code.exists",
        "error",
        "OU9",
        "org unit 'OU9' does not exist in this source",
    ),
    (
        "job_code",
        "J9",
        "employee.job_code.exists",
        "error",
        "J9",
        "job 'J9' does not exist in this source",
    ),
    (
        "grade_code",
        "G9",
        "employee.grade_code.exists",
        "error",
        "G9",
        "grade 'G9' does not exist in this source",
    ),
    (
        "name_ar",
        "ظ…ط­ظ…ط¯",
        "employee.name_ar.not_mojibake",
        "error",
        "ظ…ط­ظ…ط¯",
        "Arabic name 'ظ…ط­ظ…ط¯' is garbled Arabic (UTF-8 read as Windows-1256); "
        "it should read 'محمد'",
    ),
    ("name_ar", None, "employee.name_ar.present", "error", None, "Arabic name is missing"),
]


@pytest.mark.parametrize(
    ("field", "bad", "rule_id", "severity", "value", "message"),
    EMPLOYEE_FAULTS,
    ids=[f"{fault[2]}-{i}" for i, fault in enumerate(EMPLOYEE_FAULTS)],
)
def test_employee_rule_catches_its_fault(
    field: str, bad: Any, rule_id: str, severity: str, value: str | None, message: str
) -> None:
    frame = employees(4)
    frame[field] = frame[field].astype(object)
    frame.at[2, field] = bad
    frame = frame.astype({f: "datetime64[ns]" for f in ("birth_date", "hire_date", "end_date")})
    issues = validate("employee", frame)
    assert rows(issues) == [("R3", rule_id, severity, field, value, message)]


def test_national_id_mismatch_with_birth_date_is_only_a_warning() -> None:
    frame = employees(2)
    frame.at[0, "national_id"] = "990100000"
    issues = validate("employee", frame)
    assert issues["rule_id"].tolist() == ["employee.national_id.matches_birth_date"]
    assert issues["severity"].tolist() == ["warning"]


def test_valid_bahraini_ibans_and_phones_in_their_usual_spellings_pass() -> None:
    frame = employees(4)
    frame["iban"] = _texts(
        [
            "BH67 BMAG 0000 1299 1234 56",
            "BH67BMAG00001299123456",
            _iban(7, "BBKU"),
            _iban(99999999999999, "AUBB"),
        ]
    )
    frame["phone"] = _texts(["36123456", "+97317001234", "00973 3612 3456", "1700 1234"])
    assert validate("employee", frame).empty


def test_a_rule_reports_every_failing_row_not_just_the_first() -> None:
    frame = employees(5)
    frame["iban"] = _texts(["BH00NBOB00000000000000"] * 5)
    issues = validate("employee", frame)
    assert issues["_source_key"].tolist() == ["R1", "R2", "R3", "R4", "R5"]
    assert set(issues["rule_id"]) == {"employee.iban.valid"}


def test_age_at_hire_threshold_comes_from_the_context() -> None:
    frame = employees(1)
    frame["birth_date"] = _dates(["1990-06-01"])
    frame["national_id"] = _texts(["900600001"])
    frame["hire_date"] = _dates(["2010-05-31"])
    assert validate("employee", frame, ctx=context(min_age_at_hire=18)).empty
    issues = validate("employee", frame, ctx=context(min_age_at_hire=21))
    assert issues["message"].tolist() == [
        "hire date 2010-05-31 is before the employee turned 21 (birth date 1990-06-01)"
    ]


def test_the_age_boundary_is_the_birthday_itself() -> None:
    frame = employees(2)
    frame["birth_date"] = _dates(["1990-06-01", "1990-06-01"])
    frame["national_id"] = _texts(["900600001", "900600002"])
    frame["hire_date"] = _dates(["2008-06-01", "2008-05-31"])
    issues = validate("employee", frame)
    assert issues[["_source_key", "rule_id"]].values.tolist() == [
        ["R2", "employee.hire_date.min_age"]
    ]


def test_hire_date_today_is_not_in_the_future() -> None:
    frame = employees(1)
    frame["hire_date"] = _dates([TODAY.isoformat()])
    frame["birth_date"] = _dates(["1980-01-01"])
    frame["national_id"] = _texts(["800100000"])
    assert validate("employee", frame).empty


def test_reference_sets_left_empty_are_not_checked() -> None:
    frame = employees(2)
    frame["org_unit_code"] = _texts(["ANY", "OTHER"])
    frame["job_code"] = _texts(["X", "Y"])
    frame["grade_code"] = _texts(["G7", "G8"])
    ctx = ValidationContext(reference_date=TODAY)
    assert validate("employee", frame, ctx=ctx).empty


def test_salary_of_an_unknown_grade_is_left_to_the_grade_rule() -> None:
    frame = employees(1)
    frame["grade_code"] = _texts(["G9"])
    frame["base_salary"] = _texts([Decimal("99999.000")])
    issues = validate("employee", frame)
    assert issues["rule_id"].tolist() == ["employee.grade_code.exists"]


def test_band_limits_are_inclusive_and_exact() -> None:
    frame = employees(3)
    frame["base_salary"] = _texts([Decimal("1000"), Decimal("2000.000"), Decimal("2000.001")])
    issues = validate("employee", frame)
    assert issues[["_source_key", "rule_id"]].values.tolist() == [
        ["R3", "employee.base_salary.within_grade_band"]
    ]


def test_trailing_zeros_beyond_fils_are_still_whole_fils() -> None:
    frame = employees(1)
    frame["base_salary"] = _texts([Decimal("1200.5000")])
    assert validate("employee", frame).empty


def test_great_expectations_failures_map_to_their_rule_ids() -> None:
    frame = employees(4)
    frame["national_id"] = _texts(["12345", None, "850412345", "ABCDEFGHI"])
    frame["gender"] = _texts(["M", "female", None, "male"])
    frame["hire_date"] = _dates(["2031-01-01", "2012-09-01", "2013-09-01", "2040-02-02"])
    suite = EntitySuite("employee", rules_for("employee"), context())
    found = suite.failures(suite.narrow(frame))
    assert found["employee.national_id.nine_digits"].tolist() == [0, 3]
    assert found["employee.national_id.present"].tolist() == [1]
    assert found["employee.gender.known"].tolist() == [0]
    assert found["employee.hire_date.not_future"].tolist() == [0, 3]
    assert found["employee.email.format"].tolist() == []
    assert set(found) == {r.id for r in rules_for("employee") if r.kind == "expectation"}


def test_great_expectations_sees_dates_in_nanoseconds_whatever_the_chunk_holds() -> None:
    frame = employees(2).astype({"hire_date": "datetime64[us]", "birth_date": "datetime64[s]"})
    suite = EntitySuite("employee", rules_for("employee"), context())
    view = suite.narrow(frame)
    assert view["hire_date"].dtype == "datetime64[ns]"
    assert view["birth_date"].dtype == "datetime64[ns]"
    assert view.index.name == "_row"
    assert set(view.columns) < set(ENTITIES["employee"].fields)
    assert validate("employee", frame).empty


def test_the_chunk_index_does_not_matter() -> None:
    frame = employees(3)
    frame.index = pd.Index([70, 10, 40])
    frame.at[10, "national_id"] = "12345"
    issues = validate("employee", frame)
    assert issues[["_source_key", "rule_id"]].values.tolist() == [
        ["R2", "employee.national_id.nine_digits"]
    ]


def test_duplicate_keys_across_chunks_keep_the_smallest_source_key() -> None:
    first, second = employees(3), employees(3)
    second["_source_key"] = _texts(["Q1", "S2", "S3"])
    second["employee_no"] = _texts(["E002", "E100", "E101"])
    second["national_id"] = second["national_id"].str.replace("0000", "1111", n=1)
    second["iban"] = _texts([_iban(5000 + i) for i in range(3)])
    issues = validate("employee", first, second)
    assert rows(issues) == [
        (
            "R2",
            "employee.employee_no.unique",
            "error",
            "employee_no",
            "E002",
            "employee number 'E002' is used by another record too; record 'Q1' is kept as the "
            "original",
        )
    ]


def test_same_content_under_two_keys_across_chunks_is_an_error_on_the_copy() -> None:
    first = employees(2)
    second = employees(1)
    second["employee_no"] = _texts(["E900"])
    second["_source_key"] = _texts(["R0"])
    issues = validate("employee", first, second)
    assert rows(issues) == [
        (
            "R1",
            "employee.record.unique",
            "error",
            None,
            "R0",
            "this record repeats every field of record 'R0' under another employee number",
        )
    ]


def test_a_record_repeated_under_the_same_key_is_a_key_duplicate_only() -> None:
    frame = pd.concat([employees(2), employees(1)], ignore_index=True)
    frame["_source_key"] = _texts(["R1", "R2", "R3"])
    issues = validate("employee", frame)
    assert issues[["_source_key", "rule_id"]].values.tolist() == [
        ["R3", "employee.employee_no.unique"]
    ]


def test_no_national_id_iban_or_salary_reaches_the_log(caplog: pytest.LogCaptureFixture) -> None:
    frame = employees(3)
    frame.at[0, "national_id"] = "123456789"
    frame.at[1, "iban"] = "BH00NBOB00000000001234"
    frame.at[2, "base_salary"] = Decimal("99999.125")
    with caplog.at_level(logging.DEBUG):
        issues = validate("employee", frame)
    assert {"123456789", "BH00NBOB00000000001234", "99999.125"} <= set(issues["value"])
    logged = caplog.text
    assert "validated employee" in logged
    assert "1234*****" in logged
    assert "BH00****…1234" in logged
    for secret in ["123456789", "BH00NBOB00000000001234", "99999.125", *frame["iban"]]:
        assert secret not in logged
    for cpr in frame["national_id"]:
        assert cpr not in logged


def test_a_chunk_without_a_unified_column_is_an_error() -> None:
    validator = EntityValidator("employee", context())
    with pytest.raises(ValidationError, match="employee chunk has no column 'iban'"):
        validator.check_chunk(employees(1).drop(columns="iban"))


def test_an_unknown_entity_is_an_error() -> None:
    with pytest.raises(ValidationError, match="unknown entity 'employees'"):
        EntityValidator("employees", context())


def test_an_empty_chunk_has_no_issues() -> None:
    validator = EntityValidator("employee", context())
    assert validator.check_chunk(employees(0)).empty
    assert validator.finish().empty


# --- org units, jobs, grades, payroll lines ----------------------------------------------------


def _frame(entity: str, **columns: list[Any]) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    data: dict[str, Any] = {}
    for name, spec in ENTITIES[entity].fields.items():
        values = columns.get(name, [None] * n)
        data[name] = _dates(values) if spec.type == "date" else _texts(values)
    data["_source_key"] = _texts([f"K{i + 1}" for i in range(n)])
    data["_row_hash"] = _texts(["0" * 64] * n)
    if "fiscal_year" in data:
        data["fiscal_year"] = pd.array(columns.get("fiscal_year", [None] * n), dtype="Int64")
    return pd.DataFrame(data)


def test_org_units_parent_must_exist_and_names_must_be_readable() -> None:
    frame = _frame(
        "org_unit",
        code=["OU1", "OU2", "OU3"],
        name_ar=["الإدارة", "ظ…ط­ظ…ط¯", "قسم"],
        parent_code=[None, "OU1", "OU7"],
    )
    issues = validate("org_unit", frame)
    assert issues[["_source_key", "rule_id", "value"]].values.tolist() == [
        ["K2", "org_unit.name_ar.not_mojibake", "ظ…ط­ظ…ط¯"],
        ["K3", "org_unit.parent_code.exists", "OU7"],
    ]


def test_jobs_need_a_code_and_a_known_grade() -> None:
    frame = _frame("job", code=["J1", None], title_ar=["معلم", None], grade_code=["G1", "G5"])
    issues = validate("job", frame)
    assert issues[["_source_key", "rule_id", "message"]].values.tolist() == [
        ["K2", "job.code.present", "code is missing"],
        ["K2", "job.grade_code.exists", "grade 'G5' does not exist in this source"],
    ]


def test_grade_bands_are_positive_and_ordered() -> None:
    frame = _frame(
        "grade",
        code=["G1", "G2", "G3"],
        min_salary=[Decimal("500"), Decimal("0"), Decimal("900.000")],
        max_salary=[Decimal("800"), Decimal("100"), Decimal("800.000")],
    )
    issues = validate("grade", frame)
    assert issues[["_source_key", "rule_id", "message"]].values.tolist() == [
        ["K2", "grade.min_salary.positive", "minimum salary 0 is not positive"],
        [
            "K3",
            "grade.max_salary.not_below_min",
            "maximum salary 800.000 is below the minimum salary 900.000",
        ],
    ]


def test_payroll_lines_belong_to_known_employees_and_have_month_periods() -> None:
    frame = _frame(
        "payroll_line",
        employee_no=["E001", "E404", "E002"],
        period=["2026-05", "2026-05", "2026-13"],
        component=["BASIC", "BASIC", "BASIC"],
        amount=[Decimal("1200.500"), Decimal("10"), Decimal("1.0001")],
    )
    issues = validate("payroll_line", frame)
    assert issues[["_source_key", "rule_id", "value"]].values.tolist() == [
        ["K2", "payroll_line.employee_no.exists", "E404"],
        ["K3", "payroll_line.period.format", "2026-13"],
        ["K3", "payroll_line.amount.max_three_decimals", "1.0001"],
    ]


def test_payroll_key_is_employee_period_and_component_and_equal_amounts_are_normal() -> None:
    frame = _frame(
        "payroll_line",
        employee_no=["E001", "E002", "E001"],
        period=["2026-05", "2026-05", "2026-05"],
        component=["BASIC", "BASIC", "BASIC"],
        amount=[Decimal("100"), Decimal("100"), Decimal("100")],
    )
    issues = validate("payroll_line", frame)
    assert rows(issues) == [
        (
            "K3",
            "payroll_line.key.unique",
            "error",
            None,
            "E001 / 2026-05 / BASIC",
            "employee number / period / component 'E001 / 2026-05 / BASIC' is used by another "
            "record too; record 'K1' is kept as the original",
        )
    ]


def test_issue_frames_hold_python_objects_like_the_mapping_issues() -> None:
    frame = employees(2)
    frame.at[0, "gender"] = "X"
    issues = validate("employee", frame)
    assert all(issues[c].dtype == object for c in ISSUE_COLUMNS)
    assert isinstance(issues.at[0, "value"], str)
    assert np.all(issues["severity"].isin(["error", "warning"]))


def test_a_parent_org_unit_may_arrive_in_a_later_chunk() -> None:
    children = _frame(
        "org_unit", code=["OU2", "OU3"], name_ar=["قسم", "قسم"], parent_code=["OU1", "OU9"]
    )
    parents = _frame("org_unit", code=["OU1"], name_ar=["الإدارة"])
    parents["_source_key"] = _texts(["K9"])
    issues = validate("org_unit", children, parents, ctx=ValidationContext(reference_date=TODAY))
    assert rows(issues) == [
        (
            "K2",
            "org_unit.parent_code.exists",
            "error",
            "parent_code",
            "OU9",
            "parent org unit 'OU9' does not exist in this source",
        )
    ]


def test_chunking_does_not_change_the_issues() -> None:
    frame = employees(12)
    frame.loc[[1, 7], "national_id"] = ["12345", "880100000"]
    frame.loc[[2, 9], "iban"] = ["BH00NBOB00000000000000", None]
    frame.loc[[3, 10], "employee_no"] = ["E001", "E001"]
    frame.loc[[4], "base_salary"] = [Decimal("9.0001")]
    frame.loc[[11], "hire_date"] = [pd.Timestamp("2030-01-01")]
    whole = validate("employee", frame)
    pieces = validate("employee", frame.iloc[:5], frame.iloc[5:8], frame.iloc[8:])
    key = ["_source_key", "rule_id", "value"]
    assert len(whole) >= 9
    assert whole.sort_values(key).values.tolist() == pieces.sort_values(key).values.tolist()
