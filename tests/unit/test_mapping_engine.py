"""Applying a mapping to raw chunks: typed unified frames, issue rows, lineage columns."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from consolidation.core.types import SOURCE_KEY
from consolidation.core.unified import ENTITIES, ISSUE_COLUMNS, ROW_HASH, FieldType
from mappings import EntityMapping, MappingError, apply_mapping, load_mapping, row_hashes

FIXTURES = Path(__file__).parent / "fixtures" / "mappings"

EMPLOYEE_COLUMNS = [
    "EMP_NO", "CPR_NO", "FIRST_AR", "FATHER_AR", "FAMILY_AR", "NM_EN", "BIRTH_DT", "SEX",
    "DEPT_CD", "JOB_CD", "HIRE_H", "STAT_CD", "SALARY", "IBAN",
]  # fmt: skip


def raw_frame(rows: list[dict[str, str | None]], columns: list[str]) -> pd.DataFrame:
    """A raw chunk as connectors give it: object dtype, text or None, plus ``_source_key``."""
    frame = pd.DataFrame([{c: row.get(c) for c in columns} for row in rows], dtype=object)
    frame = frame.astype(object).where(frame.notna(), None)
    frame[SOURCE_KEY] = pd.Series([str(i + 1) for i in range(len(rows))], dtype=object)
    return frame


def employee_mapping() -> EntityMapping:
    mapping = load_mapping(
        FIXTURES / "moh" / "moh_hr.yaml",
        source_columns={"employee": EMPLOYEE_COLUMNS, "department": ["DEPT_CD", "NAME_AR"]},
    )
    return mapping.for_raw("employee")[0]


GOOD = {
    "EMP_NO": " 1001",
    "CPR_NO": "٨٥٠١١٢٣٤٥",
    "FIRST_AR": "علي",
    "FATHER_AR": " حسن ",
    "FAMILY_AR": "الموسوي",
    "NM_EN": "Ali   Hasan ",
    "BIRTH_DT": "01/02/1985",
    "SEX": "ذكر",
    "DEPT_CD": "D01",
    "JOB_CD": "n12",
    "HIRE_H": "01/09/1445",
    "STAT_CD": "A",
    "SALARY": "1,250.500",
    "IBAN": "bh67bmag00001299123456",
}
BAD = {
    "EMP_NO": "1002",
    "CPR_NO": "850112346",
    "FIRST_AR": "فاطمة",
    "NM_EN": None,
    "BIRTH_DT": "31/02/1990",
    "SEX": "X",
    "DEPT_CD": "D09",
    "HIRE_H": "30/01/1445",
    "STAT_CD": "Q",
    "SALARY": "12,5O0.000",
}
BLANK = {"EMP_NO": "1003", "BIRTH_DT": "00/00/0000", "SALARY": "  ", "STAT_CD": None}


def test_employee_rows_are_mapped_to_typed_unified_columns() -> None:
    mapped = apply_mapping(employee_mapping(), raw_frame([GOOD, BAD, BLANK], EMPLOYEE_COLUMNS))
    frame = mapped.frame
    assert list(frame.columns) == [*ENTITIES["employee"].fields, SOURCE_KEY, ROW_HASH]
    for name, spec in ENTITIES["employee"].fields.items():
        expected = {
            FieldType.TEXT: "object",
            FieldType.MONEY: "object",
            FieldType.DATE: "datetime64[ns]",
        }[spec.type]
        assert str(frame[name].dtype) == expected, name
    good = frame.iloc[0]
    assert good["employee_no"] == "1001"
    assert good["national_id"] == "850112345"
    assert good["name_ar"] == "علي حسن الموسوي"
    assert good["name_en"] == "Ali Hasan"
    assert good["birth_date"] == pd.Timestamp("1985-02-01")
    assert good["gender"] == "male"
    assert good["org_unit_code"] == "MOH-100"
    assert good["job_code"] == "N12"
    assert good["hire_date"] == pd.Timestamp("2024-03-11")
    assert good["status"] == "active"
    assert good["base_salary"] == Decimal("1250.500")
    assert isinstance(good["base_salary"], Decimal)
    assert good["iban"] == "BH67BMAG00001299123456"
    assert good["nationality"] is None and good["email"] is None
    assert frame[SOURCE_KEY].tolist() == ["1", "2", "3"]
    assert all(len(h) == 64 for h in frame[ROW_HASH])


def test_values_that_cannot_be_mapped_become_issues_never_silent_nulls() -> None:
    mapped = apply_mapping(employee_mapping(), raw_frame([GOOD, BAD, BLANK], EMPLOYEE_COLUMNS))
    issues = mapped.issues
    assert list(issues.columns) == ISSUE_COLUMNS
    assert set(issues[SOURCE_KEY]) == {"2"}
    by_rule = issues.set_index("rule_id")
    assert sorted(by_rule.index) == [
        "employee.base_salary.unparseable_amount",
        "employee.birth_date.unparseable_date",
        "employee.gender.unmapped_code",
        "employee.hire_date.unparseable_date",
        "employee.org_unit_code.lookup_missing",
        "employee.status.unmapped_code",
    ]
    birth = by_rule.loc["employee.birth_date.unparseable_date"]
    assert birth["value"] == "31/02/1990"
    assert birth["field"] == "birth_date"
    assert birth["severity"] == "error"
    assert birth["message"] == "birth date '31/02/1990' is not a date in the format dd/mm/yyyy"
    assert by_rule.loc["employee.base_salary.unparseable_amount", "value"] == "12,5O0.000"
    bad = mapped.frame.iloc[1]
    for field in ("birth_date", "gender", "org_unit_code", "hire_date", "status", "base_salary"):
        assert pd.isna(bad[field]), field
    assert bad["status"] is None  # a bad code is not replaced by the default


def test_blank_values_are_missing_and_take_the_default_without_an_issue() -> None:
    mapped = apply_mapping(employee_mapping(), raw_frame([BLANK], EMPLOYEE_COLUMNS))
    row = mapped.frame.iloc[0]
    assert mapped.issues.empty
    assert pd.isna(row["birth_date"])  # '00/00/0000' is declared blank
    assert row["base_salary"] is None  # blank is missing, never 0
    assert row["status"] == "active"  # the default
    assert row["name_ar"] is None


def test_a_large_chunk_maps_exactly_as_row_by_row() -> None:
    """Big chunks are mapped per distinct value; the result must be the same as for one row."""
    mapping = employee_mapping()
    rows = [GOOD, BAD, BLANK] * 1500
    big = apply_mapping(mapping, raw_frame(rows, EMPLOYEE_COLUMNS))
    small = apply_mapping(mapping, raw_frame([GOOD, BAD, BLANK], EMPLOYEE_COLUMNS))
    expected = pd.concat([small.frame] * 1500, ignore_index=True)
    expected[SOURCE_KEY] = pd.Series(big.frame[SOURCE_KEY].to_numpy(), dtype=object)
    pd.testing.assert_frame_equal(
        big.frame.drop(columns=[ROW_HASH]), expected.drop(columns=[ROW_HASH]), check_dtype=True
    )
    assert len(big.issues) == 1500 * len(small.issues)
    assert big.issues["value"].notna().all()


def test_the_raw_index_is_kept_and_an_empty_chunk_gives_an_empty_typed_frame() -> None:
    mapping = employee_mapping()
    raw = raw_frame([GOOD, BLANK], EMPLOYEE_COLUMNS)
    raw.index = pd.Index([10, 20])
    assert apply_mapping(mapping, raw).frame.index.tolist() == [10, 20]
    empty = apply_mapping(mapping, raw.iloc[:0])
    assert empty.frame.empty and empty.issues.empty
    assert str(empty.frame["hire_date"].dtype) == "datetime64[ns]"
    assert list(empty.issues.columns) == ISSUE_COLUMNS


def test_raw_text_read_back_as_a_pandas_string_dtype_maps_the_same() -> None:
    mapping = employee_mapping()
    raw = raw_frame([GOOD, BAD, BLANK], EMPLOYEE_COLUMNS)
    as_str = raw.astype("string")
    pd.testing.assert_frame_equal(
        apply_mapping(mapping, as_str).frame, apply_mapping(mapping, raw).frame
    )


def test_a_column_missing_from_the_chunk_is_a_mapping_error_naming_the_line() -> None:
    mapping = employee_mapping()
    raw = raw_frame([GOOD], EMPLOYEE_COLUMNS).drop(columns=["HIRE_H"])
    with pytest.raises(MappingError) as info:
        apply_mapping(mapping, raw)
    path = FIXTURES / "moh" / "moh_hr.yaml"
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if "HIRE_H" in text)
    assert str(info.value).startswith(f"{path}:{line}: employee.hire_date: ")
    assert "have no column 'HIRE_H'" in str(info.value)
    with pytest.raises(MappingError, match="no _source_key column"):
        apply_mapping(mapping, raw_frame([GOOD], EMPLOYEE_COLUMNS).drop(columns=[SOURCE_KEY]))


def test_row_hash_is_sha256_of_the_sorted_columns_and_their_values() -> None:
    raw = pd.DataFrame({"B": ["2", "x"], "A": [None, ""], SOURCE_KEY: ["k1", "k2"]}, dtype=object)
    hashes = row_hashes(raw)
    first = "A\x1fB" + "\x1f" + "\x00" + "\x1f" + "2"
    second = "A\x1fB" + "\x1f" + "" + "\x1f" + "x"
    assert hashes.tolist() == [
        hashlib.sha256(first.encode()).hexdigest(),
        hashlib.sha256(second.encode()).hexdigest(),
    ]
    reordered = raw[["A", SOURCE_KEY, "B"]].copy()
    reordered[SOURCE_KEY] = ["other", "keys"]
    assert row_hashes(reordered).tolist() == hashes.tolist()
    blank_not_missing = raw.copy()
    blank_not_missing.loc[0, "A"] = ""
    assert row_hashes(blank_not_missing)[0] != hashes[0]


def test_general_ledger_lines_entries_and_opening_balances() -> None:
    mapping = load_mapping(FIXTURES / "mof" / "mof_gl.yaml")
    line, entry, opening = mapping.entities
    gl = raw_frame(
        [
            {"LINE_ID": "1", "JE_NO": "JE1", "ACCT": "١٢٠١", "DR": "100.250", "CR": None,
             "DESCR": "  رواتب   مارس ", "JE_DATE": "2024-03-31", "PERIOD": "202403"},
            {"LINE_ID": "2", "JE_NO": "JE1", "ACCT": "2101", "DR": "", "CR": "100.2500",
             "DESCR": None, "JE_DATE": "31/03/2024", "PERIOD": "03/2024"},
            {"LINE_ID": "3", "JE_NO": "JE2", "ACCT": "2101", "DR": "x", "CR": None,
             "DESCR": None, "JE_DATE": "2024-13-01", "PERIOD": "2024"},
        ],
        ["LINE_ID", "JE_NO", "ACCT", "DR", "CR", "DESCR", "JE_DATE", "PERIOD"],
    )  # fmt: skip
    lines = apply_mapping(line, gl)
    frame = lines.frame
    assert frame["account_code"].tolist() == ["1201", "2101", "2101"]
    assert frame["debit"].tolist() == [Decimal("100.250"), Decimal("0.000"), None]
    assert frame["credit"].tolist() == [Decimal("0.000"), Decimal("100.2500"), Decimal("0.000")]
    assert frame["currency"].tolist() == ["BHD", "BHD", "BHD"]
    assert frame["description"].tolist() == ["رواتب مارس", None, None]
    assert frame["entry_date"].tolist()[:2] == [pd.Timestamp("2024-03-31")] * 2
    assert frame["period"].tolist() == ["2024-03", "2024-03", None]
    assert frame["entry_date"].dtype == np.dtype("datetime64[ns]")
    assert sorted(lines.issues["rule_id"]) == [
        "journal_line.debit.unparseable_amount",
        "journal_line.entry_date.unparseable_date",
        "journal_line.period.unparseable_date",
    ]
    entries = apply_mapping(entry, gl)
    assert entries.frame["period"].tolist() == ["2024-03", "2024-03", None]
    assert entries.issues.set_index("rule_id").loc["journal_entry.period.unparseable_date"][
        "message"
    ] == ("period '2024' is not a month in any of the formats yyyymm, mm/yyyy")

    ob = raw_frame(
        [{"ACCT": "1201", "FY": "٢٠٢٤", "OB_DR": "5000.000", "OB_CR": None},
         {"ACCT": "2101", "FY": "FY24", "OB_DR": None, "OB_CR": "5000.000"}],
        ["ACCT", "FY", "OB_DR", "OB_CR"],
    )  # fmt: skip
    balances = apply_mapping(opening, ob)
    assert str(balances.frame["fiscal_year"].dtype) == "Int64"
    assert balances.frame["fiscal_year"].tolist()[0] == 2024
    assert pd.isna(balances.frame["fiscal_year"].iloc[1])
    assert balances.frame["credit"].tolist() == [Decimal("0"), Decimal("5000.000")]
    assert balances.issues["rule_id"].tolist() == ["opening_balance.fiscal_year.unparseable_int"]
    assert balances.issues["message"].tolist() == ["fiscal year 'FY24' is not a whole number"]


def test_a_const_field_fills_every_row_and_unmapped_fields_are_all_missing() -> None:
    mapping = load_mapping(FIXTURES / "mof" / "mof_gl.yaml").entities[0]
    raw = raw_frame([{"LINE_ID": "1"}] * 3, mapping.columns())
    frame = apply_mapping(mapping, raw).frame
    assert frame["currency"].tolist() == ["BHD"] * 3
    assert frame["vendor_no"].tolist() == [None] * 3
    assert frame["vendor_no"].dtype == object


def test_a_distinct_mapping_derives_one_record_per_target_key(tmp_path: Path) -> None:
    folder = tmp_path / "mys"
    folder.mkdir()
    path = folder / "mys_fin.yaml"
    path.write_text(
        """\
source: mys_fin
ministry: MYS
entities:
  - from: journal_line
    to: journal_entry
    distinct: true
    fields:
      entry_no:   {from: entry_no, transform: trim}
      entry_date: {from: entry_date, transform: date, formats: ["%Y-%m-%d"]}
      period:     {from: entry_date, transform: [date, period], formats: ["%Y-%m-%d"]}
""",
        encoding="utf-8",
    )
    [mapping] = load_mapping(path).entities
    raw = pd.DataFrame(
        {
            "entry_no": ["JV-1", "JV-1", "JV-2", "JV-3"],
            "entry_date": ["2025-01-04", "2025-01-04", "2025-02-01", "2025-13-01"],
            "_source_key": ["00001", "00002", "00003", "00004"],
        },
        dtype=object,
    )
    mapped = apply_mapping(mapping, raw)
    assert mapped.frame["_source_key"].tolist() == ["JV-1", "JV-2", "JV-3"]
    assert mapped.frame["period"].tolist() == ["2025-01", "2025-02", None]
    assert mapped.frame["_row_hash"].nunique() == 3
    again = apply_mapping(mapping, raw.iloc[[1, 0, 2, 3]])
    assert again.frame.set_index("_source_key")["_row_hash"].to_dict() == (
        mapped.frame.set_index("_source_key")["_row_hash"].to_dict()
    )
    assert sorted(zip(mapped.issues["_source_key"], mapped.issues["field"], strict=True)) == [
        ("JV-3", "entry_date"),
        ("JV-3", "period"),
    ]


def _ledger_mapping(tmp_path: Path, debit: str) -> EntityMapping:
    folder = tmp_path / "mof"
    folder.mkdir(exist_ok=True)
    (folder / "mof_gl.yaml").write_text(
        "source: mof_gl\nministry: MOF\nentities:\n  - from: gl\n    to: journal_line\n"
        "    fields:\n      line_no: LINE_ID\n      entry_no: JE_NO\n      account_code: ACCT\n"
        f"      debit: {debit}\n"
        "      credit: {from: CR, transform: money, scale: 3, empty: zero}\n",
        encoding="utf-8",
    )
    return load_mapping(folder / "mof_gl.yaml").entities[0]


def test_money_empty_zero_reads_an_empty_side_as_zero_but_never_a_bad_value(
    tmp_path: Path,
) -> None:
    mapping = _ledger_mapping(tmp_path, "{from: DR, transform: money, scale: 3, empty: zero}")
    gl = raw_frame(
        [
            {"LINE_ID": "1", "JE_NO": "J1", "ACCT": "6100", "DR": "12.500", "CR": ""},
            {"LINE_ID": "2", "JE_NO": "J1", "ACCT": "2100", "DR": " ", "CR": "12.500"},
            {"LINE_ID": "3", "JE_NO": "J1", "ACCT": "2100", "DR": "n/a", "CR": None},
        ],
        ["LINE_ID", "JE_NO", "ACCT", "DR", "CR"],
    )
    mapped = apply_mapping(mapping, gl)
    assert mapped.frame["debit"].tolist() == [Decimal("12.500"), Decimal("0"), None]
    assert mapped.frame["credit"].tolist() == [Decimal("0"), Decimal("12.500"), Decimal("0")]
    assert mapped.issues["rule_id"].tolist() == ["journal_line.debit.unparseable_amount"]

    without = _ledger_mapping(tmp_path, "{from: DR, transform: money, scale: 3}")
    assert apply_mapping(without, gl).frame["debit"].tolist()[1] is None  # missing, not 0
    with pytest.raises(MappingError, match="not both"):
        _ledger_mapping(tmp_path, '{from: DR, transform: money, empty: zero, default: "0"}')


def test_ibans_are_stored_compact_whatever_the_mapping() -> None:
    mapping = employee_mapping()
    spaced = {**GOOD, "IBAN": "bh67 bmag 0000 1299 1234 56"}
    dashed = {**GOOD, "EMP_NO": "1003", "IBAN": "\u200fBH67-BMAG-0000-1299-1234-56"}
    frame = apply_mapping(mapping, raw_frame([spaced, dashed], EMPLOYEE_COLUMNS)).frame
    assert frame["iban"].tolist() == ["BH67BMAG00001299123456"] * 2
