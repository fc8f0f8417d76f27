"""Each HR ministry's records in its own format: MOH's and MOE's tables, MYS's CSV exports, and
the column each fault lands in."""

from __future__ import annotations

from datetime import date, datetime

from consolidation.demo.faults import (
    AMOUNT_NOT_NUMERIC,
    BAD_IBAN_CHECKSUM,
    CPR_BIRTH_MISMATCH,
    FUTURE_DATE,
    HIRE_BEFORE_18,
    MISSING_NATIONAL_ID,
    MOJIBAKE,
    WITHIN_SOURCE_DUPLICATE,
    mojibake,
)
from consolidation.demo.hr_records import ARABIC_INDIC, Employment, fils_text
from consolidation.demo.orgs import MOE, MOH, MYS

KEY_COLUMNS = {"moh_hr": "EMP_NO", "moe_hr": "staff_id", "mys_hr": "emp_code"}

FAULT_FIELDS: dict[str, dict[str, str | None]] = {
    "moh_hr": {
        BAD_IBAN_CHECKSUM: "IBAN_NO",
        MISSING_NATIONAL_ID: "CPR_NO",
        CPR_BIRTH_MISMATCH: "CPR_NO",
        HIRE_BEFORE_18: "JOIN_DT",
        FUTURE_DATE: "JOIN_DT",
        MOJIBAKE: "NM_AR",
        WITHIN_SOURCE_DUPLICATE: None,
    },
    "moe_hr": {
        BAD_IBAN_CHECKSUM: "bank_iban",
        MISSING_NATIONAL_ID: "national_no",
        CPR_BIRTH_MISMATCH: "national_no",
        HIRE_BEFORE_18: "appointment_date",
        FUTURE_DATE: "appointment_date",
        MOJIBAKE: "family_name_ar",
        AMOUNT_NOT_NUMERIC: "monthly_salary",
        WITHIN_SOURCE_DUPLICATE: None,
    },
    "mys_hr": {
        BAD_IBAN_CHECKSUM: "iban",
        MISSING_NATIONAL_ID: "cpr",
        CPR_BIRTH_MISMATCH: "cpr",
        HIRE_BEFORE_18: "hire_date",
        FUTURE_DATE: "hire_date",
        MOJIBAKE: "name_ar",
        WITHIN_SOURCE_DUPLICATE: None,
    },
}
"""The column that carries each fault (None: the whole record is the fault)."""

_COUNTRY_AR = {"BH": "البحرين", "SA": "السعودية", "EG": "مصر", "JO": "الأردن", "SY": "سوريا"}


_DEMONYM_EN = {
    "BH": "Bahraini",
    "SA": "Saudi",
    "EG": "Egyptian",
    "JO": "Jordanian",
    "SY": "Syrian",
}

_PAY_NAMES = {
    "moh_hr": {
        "BASIC": "BASIC",
        "HOUSING": "HOUSING",
        "TRANSPORT": "TRANSPORT",
        "SOCIAL": "SOCIAL",
        "EXTRA": "SHIFT",
    },
    "moe_hr": {
        "BASIC": "الراتب الأساسي",
        "HOUSING": "علاوة السكن",
        "TRANSPORT": "علاوة النقل",
        "SOCIAL": "العلاوة الاجتماعية",
        "EXTRA": "علاوة التدريس",
    },
}


def _timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _arabic_name(employment: Employment, text: str) -> str:
    return mojibake(text) if employment.slot.fault == MOJIBAKE else text


Row = dict[str, object]


def moh_rows(employments: list[Employment], reference: date) -> dict[str, list[Row]]:
    """MOH's legacy tables: terse upper-case columns, ISO dates, NUMERIC amounts."""
    period = f"{reference.year}{reference.month:02d}"
    employees: list[Row] = []
    pay: list[Row] = []
    for emp in employments:
        slot, person = emp.slot, emp.slot.person
        employees.append(
            {
                "EMP_NO": emp.key,
                "CPR_NO": slot.cpr,
                "NM_AR": _arabic_name(emp, slot.spelling.full_ar),
                "NM_EN": slot.spelling.full_en,
                "BRTH_DT": person.birth.isoformat(),
                "SEX": "M" if person.name.male else "F",
                "NAT_CD": person.nationality,
                "DEPT_CD": emp.unit,
                "JOB_CD": emp.job.code,
                "GRD_CD": emp.grade,
                "JOIN_DT": emp.hire.isoformat(),
                "STAT_CD": emp.status[0].upper(),
                "BASIC_SAL": fils_text(emp.salary_fils),
                "IBAN_NO": slot.iban,
                "EMAIL_ADDR": emp.email,
                "MOB_NO": f"+973 {person.mobile}",
                "UPD_TS": _timestamp(emp.modified),
            }
        )
        names = _PAY_NAMES["moh_hr"]
        pay += [
            {"EMP_NO": emp.key, "PAY_PRD": period, "PAY_CMP": names[code], "AMT": fils_text(fils)}
            for code, fils in emp.pay
        ]
    org = MOH
    return {
        "HR_DEPT": [
            {
                "DEPT_CD": unit.code,
                "DEPT_NM_AR": unit.name_ar,
                "DEPT_NM_EN": unit.name_en,
                "PRNT_DEPT_CD": unit.parent,
            }
            for unit in org.units
        ],
        "HR_JOB": [
            {
                "JOB_CD": job.code,
                "JOB_TTL_AR": job.title_ar,
                "JOB_TTL_EN": job.title_en,
                "GRD_CD": job.grade,
            }
            for job in org.jobs
        ],
        "HR_GRD": [
            {
                "GRD_CD": grade.code,
                "MIN_SAL": fils_text(grade.min_fils),
                "MAX_SAL": fils_text(grade.max_fils),
            }
            for grade in org.grades
        ],
        "HR_EMP": employees,
        "PAY_TRN": pay,
    }


def moe_rows(employments: list[Employment], reference: date) -> dict[str, list[Row]]:
    """MOE's tables: split Arabic names, dd/mm/yyyy text dates, amounts as text."""
    month = f"{reference.month:02d}/{reference.year}"
    staff: list[Row] = []
    payroll: list[Row] = []
    for emp in employments:
        slot, person = emp.slot, emp.slot.person
        ar, en = slot.spelling.ar, slot.spelling.en
        digits = ARABIC_INDIC if emp.arabic_digits else None
        if emp.numeric_gender:
            gender = "1" if person.name.male else "2"
        else:
            gender = "ذكر" if person.name.male else "أنثى"
        staff.append(
            {
                "staff_id": emp.key,
                "national_no": slot.cpr.translate(digits) if slot.cpr and digits else slot.cpr,
                "first_name_ar": ar[0],
                "father_name_ar": ar[1],
                "grandfather_name_ar": ar[2],
                "family_name_ar": _arabic_name(emp, ar[3]),
                "first_name_en": en[0],
                "father_name_en": en[1],
                "family_name_en": en[3],
                "birth_date": person.birth.strftime("%d/%m/%Y"),
                "gender": gender,
                "nationality": _COUNTRY_AR[person.nationality],
                "school_code": emp.unit,
                "position_code": emp.job.code,
                "grade": emp.grade,
                "appointment_date": emp.hire.strftime("%d/%m/%Y"),
                "status": emp.status,
                "monthly_salary": emp.salary_text,
                "bank_iban": slot.iban,
                "email": emp.email,
                "mobile": person.mobile.translate(digits) if digits else person.mobile,
                "last_modified": _timestamp(emp.modified),
            }
        )
        names = _PAY_NAMES["moe_hr"]
        payroll += [
            {
                "staff_id": emp.key,
                "pay_month": month,
                "element": names[code],
                "value": fils_text(fils),
            }
            for code, fils in emp.pay
        ]
    org = MOE
    return {
        "schools": [
            {
                "school_code": unit.code,
                "name_ar": unit.name_ar,
                "name_en": unit.name_en,
                "unit_type": unit.kind,
                "parent_code": unit.parent,
            }
            for unit in org.units
        ],
        "positions": [
            {
                "position_code": job.code,
                "title_ar": job.title_ar,
                "title_en": job.title_en,
                "grade": job.grade,
            }
            for job in org.jobs
        ],
        "salary_scale": [
            {
                "grade": grade.code,
                "min": fils_text(grade.min_fils),
                "max": fils_text(grade.max_fils),
            }
            for grade in org.grades
        ],
        "staff": staff,
        "payroll": payroll,
    }


MYS_EMPLOYEE_COLUMNS = (
    "emp_code",
    "cpr",
    "name_ar",
    "name_en",
    "birth_date",
    "gender",
    "nationality",
    "unit_code",
    "job_title",
    "hire_date",
    "salary",
    "iban",
    "email",
    "phone",
    "status",
)


MYS_UNIT_COLUMNS = ("unit_code", "name_ar", "name_en", "parent_code")


def mys_rows(employments: list[Employment]) -> dict[str, list[list[str]]]:
    """MYS's CSV exports: one full name per language, ISO dates, amounts as text."""
    employees = [
        [
            emp.key,
            emp.slot.cpr or "",
            _arabic_name(emp, emp.slot.spelling.full_ar),
            emp.slot.spelling.short_en,
            emp.slot.person.birth.isoformat(),
            "Male" if emp.slot.person.name.male else "Female",
            _DEMONYM_EN[emp.slot.person.nationality],
            emp.unit,
            emp.job.title_en,
            emp.hire.isoformat(),
            fils_text(emp.salary_fils),
            emp.slot.iban,
            emp.email,
            emp.slot.person.mobile,
            emp.status.capitalize(),
        ]
        for emp in employments
    ]
    units = [[unit.code, unit.name_ar, unit.name_en, unit.parent or ""] for unit in MYS.units]
    return {"employee": employees, "org_unit": units}
