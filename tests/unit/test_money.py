from decimal import Decimal

import pytest

from consolidation.money import (
    AmountError,
    AmountSum,
    control_text,
    decimal_places,
    from_fils,
    from_float,
    parse_amount,
    quantize,
    to_fils,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("850.500", Decimal("850.500")),
        ("  1200.000 ", Decimal("1200.000")),
        ("1,234.5", Decimal("1234.5")),
        ("٨٥٠٫٥٠٠", Decimal("850.500")),
        ("١٬٢٣٤٫٥", Decimal("1234.5")),
        ("۱۲۳", Decimal("123")),
        ("-0.001", Decimal("-0.001")),
        ("", None),
        (None, None),
    ],
)
def test_parse_amount_is_exact(text: str | None, expected: Decimal | None) -> None:
    value = parse_amount(text)
    assert value == expected
    if expected is not None:
        assert str(value) == str(expected)


@pytest.mark.parametrize("text", ["N/A", "12,5O0", "NaN", "inf", "1.2.3"])
def test_parse_amount_refuses_what_is_not_an_amount(text: str) -> None:
    with pytest.raises(AmountError):
        parse_amount(text)


def test_decimal_places_counts_significant_decimals() -> None:
    assert decimal_places(Decimal("1.2345")) == 4
    assert decimal_places(Decimal("1387.4460")) == 3
    assert decimal_places(Decimal("1.2500")) == 2
    assert decimal_places(Decimal("0.0000")) == 0
    assert decimal_places(Decimal("1200")) == 0


def test_fils_round_trip_refuses_sub_fils() -> None:
    assert to_fils(Decimal("850.505")) == 850505
    assert from_fils(850505) == Decimal("850.505")
    with pytest.raises(AmountError):
        to_fils(Decimal("0.0001"))


def test_float_from_foreign_system_is_made_exact_at_fils() -> None:
    assert from_float(0.1 + 0.2) == Decimal("0.300")
    assert quantize(Decimal("2.0005")) == Decimal("2.001")


def test_amount_sum_counts_blanks_and_unparseable_apart() -> None:
    running = AmountSum()
    running.add_texts(["1.001", None, "", "abc", "٢٫٠٠٠", float("nan")])  # type: ignore[list-item]
    assert running.total == Decimal("3.001")
    assert (running.parsed, running.blank, running.unparseable) == (2, 3, 1)


def test_control_text_shows_fils_or_every_decimal_the_source_had() -> None:
    assert control_text(Decimal("2050.625000")) == "2050.625"
    assert control_text(Decimal("33891484.377500")) == "33891484.3775"
    assert control_text(Decimal("0E-6")) == "0.000"
