"""The CSV connector on small files: text as written, blanks as None, encodings sniffed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from connectors import ConnectorError
from connectors.csv import SNIFF_BYTES, CsvConnector
from consolidation.core.sources import CsvSource
from consolidation.core.types import ReadLimits


def connector(path: Path, **entity: Any) -> CsvConnector:
    spec = CsvSource.model_validate(
        {
            "kind": "csv",
            "ministry": "moh",
            "domain": "hr",
            "name": "HR exports",
            "entities": {"employee": {"key": ["emp_no"], "path": str(path), **entity}},
        }
    )
    return CsvConnector("moh_hr", spec)


def records(csv: CsvConnector) -> list[dict[str, Any]]:
    return [r for chunk in csv.extract("employee") for r in chunk.frame.to_dict("records")]


def test_values_stay_text_and_blanks_are_none(tmp_path: Path) -> None:
    path = tmp_path / "employees.csv"
    path.write_text(
        ' emp_no ,name,salary,note\n000123,"Al-Zahra, Fatima",850.500,\n,,,\n000456,NA,1e3,"x"\n',
        encoding="utf-8",
    )

    assert records(connector(path)) == [
        {
            "emp_no": "000123",
            "name": "Al-Zahra, Fatima",
            "salary": "850.500",
            "note": None,
            "_source_key": "000123",
        },
        {"emp_no": "000456", "name": "NA", "salary": "1e3", "note": "x", "_source_key": "000456"},
    ]


def test_header_below_title_lines(tmp_path: Path) -> None:
    path = tmp_path / "employees.csv"
    path.write_text("كشف الموظفين\n\nemp_no;name\n000123;فاطمة\n", encoding="cp1256")

    found = records(connector(path, encoding="cp1256", delimiter=";", header_row=3))

    assert found == [{"emp_no": "000123", "name": "فاطمة", "_source_key": "000123"}]


def test_a_character_cut_by_the_sniff_window_is_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "employees.csv"
    header = b"emp_no,name\n"
    padding = b"x" * (SNIFF_BYTES - len(header) - len(b"1,") - 1)
    content = header + b"1," + padding + "فاطمة\n".encode()
    assert content[SNIFF_BYTES - 1 : SNIFF_BYTES + 1].decode() == "ف"  # cut by the window
    path.write_bytes(content)

    assert records(connector(path))[0]["name"] == padding.decode() + "فاطمة"
    with pytest.raises(ConnectorError, match="is declared cp1256 but is UTF-8"):
        connector(path, encoding="cp1256").check()


def test_ascii_file_is_fine_in_any_declared_encoding(tmp_path: Path) -> None:
    path = tmp_path / "employees.csv"
    path.write_bytes(b"emp_no,name\n000123,Fatima\n")

    for encoding in ("utf-8", "utf-8-sig", "cp1256"):
        assert records(connector(path, encoding=encoding))[0]["name"] == "Fatima"


def test_repeated_column_names_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "employees.csv"
    path.write_text("emp_no,name, name\n1,a,b\n", encoding="utf-8")

    with pytest.raises(ConnectorError, match="names column 'name' more than once"):
        connector(path).check()


def test_a_column_name_written_twice_exactly_is_refused_not_renamed(tmp_path: Path) -> None:
    """pandas would read the second ``status`` as ``status.1`` and the mapping would never see
    it: the file is refused, in one line naming the column."""
    path = tmp_path / "employees.csv"
    path.write_text("emp_no,status,name,status\n1,active,a,retired\n", encoding="utf-8")

    with pytest.raises(ConnectorError, match="names column 'status' more than once") as caught:
        records(connector(path))
    assert "\n" not in str(caught.value)


def test_estimate_rows_is_roughly_right(tmp_path: Path) -> None:
    path = tmp_path / "employees.csv"
    lines = [f"{n:06d},Employee {n},{n % 997}.125" for n in range(3000)]
    path.write_text("emp_no,name,salary\n" + "\n".join(lines) + "\n", encoding="utf-8")

    estimate = connector(path).estimate_rows("employee")

    assert estimate is not None
    assert 2700 <= estimate <= 3300
    assert connector(tmp_path / "missing.csv").estimate_rows("employee") is None


def test_a_field_past_the_length_limit_is_refused_naming_record_and_column(
    tmp_path: Path,
) -> None:
    path = tmp_path / "employees.csv"
    path.write_text(f"emp_no,name\n1,a\n2,{'x' * 500}\n", encoding="utf-8")
    spec = connector(path).spec
    limited = CsvConnector("moh_hr", spec, limits=ReadLimits(csv_max_field_chars=100))
    with pytest.raises(ConnectorError) as caught:
        records(limited)
    message = str(caught.value)
    assert "record 2, column 'name' holds 500 characters, over the limit of 100" in message
    assert "sources.csv_max_field_chars" in message and "\n" not in message
    assert len(records(connector(path))) == 2
