"""Loading a mapping file: a good file loads; each mistake is one line naming file, line, field."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

import mappings.spec
from consolidation.core.errors import ConsolidationError
from consolidation.core.unified import FieldType
from mappings import MappingError, find_mapping, load_mapping

FIXTURES = Path(__file__).parent / "fixtures" / "mappings"

BASE = """\
source: moh_hr
ministry: MOH
entities:
  - from: employee
    to: employee
    fields:
      employee_no: EMP_NO
      national_id: {from: CPR, transform: [trim, digits_only]}
      name_ar: NAME
      birth_date: {from: BD, transform: date, formats: ["%d/%m/%Y"]}
      org_unit_code: DEPT
      job_code: JOB
      hire_date: {from: HD, transform: date, formats: ["%d/%m/%Y"]}
      status: {from: ST, transform: code, map: {A: active}}
      base_salary: {from: SAL, transform: money}
      iban: IBAN
"""
COLUMNS = {"employee": ["EMP_NO", "CPR", "NAME", "BD", "DEPT", "JOB", "HD", "ST", "SAL", "IBAN"]}


def write(tmp_path: Path, text: str, *, name: str = "moh_hr") -> Path:
    folder = tmp_path / "moh"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def line_with(text: str, needle: str) -> int:
    """The 1-based line of the first occurrence of ``needle`` in ``text``."""
    return next(number for number, line in enumerate(text.splitlines(), 1) if needle in line)


def load_error(
    tmp_path: Path, text: str, needle: str, columns: dict[str, list[str]] | None = None
) -> str:
    """Load ``text``, expect a MappingError at the line holding ``needle``; return its message."""
    path = write(tmp_path, text)
    with pytest.raises(MappingError) as info:
        load_mapping(path, source_columns=columns)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}:{line_with(text, needle)}: "), message
    return message


def test_a_good_file_loads_into_entity_mappings(tmp_path: Path) -> None:
    mapping = load_mapping(write(tmp_path, BASE), source_columns=COLUMNS)
    assert (mapping.source, mapping.ministry) == ("moh_hr", "MOH")
    [entity] = mapping.entities
    assert (entity.raw_entity, entity.target) == ("employee", "employee")
    assert entity.fields["hire_date"].type is FieldType.DATE
    assert entity.fields["national_id"].columns == ("CPR",)
    assert [step.name for step in entity.fields["national_id"].steps] == ["trim", "digits_only"]
    assert entity.fields["employee_no"].steps == ()
    assert mapping.for_raw("employee") == [entity]
    assert "IBAN" in entity.columns()


def test_the_fixture_mappings_load() -> None:
    hr = load_mapping(FIXTURES / "moh" / "moh_hr.yaml")
    gl = load_mapping(FIXTURES / "mof" / "mof_gl.yaml")
    assert [e.target for e in hr.entities] == ["employee", "org_unit"]
    assert [e.target for e in gl.entities] == ["journal_line", "journal_entry", "opening_balance"]


def test_yaml_scalars_stay_text_as_written(tmp_path: Path) -> None:
    text = BASE.replace(
        "map: {A: active}", "map: {1: active, 01: suspended, yes: terminated, 2024-01-01: x}"
    )
    mapping = load_mapping(write(tmp_path, text))
    step = mapping.entities[0].fields["status"].steps[0]
    assert dict(step.table) == {  # type: ignore[attr-defined]
        "1": "active",
        "01": "suspended",
        "yes": "terminated",
        "2024-01-01": "x",
    }


def test_the_format_reference_in_the_docstring_loads(tmp_path: Path) -> None:
    doc = mappings.spec.__doc__ or ""
    example = textwrap.dedent(doc[doc.index("::\n") + 3 : doc.index("\nA field is")])
    (tmp_path / "moh").mkdir()
    (tmp_path / "moh" / "org_units.csv").write_text("old_code,new_code\nD1,X\n", encoding="utf-8")
    mapping = load_mapping(write(tmp_path, example))
    fields = mapping.entities[0].fields
    assert fields["base_salary"].scale == 3
    assert fields["nationality"].const == "BH"


def test_mapping_error_is_a_consolidation_error() -> None:
    assert issubclass(MappingError, ConsolidationError)


def test_unknown_transform_lists_the_known_ones(tmp_path: Path) -> None:
    text = BASE.replace("[trim, digits_only]", "[trim, digitz]")
    message = load_error(tmp_path, text, "digitz")
    assert "national_id.transform.1: unknown transform 'digitz'" in message
    assert "known transforms: trim, collapse_spaces, digits" in message


def test_a_source_column_that_does_not_exist(tmp_path: Path) -> None:
    text = BASE.replace("from: HD,", "from: HIRE_DT,")
    message = load_error(tmp_path, text, "HIRE_DT", COLUMNS)
    assert "hire_date.from: the raw entity has no column 'HIRE_DT'; it has: EMP_NO, CPR" in message


def test_a_column_of_a_joined_field_is_checked_at_its_own_line(tmp_path: Path) -> None:
    text = BASE.replace(
        "name_ar: NAME",
        "name_ar:\n        from:\n          - NAME\n          - NAME2\n        transform: join",
    )
    message = load_error(tmp_path, text, "- NAME2", COLUMNS)
    assert "name_ar.from.1: the raw entity has no column 'NAME2'" in message


def test_a_raw_entity_the_source_does_not_declare(tmp_path: Path) -> None:
    message = load_error(tmp_path, BASE, "from: employee", {"staff": ["EMP_NO"]})
    assert "entities.0.from: the source has no raw entity 'employee'; it declares: staff" in message


def test_a_target_field_that_the_unified_entity_lacks(tmp_path: Path) -> None:
    message = load_error(tmp_path, BASE + "      hire_dt: HD\n", "hire_dt")
    assert "fields.hire_dt: employee has no field 'hire_dt'; its fields are: employee_no" in message


def test_an_unknown_unified_entity(tmp_path: Path) -> None:
    message = load_error(tmp_path, BASE.replace("to: employee", "to: employe"), "to: employe")
    assert "entities.0.to: unknown unified entity 'employe'; expected one of: employee" in message


def test_a_date_without_formats(tmp_path: Path) -> None:
    text = BASE.replace(
        '{from: BD, transform: date, formats: ["%d/%m/%Y"]}', "{from: BD, transform: date}"
    )
    message = load_error(tmp_path, text, "from: BD")
    assert "birth_date.transform: 'date' needs 'formats'" in message


def test_a_lookup_table_that_is_missing(tmp_path: Path) -> None:
    text = BASE.replace(
        "org_unit_code: DEPT",
        "org_unit_code:\n        from: DEPT\n        transform: lookup\n        table: units.csv\n"
        "        key: old\n        value: new",
    )
    message = load_error(tmp_path, text, "table: units.csv")
    assert "org_unit_code.table: lookup table" in message and "units.csv does not exist" in message


@pytest.mark.parametrize(("param", "bad"), [("key", "key: old"), ("value", "value: new")])
def test_a_lookup_table_without_the_key_or_value_column(
    tmp_path: Path, param: str, bad: str
) -> None:
    (tmp_path / "moh").mkdir()
    (tmp_path / "moh" / "units.csv").write_text("old_code,new_code\nD1,X\n", encoding="utf-8")
    lines = {"key": "key: old_code", "value": "value: new_code"} | {param: bad}
    text = BASE.replace(
        "org_unit_code: DEPT",
        "org_unit_code:\n        from: DEPT\n        transform: lookup\n        table: units.csv\n"
        f"        {lines['key']}\n        {lines['value']}",
    )
    message = load_error(tmp_path, text, bad)
    column = bad.split(": ")[1]
    assert f"org_unit_code.{param}: lookup table units.csv has no column '{column}'" in message
    assert "it has: old_code, new_code" in message


def test_a_required_field_that_is_not_filled_is_named(tmp_path: Path) -> None:
    message = load_error(tmp_path, BASE.replace("      iban: IBAN\n", ""), "fields:")
    assert "entities.0.fields: employee requires the field iban" in message


def test_a_field_whose_transforms_do_not_give_its_type(tmp_path: Path) -> None:
    text = BASE.replace("{from: SAL, transform: money}", "{from: SAL, transform: trim}")
    message = load_error(tmp_path, text, "from: SAL")
    assert "base_salary is a money field, so its transforms must end with 'money'" in message
    text = BASE.replace(
        "birth_date: {from: BD, transform: date", "birth_date: {from: BD, transform: [date, trim]"
    )
    message = load_error(tmp_path, text, "from: BD")
    assert "'trim' works on text, but 'date' gives a date" in message


def test_an_unknown_key_in_a_field(tmp_path: Path) -> None:
    text = BASE.replace("employee_no: EMP_NO", "employee_no: {from: EMP_NO, transfrom: trim}")
    message = load_error(tmp_path, text, "transfrom")
    assert (
        "employee_no.transfrom: is not a field parameter; expected one of: from, const" in message
    )


def test_a_parameter_no_transform_uses(tmp_path: Path) -> None:
    text = BASE.replace("employee_no: EMP_NO", "employee_no: {from: EMP_NO, pad: 9}")
    message = load_error(tmp_path, text, "pad: 9")
    assert "employee_no.pad: 'pad' is used only by the transform pad" in message


def test_a_wrong_choice_names_the_choices(tmp_path: Path) -> None:
    text = BASE.replace(
        'formats: ["%d/%m/%Y"]}\n      org', 'formats: ["%d/%m/%Y"], calendar: hijra}\n      org'
    )
    message = load_error(tmp_path, text, "hijra")
    assert "birth_date.calendar: input should be 'gregorian' or 'hijri' (got 'hijra')" in message


def test_a_missing_key(tmp_path: Path) -> None:
    message = load_error(tmp_path, BASE.replace("    to: employee\n", ""), "- from: employee")
    assert "entities.0.to: is required but missing" in message


def test_a_key_written_twice(tmp_path: Path) -> None:
    text = BASE + "      iban: IBAN2\n"
    message = load_error(tmp_path, text, "IBAN2")
    assert f"key 'iban' is written twice (first on line {line_with(text, 'iban: IBAN')})" in message


def test_invalid_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, BASE.replace("iban: IBAN", "iban: [IBAN"))
    with pytest.raises(MappingError, match=rf"^{re.escape(str(path))}:\d+: not valid YAML"):
        load_mapping(path)


def test_the_source_must_match_the_file_name(tmp_path: Path) -> None:
    message = load_error(tmp_path, BASE.replace("source: moh_hr", "source: moe_hr"), "source:")
    assert "source: expected 'moh_hr', the name of the file (got 'moe_hr')" in message


def test_several_columns_need_join(tmp_path: Path) -> None:
    message = load_error(
        tmp_path, BASE.replace("name_ar: NAME", "name_ar: {from: [A, B]}"), "[A, B]"
    )
    assert "name_ar.from: several columns need 'join' as the first transform" in message


def test_from_and_const_exclude_each_other(tmp_path: Path) -> None:
    text = BASE.replace("employee_no: EMP_NO", "employee_no: {from: EMP_NO, const: X}")
    message = load_error(tmp_path, text, "const: X")
    assert "employee_no: give either 'from'" in message


def test_a_const_and_a_default_are_checked_against_the_field_type(tmp_path: Path) -> None:
    const = BASE.replace("{from: SAL, transform: money}", "{const: abc, transform: money}")
    assert "base_salary.const: const 'abc' is not an amount" in load_error(tmp_path, const, "abc")
    default = BASE.replace(
        "{from: SAL, transform: money}", "{from: SAL, transform: money, default: zero}"
    )
    message = load_error(tmp_path, default, "zero")
    assert "base_salary.default: expected an amount" in message


def test_a_const_is_converted_when_loaded(tmp_path: Path) -> None:
    text = BASE.replace("{from: SAL, transform: money}", '{const: "0.000", transform: money}')
    field = load_mapping(write(tmp_path, text)).entities[0].fields["base_salary"]
    assert field.is_const and str(field.const) == "0.000"


def test_the_same_pair_mapped_twice(tmp_path: Path) -> None:
    again = BASE[BASE.index("  - from: employee") :].replace("from: employee", "from:  employee")
    message = load_error(tmp_path, BASE + again, "from:  employee")
    assert "employee → employee is mapped twice" in message


def test_find_mapping_looks_in_every_ministry_folder(tmp_path: Path) -> None:
    path = write(tmp_path, BASE)
    assert find_mapping(tmp_path, "moh_hr") == path
    with pytest.raises(
        MappingError, match=r"no mapping for source 'moe_hr': expected .*/<ministry>/moe_hr\.yaml"
    ):
        find_mapping(tmp_path, "moe_hr")
    (tmp_path / "moe").mkdir()
    (tmp_path / "moe" / "moh_hr.yaml").write_text(BASE, encoding="utf-8")
    with pytest.raises(MappingError, match="several mapping files"):
        find_mapping(tmp_path, "moh_hr")
    with pytest.raises(MappingError, match="does not exist"):
        find_mapping(tmp_path / "nowhere", "moh_hr")


def test_a_yaml_bomb_in_a_mapping_file_is_one_line(tmp_path: Path) -> None:
    bomb = ["source: moh_hr", 'a: &a ["x","x","x","x","x","x","x","x","x"]']
    bomb += [
        f"{n}: &{n} [" + ",".join([f"*{p}"] * 9) + "]"
        for p, n in zip("abcdefghij", "bcdefghijk", strict=True)
    ]
    path = tmp_path / "moh_hr.yaml"
    path.write_text("\n".join(bomb) + "\n", encoding="utf-8")
    with pytest.raises(
        MappingError,
        match=r"moh_hr\.yaml: its YAML aliases \(\*name\) expand it to more than 100,000",
    ):
        load_mapping(path)
