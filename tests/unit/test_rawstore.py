from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from consolidation.core import rawstore
from consolidation.core.errors import StoreError
from consolidation.core.types import SOURCE_KEY, RawChunk


def _chunk(number: int = 1) -> RawChunk:
    frame = pd.DataFrame(
        {
            "EMP_NO": ["000123", "000124"],
            "NM_AR": ["محمد علي", None],
            "BASIC_SAL": ["850.500", "1200.000"],
            SOURCE_KEY: ["000123", "000124"],
        },
        dtype=object,
    )
    return RawChunk.of_frame("moh_hr", "employee", number, frame)


def test_written_chunk_is_read_only_checksummed_and_traceable(tmp_path: Path) -> None:
    written = rawstore.write_chunk(tmp_path, 7, _chunk())
    path = tmp_path / written.path
    assert written.row_count == 2
    assert (written.first_key, written.last_key) == ("000123", "000124")
    assert not path.stat().st_mode & 0o222
    assert rawstore.verify_chunk(tmp_path, written.path, written.sha256) is None
    record = rawstore.find_record(tmp_path, [written.path], "000124")
    assert record == {
        "EMP_NO": "000124",
        "NM_AR": None,
        "BASIC_SAL": "1200.000",
        SOURCE_KEY: "000124",
    }
    assert rawstore.find_record(tmp_path, [written.path], "999") is None


def test_raw_chunks_are_never_overwritten(tmp_path: Path) -> None:
    rawstore.write_chunk(tmp_path, 7, _chunk())
    with pytest.raises(StoreError, match="never overwritten"):
        rawstore.write_chunk(tmp_path, 7, _chunk())


def test_verify_reports_an_altered_or_missing_file(tmp_path: Path) -> None:
    written = rawstore.write_chunk(tmp_path, 7, _chunk())
    path = tmp_path / written.path
    path.chmod(0o644)
    path.write_bytes(path.read_bytes() + b"x")
    problem = rawstore.verify_chunk(tmp_path, written.path, written.sha256)
    assert problem is not None
    assert "differs from recorded" in problem
    path.unlink()
    assert "missing" in (rawstore.verify_chunk(tmp_path, written.path, written.sha256) or "")


def test_text_array_keeps_amounts_exact_and_missing_values_null() -> None:
    values = pd.Series(
        [Decimal("1387.446"), None, Decimal("0.1000"), float("nan"), pd.NA, Decimal("-2E+3"), 7],
        dtype=object,
    )
    texts = rawstore.text_array(values).to_pylist()
    assert texts == ["1387.446", None, "0.1000", None, None, "-2E+3", "7"]
