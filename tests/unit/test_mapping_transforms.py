"""Each mapping transform on its own: values in, typed values and failures out."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from mappings.transforms import TRANSFORMS, Evaluated, ParamError, make_step, run_steps


def run(values: list[str | None], *names: str, base_dir: Path = Path(), **params: Any) -> Evaluated:
    steps = tuple(make_step(name, params, base_dir) for name in names)
    return run_steps(pd.Series(values, dtype=object), steps)


def problems(result: Evaluated) -> list[str | None]:
    if result.problems is None:
        return [None] * len(result.values)
    return list(result.problems)


def reason(result: Evaluated, position: int) -> str:
    assert result.reasons is not None
    return str(result.reasons[position])


def test_every_transform_of_the_format_is_known() -> None:
    documented = {"trim", "collapse_spaces", "digits", "upper", "lower", "pad", "date", "period"}
    documented |= {"money", "int", "code", "lookup", "join", "split"}
    assert documented <= set(TRANSFORMS)


def test_trim_removes_white_space_and_direction_marks_and_blank_becomes_none() -> None:
    result = run(["  A1 ", "\u200fعلي\u00a0", "   ", "", None], "trim")
    assert result.values.tolist() == ["A1", "علي", None, None, None]
    assert not result.failed.any()
    assert result.values.dtype == object


def test_collapse_spaces() -> None:
    assert run(["Ali   bin\t Hasan"], "collapse_spaces").values.tolist() == ["Ali bin Hasan"]


def test_digits_converts_arabic_indic_and_persian_digits_and_separators() -> None:
    result = run(["٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹", "١٬٢٣٤٫٥٠٠", "CPR ٨٥٠"], "digits")
    assert result.values.tolist() == ["0123456789", "0123456789", "1234.500", "CPR 850"]


def test_digits_only_keeps_nothing_but_digits() -> None:
    assert run(["85-01-١٢٣٤٥", "--"], "digits_only").values.tolist() == ["850112345", None]


def test_upper_and_lower() -> None:
    assert run(["bh67Bmag"], "upper").values.tolist() == ["BH67BMAG"]
    assert run(["BH67Bmag"], "lower").values.tolist() == ["bh67bmag"]


def test_pad_left_pads_with_zeros_but_leaves_blanks_and_long_values() -> None:
    result = run(["12345", "1234567890", "", None], "pad", pad=9)
    assert result.values.tolist() == ["000012345", "1234567890", None, None]


def test_pad_needs_a_width() -> None:
    with pytest.raises(ParamError, match="pad: 9"):
        make_step("pad", {}, Path())


def test_date_gives_datetime64_ns_exactly_and_drops_time() -> None:
    result = run(["05/01/2024", "31/12/1999", None, ""], "date", formats=["%d/%m/%Y"])
    assert result.values.dtype == np.dtype("datetime64[ns]")
    assert result.values.tolist()[:2] == [pd.Timestamp("2024-01-05"), pd.Timestamp("1999-12-31")]
    assert result.values.isna().tolist() == [False, False, True, True]
    assert not result.failed.any()
    timed = run(["2024-01-05 13:45"], "date", formats=["%Y-%m-%d %H:%M"])
    assert timed.values.tolist() == [pd.Timestamp("2024-01-05")]
    assert timed.values.dtype == np.dtype("datetime64[ns]")


def test_date_tries_formats_in_order_and_reads_arabic_digits() -> None:
    result = run(
        ["2024-03-11", "11/03/2024", "١١/٠٣/٢٠٢٤"], "date", formats=["%Y-%m-%d", "%d/%m/%Y"]
    )
    assert result.values.tolist() == [pd.Timestamp("2024-03-11")] * 3


def test_date_that_is_not_a_date_is_a_failure_not_a_null() -> None:
    result = run(["31/02/2019", "soon", "01/02/2019"], "date", formats=["%d/%m/%Y"])
    assert result.failed.tolist() == [True, True, False]
    assert problems(result)[:2] == ["unparseable_date", "unparseable_date"]
    assert reason(result, 0) == "is not a date in the format dd/mm/yyyy"
    assert result.values.isna().tolist() == [True, True, False]


def test_date_readable_under_two_formats_as_different_days_is_ambiguous() -> None:
    result = run(
        ["03/04/2020", "13/04/2020", "04/13/2020", "05/05/2020"],
        "date",
        formats=["%d/%m/%Y", "%m/%d/%Y"],
    )
    assert result.failed.tolist() == [True, False, False, False]
    assert problems(result)[0] == "ambiguous_date"
    assert "3 April 2020 (dd/mm/yyyy)" in reason(result, 0)
    assert "4 March 2020 (mm/dd/yyyy)" in reason(result, 0)
    assert pd.isna(result.values[0])
    assert result.values.tolist()[1:] == [
        pd.Timestamp("2020-04-13"),
        pd.Timestamp("2020-04-13"),
        pd.Timestamp("2020-05-05"),
    ]


def test_date_outside_what_datetime64_ns_holds_is_reported() -> None:
    result = run(["31/12/9999"], "date", formats=["%d/%m/%Y"])
    assert problems(result) == ["unparseable_date"]
    assert "outside the dates the system can hold" in reason(result, 0)


@pytest.mark.parametrize(
    ("hijri", "gregorian"),
    [
        ("01/09/1445", "2024-03-11"),  # 1 Ramadan 1445
        ("01/01/1446", "2024-07-07"),  # 1 Muharram 1446
        ("01/10/1444", "2023-04-21"),  # Eid al-Fitr 1444
        ("١٠/١٢/١٤٤٥", "2024-06-16"),  # Eid al-Adha 1445, in Arabic-Indic digits
    ],
)
def test_hijri_dates_convert_to_gregorian(hijri: str, gregorian: str) -> None:
    result = run([hijri], "date", formats=["%d/%m/%Y"], calendar="hijri")
    assert result.values.tolist() == [pd.Timestamp(gregorian)]
    assert result.values.dtype == np.dtype("datetime64[ns]")


def test_hijri_day_the_month_does_not_have_is_a_failure() -> None:
    result = run(["30/01/1445", "1445"], "date", formats=["%d/%m/%Y"], calendar="hijri")
    assert problems(result) == ["unparseable_date", "unparseable_date"]
    assert "Hijri" in reason(result, 0) and "day must be in 1-29" in reason(result, 0)
    assert reason(result, 1) == "is not a Hijri (Umm al-Qura) date in the format dd/mm/yyyy"


def test_hijri_formats_may_use_only_day_month_and_year() -> None:
    with pytest.raises(ParamError, match="only %d, %m and %Y"):
        make_step("date", {"formats": ["%d %b %Y"], "calendar": "hijri"}, Path())


def test_date_needs_formats() -> None:
    with pytest.raises(ParamError, match="needs 'formats'") as info:
        make_step("date", {}, Path())
    assert info.value.param == "formats"


def test_period_of_a_date_and_of_a_text() -> None:
    from_date = run(["2024-03-11", None], "date", "period", formats=["%Y-%m-%d"])
    assert from_date.values.tolist() == ["2024-03", None]
    from_text = run(["202403", "04/2024", "13/2024"], "period", formats=["%Y%m", "%m/%Y"])
    assert from_text.values.tolist() == ["2024-03", "2024-04", None]
    assert problems(from_text)[2] == "unparseable_date"
    assert reason(from_text, 2) == "is not a month in any of the formats yyyymm, mm/yyyy"


def test_money_is_exact_and_keeps_every_decimal_written() -> None:
    result = run(["1250.500", "1.2500", "١٢٣٫٤٥٠", "1,234.567", "-0.001", "0"], "money", scale=3)
    values = result.values.tolist()
    assert values == [
        Decimal("1250.500"),
        Decimal("1.2500"),
        Decimal("123.450"),
        Decimal("1234.567"),
        Decimal("-0.001"),
        Decimal("0"),
    ]
    assert all(isinstance(value, Decimal) for value in values)
    assert values[1].as_tuple().exponent == -4
    assert result.values.dtype == object


def test_unparseable_amount_is_a_failure_and_blank_stays_blank_not_zero() -> None:
    result = run(["12,5O0.000", None, "", "NaN", "7"], "money")
    assert result.failed.tolist() == [True, False, False, True, False]
    assert problems(result)[0] == "unparseable_amount"
    assert reason(result, 0) == "is not an amount"
    assert result.values.tolist() == [None, None, None, None, Decimal("7")]


def test_int_reads_whole_numbers_into_int64() -> None:
    result = run(["2024", " ٢٠٢٣ ", "2022.0", "20x4", None], "int")
    assert str(result.values.dtype) == "Int64"
    assert result.values.tolist()[:3] == [2024, 2023, 2022]
    assert result.values.isna().tolist() == [False, False, False, True, True]
    assert result.failed.tolist() == [False, False, False, True, False]
    assert problems(result)[3] == "unparseable_int"
    assert reason(result, 3) == "is not a whole number"


def test_code_maps_trimmed_values_exactly_and_reports_unmapped_codes() -> None:
    result = run([" M", "ذكر", "1", "F", "m", "X", "", None], "code", map=GENDERS)
    assert result.values.tolist() == ["male", "male", "male", "female", None, None, None, None]
    assert result.failed.tolist() == [False, False, False, False, True, True, False, False]
    assert problems(result)[4:6] == ["unmapped_code", "unmapped_code"]
    assert reason(result, 5).startswith("is not one of the codes the mapping knows (1, F, M, ذكر")


GENDERS = {"M": "male", "ذكر": "male", "1": "male", "F": "female"}


def test_code_may_ignore_case() -> None:
    result = run(["m", "f"], "code", map={"M": "male", "F": "female"}, ignore_case=True)
    assert result.values.tolist() == ["male", "female"]
    assert not result.failed.any()


def test_code_needs_a_map_without_clashing_keys() -> None:
    with pytest.raises(ParamError, match="needs 'map'"):
        make_step("code", {}, Path())
    with pytest.raises(ParamError, match="appears twice"):
        make_step("code", {"map": {"A": "active", " A": "ended"}}, Path())


def test_lookup_translates_through_a_csv_and_reports_missing_keys(tmp_path: Path) -> None:
    (tmp_path / "units.csv").write_text(
        "old_code,new_code\nD01,MOH-100\nD02,MOH-200\nNA,MOH-NA\n", encoding="utf-8"
    )
    params = {"table": "units.csv", "key": "old_code", "value": "new_code"}
    result = run(["D01", " D02 ", "NA", "D09", None], "lookup", base_dir=tmp_path, **params)
    assert result.values.tolist() == ["MOH-100", "MOH-200", "MOH-NA", None, None]
    assert result.failed.tolist() == [False, False, False, True, False]
    assert problems(result)[3] == "lookup_missing"
    assert reason(result, 3) == "is not in the lookup table units.csv (column old_code)"


def test_lookup_checks_the_table_and_its_columns(tmp_path: Path) -> None:
    (tmp_path / "units.csv").write_text("old_code,new_code\nD01,X\n", encoding="utf-8")
    with pytest.raises(ParamError, match="does not exist") as missing:
        make_step("lookup", {"table": "nope.csv", "key": "k", "value": "v"}, tmp_path)
    assert missing.value.param == "table"
    with pytest.raises(ParamError, match="has no column 'old'; it has: old_code, new_code") as bad:
        make_step("lookup", {"table": "units.csv", "key": "old", "value": "new_code"}, tmp_path)
    assert bad.value.param == "key"


def test_split_takes_a_part_of_a_name() -> None:
    names = ["  Ali  bin Hasan ", "Zahra", None]
    assert run(names, "split", part="first").values.tolist() == ["Ali", "Zahra", None]
    assert run(names, "split", part="last").values.tolist() == ["Hasan", "Zahra", None]
    assert run(names, "split", part="rest").values.tolist() == ["bin Hasan", None, None]
    assert run(names, "split", index=1).values.tolist() == ["bin", None, None]
    assert run(names, "split", index=-1).values.tolist() == ["Hasan", "Zahra", None]


def test_join_trims_parts_and_skips_blank_ones() -> None:
    join = make_step("join", {"sep": " "}, Path())
    columns = [
        pd.Series(["علي", "فاطمة", None, " "], dtype=object),
        pd.Series([" حسن ", "", None, None], dtype=object),
        pd.Series(["الموسوي", "علي", None, ""], dtype=object),
    ]
    joined = join.combine(columns)  # type: ignore[attr-defined]
    assert joined.tolist() == ["علي حسن الموسوي", "فاطمة علي", None, None]


def test_a_failed_value_keeps_its_first_failure() -> None:
    result = run(["abc", "11/03/2024"], "date", "period", formats=["%d/%m/%Y"])
    assert problems(result) == ["unparseable_date", None]
    assert result.values.tolist() == [None, "2024-03"]


def test_scientific_notation_and_out_of_range_amounts_are_issues_of_their_own() -> None:
    """``1e3`` is a spreadsheet's rendering, never a ledger's: an issue, not 1000. An amount
    the store cannot hold exactly (NUMERIC(18,3)) is one too, never an overflow."""
    huge = "9" * 10_000
    result = run(
        ["1e3", "-1e309", "1E+2", "12345678901234567890", huge, "999999999999999.999", "7"], "money"
    )
    assert result.failed.tolist() == [True, True, True, True, True, False, False]
    assert [problems(result)[i] for i in range(5)] == [
        "scientific_notation",
        "scientific_notation",
        "scientific_notation",
        "amount_out_of_range",
        "amount_out_of_range",
    ]
    assert reason(result, 0) == "is in scientific notation; the amount must be written out"
    assert "NUMERIC(18,3)" in reason(result, 3)
    assert result.values.tolist()[5:] == [Decimal("999999999999999.999"), Decimal("7")]
