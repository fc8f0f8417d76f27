import pandas as pd
import pytest
from rapidfuzz import fuzz

from consolidation.matching.normalize import (
    latin_skeleton,
    normalize_arabic,
    normalize_arabic_series,
    normalize_company,
    normalize_latin,
    normalize_latin_series,
    repair_mojibake,
)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("محمد", "مُحمّد"),  # harakat
        ("محمد", "مـحـمـد"),  # tatweel
        ("أحمد", "احمد"),  # hamza on alef
        ("إبراهيم", "ابراهيم"),  # hamza below alef
        ("آمنة", "امنة"),  # madda
        ("فاطمة", "فاطمه"),  # taa marbuta / haa
        ("علي", "على"),  # yaa / alef maqsura
        ("عيسى", "عيسي"),
        ("عائشة", "عايشة"),  # hamza on yaa seat
        ("عبد الله", "عبدالله"),  # compound written apart
        ("عبد الرحمن", "عبدالرحمن"),
        ("محمد بن علي", "محمد علي"),  # the connector 'bin'
        ("الكوهجي", "كوهجي"),  # the article
        ("فاطمة حسن الأنصاري", "فاطمه حسن الانصاري"),
    ],
)
def test_arabic_variants_normalize_equal(left: str, right: str) -> None:
    assert normalize_arabic(left) == normalize_arabic(right)
    assert normalize_arabic(left)


def test_arabic_distinct_names_stay_distinct() -> None:
    assert normalize_arabic("حسن") != normalize_arabic("حسين")
    assert normalize_arabic("محمد") != normalize_arabic("محمود")
    assert normalize_arabic("الله") == "الله"  # too short to lose its article


def test_mojibake_is_repaired_whole_and_per_word() -> None:
    garbled = "محمد".encode().decode("cp1256")
    assert garbled != "محمد"
    assert repair_mojibake(garbled) == "محمد"
    assert normalize_arabic(garbled) == "محمد"
    family = "الدوسري".encode().decode("cp1256")
    assert normalize_arabic(f"علي حسن {family}") == normalize_arabic("علي حسن الدوسري")
    assert repair_mojibake("محمد") == "محمد"
    assert repair_mojibake("Mohammed") == "Mohammed"


def test_text_without_a_name_is_none() -> None:
    assert normalize_arabic(None) is None
    assert normalize_arabic("   ") is None
    assert normalize_arabic("Mohammed") is None  # no Arabic letter
    assert normalize_latin(None) is None
    assert normalize_latin(" - ") is None


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Mohammed", "Mohamed"),
        ("Hussain", "Hussein"),
        ("Hussain", "Husain"),
        ("Abdulla", "Abdullah"),
        ("Abdalla", "Abdulla"),
        ("Abdul Rahman", "Abdulrahman"),
        ("Abd Al-Rahman", "Abdel Rahman"),
        ("Fatima", "Fatema"),
        ("Fatima", "Fatimah"),
        ("Al Ansari", "Al-Ansari"),
        ("Al-Ansari", "Alansari"),
        ("Al Kooheji", "Kooheji"),
        ("Al Alawi", "Alawi"),
        ("As-Sayed", "Al Sayed"),
        ("Yousif", "Yousef"),
        ("Khalid", "Khaled"),
        ("Ebrahim", "Ibrahim"),
        ("Omar", "Umar"),
        ("Faisal", "Faysal"),
        ("Zainab", "Zeinab"),
        ("Mahmood", "Mahmoud"),
        ("Tariq", "Tareq"),
        ("José", "Jose"),
        ("Mohammed bin Ali", "Mohammed Ali"),
    ],
)
def test_latin_variants_normalize_equal(left: str, right: str) -> None:
    assert normalize_latin(left) == normalize_latin(right)


@pytest.mark.parametrize(
    ("left", "right"), [("Mohammed", "Muhammad"), ("Ahmed", "Ahmad"), ("Mohamad", "Mohammed")]
)
def test_latin_vowel_variants_stay_close(left: str, right: str) -> None:
    assert fuzz.ratio(normalize_latin(left) or "", normalize_latin(right) or "") >= 80


def test_latin_distinct_names_stay_distinct() -> None:
    assert normalize_latin("Hasan") != normalize_latin("Hussain")
    assert latin_skeleton("muhamid") == latin_skeleton("muhamad")


def test_series_forms_keep_the_display_value_untouched() -> None:
    frame = pd.DataFrame(
        {
            "name_ar": pd.Series(["مُحمّد عـلي", None, "مُحمّد عـلي"], dtype=object),
            "name_en": pd.Series(["Mohammed Al-Ansari", "Fatimah", None], dtype=object),
        }
    )
    before = frame.copy()
    arabic = normalize_arabic_series(frame["name_ar"])
    latin = normalize_latin_series(frame["name_en"])
    assert arabic.tolist() == ["محمد علي", None, "محمد علي"]
    assert latin.tolist() == ["muhamid ansari", "fatima", None]
    assert arabic.dtype == object and latin.dtype == object
    pd.testing.assert_frame_equal(frame, before)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Al Zayani Trading Co. W.L.L.", "Alzayani Trading Company WLL"),
        ("Gulf Air B.S.C. (c)", "GULF AIR BSC"),
        ("Y.K. Almoayyed & Sons", "Y K Almoayyed and Sons B.S.C."),
        ("شركة الزياني للتجارة ذ.م.م", "مؤسسة الزياني للتجارة"),
        ("شركة الزياني للتجارة ش.م.ب (مقفلة)", "الزياني للتجارة"),
    ],
)
def test_company_legal_forms_are_dropped(left: str, right: str) -> None:
    assert normalize_company(left) == normalize_company(right)


def test_company_names_keep_digits_and_distinct_words() -> None:
    assert normalize_company("3M Gulf Ltd") == "3m gulf"
    assert normalize_company("Gulf Trading") != normalize_company("Gulf Contracting")
    assert normalize_company("W.L.L.") is None
