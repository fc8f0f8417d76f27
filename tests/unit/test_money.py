import random
from decimal import Decimal

import pyarrow as pa
import pytest

from consolidation.core.money import (
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


def test_amount_sum_over_arrow_equals_the_sum_over_texts() -> None:
    """The vectorised path gives the same total, to the last decimal and in the same form, and
    the same counts, whatever mix of plain and unusual amounts a column holds."""
    generator = random.Random(20261123)
    texts: list[str | None] = [
        "850.500", "-0.001", "0", "-0", "00012.5", "999999999999.999999", "-999999999999.999999",
        "1.2345678", "1e3", " 12.5 ", "12.5\n", "+7", "5.", ".5", "١٢٫٥٠٠", "1,234.500", "abc",
        "", "NaN", "-inf", None, "1234567890123.5", "٣",
    ]  # fmt: skip
    for _ in range(5_000):
        places = generator.choice([0, 1, 2, 3, 3, 3, 6])
        value = generator.randint(-(10**9), 10**9)
        text = str(Decimal(value).scaleb(-places))
        texts.append(text if generator.random() > 0.01 else None)
    generator.shuffle(texts)

    one_by_one, vectorised = AmountSum(), AmountSum()
    one_by_one.add_texts(texts)
    vectorised.add_array(pa.chunked_array([pa.array(texts[:2000]), pa.array(texts[2000:])]))

    assert str(vectorised.total) == str(one_by_one.total)
    assert (vectorised.parsed, vectorised.blank, vectorised.unparseable) == (
        one_by_one.parsed,
        one_by_one.blank,
        one_by_one.unparseable,
    )
    plain = AmountSum()
    plain.add_array(pa.array(["1.5", "2.25"]))
    assert str(plain.total) == "3.750"  # the running total keeps fils, as add_texts does


def test_control_text_shows_fils_or_every_decimal_the_source_had() -> None:
    assert control_text(Decimal("2050.625000")) == "2050.625"
    assert control_text(Decimal("33891484.377500")) == "33891484.3775"
    assert control_text(Decimal("0E-6")) == "0.000"
