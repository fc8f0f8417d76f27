"""The hostile-file corpus: every hostile input issue 16 found, written on demand.

Each case is a tiny HR ministry (a sources config, a mapping, one export) with one hostile thing
in it, and the outcome the product promises for it: the run completes and the hostile value is a
quarantine issue with its rule id, or the command ends in one line with exit code 2. The files
are generated, never stored: the padded workbook is small on disk and expands far past the limit
of its compression ratio, and the YAML bomb would expand to billions of values.

    python -m tests.hostile_corpus OUT_DIR    # write every case's folder, to look at them

``tests/e2e/test_hostile_corpus.py`` runs every case through the real ``consolidate``.
"""

from __future__ import annotations

import csv
import io
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from openpyxl import Workbook

COLUMNS = [
    "EMP_NO", "CPR", "NAME_AR", "NAME_EN", "BORN", "HIRED", "SALARY", "IBAN", "SEX", "STATUS"
]  # fmt: skip
GOOD_ROW = {
    "EMP_NO": "E1",
    "CPR": "850112345",
    "NAME_AR": "علي حسن",
    "NAME_EN": "Ali Hasan",
    "BORN": "1985-01-12",
    "HIRED": "2015-09-01",
    "SALARY": "850.500",
    "IBAN": "BH67BMAG00001299123456",
    "SEX": "M",
    "STATUS": "A",
}
MAPPING = """\
source: hx_hr
ministry: HX
entities:
  - from: employee
    to: employee
    fields:
      employee_no:   {from: EMP_NO, transform: trim}
      national_id:   {from: CPR, transform: [trim, digits]}
      name_ar:       {from: NAME_AR, transform: [trim, collapse_spaces]}
      name_en:       {from: NAME_EN, transform: [trim, collapse_spaces]}
      birth_date:    {from: BORN, transform: date, formats: ["%Y-%m-%d"]}
      hire_date:     {from: HIRED, transform: date, formats: ["%Y-%m-%d"]}
      base_salary:   {from: SALARY, transform: money, scale: 3}
      iban:          {from: IBAN, transform: iban}
      gender:        {from: SEX, transform: code, map: {M: male, F: female}}
      status:        {from: STATUS, transform: code, map: {A: active, T: terminated}}
      org_unit_code: {const: "HX-HQ"}
      job_code:      {const: "HX-CLERK"}
"""
PLANTED_PASSWORD = "Hx-Planted-Secret-7731"


@dataclass(frozen=True)
class Case:
    """One hostile input and what the product promises for it."""

    name: str
    write: Callable[[Path], None]
    """Writes the case's files into its folder (after the good defaults are written)."""
    rule: str | None = None
    """The run completes (exit 0) and an issue of this rule is open."""
    error: tuple[str, ...] = ()
    """The command ends in one line with exit 2, containing each of these."""
    command: tuple[str, ...] = ("run", "--source", "hx_hr")
    absent: tuple[str, ...] = field(default_factory=tuple)
    """Texts that must appear in no output (a planted secret)."""


def sources_config(entity: dict[str, object] | None = None, **source: object) -> str:
    spec: dict[str, object] = {
        "kind": "csv",
        "ministry": "HX",
        "domain": "hr",
        "name": "Hostile HR export",
        "entities": {"employee": entity or {"key": ["EMP_NO"], "path": "employee.csv"}},
        **source,
    }
    config = {
        "ministries": {"HX": {"name_ar": "وزارة الاختبار", "name_en": "Ministry of Hostility"}},
        "sources": {"hx_hr": spec},
    }
    return yaml.safe_dump(config, allow_unicode=True, sort_keys=False)


def write_defaults(folder: Path) -> None:
    """The good ministry every case starts from: config, mapping, reference and one export."""
    (folder / "mappings" / "hx").mkdir(parents=True, exist_ok=True)
    (folder / "mappings" / "reference").mkdir(parents=True, exist_ok=True)
    (folder / "mappings" / "hx" / "hx_hr.yaml").write_text(MAPPING, encoding="utf-8")
    repo = Path(__file__).resolve().parents[1] / "mappings" / "reference"
    for name in ("unified_chart.csv", "calendar.yaml"):
        (folder / "mappings" / "reference" / name).write_bytes((repo / name).read_bytes())
    (folder / "sources.yaml").write_text(sources_config(), encoding="utf-8")
    write_csv(folder, [GOOD_ROW, {**GOOD_ROW, "EMP_NO": "E2", "CPR": "900215678"}])


def write_csv(folder: Path, rows: list[dict[str, str]], *, header: list[str] | None = None) -> None:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header or COLUMNS)
    writer.writerows([[row.get(c, "") for c in COLUMNS] for row in rows])
    (folder / "employee.csv").write_text(text.getvalue(), encoding="utf-8")


def _salary(value: str) -> Callable[[Path], None]:
    return lambda folder: write_csv(
        folder, [GOOD_ROW, {**GOOD_ROW, "EMP_NO": "E9", "SALARY": value}]
    )


def _alias_bomb() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 12):
        previous, name = chr(ord("a") + level - 1), chr(ord("a") + level)
        lines.append(f"{name}: &{name} [" + ",".join(f"*{previous}" for _ in range(9)) + "]")
    return "\n".join(lines) + "\n"


def _sources_bomb(folder: Path) -> None:
    (folder / "sources.yaml").write_text(sources_config() + _alias_bomb(), encoding="utf-8")


def _mapping_bomb(folder: Path) -> None:
    path = folder / "mappings" / "hx" / "hx_hr.yaml"
    path.write_text(
        MAPPING + "extra:\n" + "".join(f"  {ln}\n" for ln in _alias_bomb().splitlines())
    )


def _padded_workbook(folder: Path) -> None:
    """A real workbook of two rows whose sheet XML is padded with 8 MiB of spaces: about 10 KiB
    on disk, a compression ratio far past ``sources.workbook_max_ratio``."""
    plain = io.BytesIO()
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(COLUMNS)
    sheet.append([GOOD_ROW[c] for c in COLUMNS])
    book.save(plain)
    with (
        zipfile.ZipFile(plain) as source,
        zipfile.ZipFile(folder / "employee.xlsx", "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * (8 * 1024**2), 1)
            out.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED)
    config = sources_config({"key": ["EMP_NO"], "path": "employee.xlsx"}, kind="excel")
    (folder / "sources.yaml").write_text(config, encoding="utf-8")


def _big_number_in_excel(folder: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(COLUMNS)
    sheet.append([GOOD_ROW[c] if c != "SALARY" else 12345678901234567890 for c in COLUMNS])
    book.save(folder / "employee.xlsx")
    config = sources_config({"key": ["EMP_NO"], "path": "employee.xlsx"}, kind="excel")
    (folder / "sources.yaml").write_text(config, encoding="utf-8")


def _password_in_query(folder: Path) -> None:
    config = sources_config(
        {"key": ["EMP_NO"], "table": "employee"},
        kind="sql",
        url=f"postgresql+psycopg://hr@127.0.0.1:1/hr?password={PLANTED_PASSWORD}",
    )
    (folder / "sources.yaml").write_text(config, encoding="utf-8")


def _repeated_header(folder: Path) -> None:
    write_csv(folder, [GOOD_ROW], header=[*COLUMNS[:-1], "SALARY"])


def _long_field(folder: Path) -> None:
    write_csv(folder, [GOOD_ROW, {**GOOD_ROW, "EMP_NO": "E7", "NAME_EN": "x" * 100_001}])


def _nul_byte(folder: Path) -> None:
    write_csv(folder, [GOOD_ROW, {**GOOD_ROW, "EMP_NO": "E3", "NAME_EN": "Sa\x00ra"}])


def _repeated_key(folder: Path) -> None:
    write_csv(folder, [GOOD_ROW, {**GOOD_ROW, "CPR": "900215678"}])


def _control_character(folder: Path) -> None:
    (folder / "sources.yaml").write_text(sources_config() + "note: \x07\n", encoding="utf-8")


CASES: list[Case] = [
    Case("amount_1e309", _salary("1e309"), rule="employee.base_salary.scientific_notation"),
    Case("amount_minus_1e309", _salary("-1e309"), rule="employee.base_salary.scientific_notation"),
    Case("amount_1e3", _salary("1e3"), rule="employee.base_salary.scientific_notation"),
    Case("amount_20_digits", _salary("9" * 20), rule="employee.base_salary.amount_out_of_range"),
    Case(
        "amount_10000_digits",
        _salary("9" * 10_000),
        rule="employee.base_salary.amount_out_of_range",
    ),
    Case(
        "excel_amount_20_digits",
        _big_number_in_excel,
        rule="employee.base_salary.amount_out_of_range",
    ),
    Case("repeated_key", _repeated_key, rule="employee.source_key.unique"),
    Case("sources_yaml_alias_bomb", _sources_bomb, error=("aliases",)),
    Case("mapping_yaml_alias_bomb", _mapping_bomb, error=("aliases",)),
    Case("yaml_control_character", _control_character, error=("sources.yaml",)),
    Case("padded_workbook", _padded_workbook, error=("sheet1.xml", "sources.workbook_max_ratio")),
    Case(
        "password_in_url_query",
        _password_in_query,
        error=("holds a password",),
        command=("sources", "check"),
        absent=(PLANTED_PASSWORD,),
    ),
    Case("repeated_column_name", _repeated_header, error=("SALARY",)),
    Case("field_past_length_limit", _long_field, error=("NAME_EN",)),
    Case("nul_character", _nul_byte, error=("row 2", "field 'NAME_EN'", "NUL")),
]


def write_case(case: Case, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_defaults(folder)
    case.write(folder)
    return folder


def main(out: str) -> None:
    for case in CASES:
        print(write_case(case, Path(out) / case.name))


if __name__ == "__main__":
    main(sys.argv[1])
