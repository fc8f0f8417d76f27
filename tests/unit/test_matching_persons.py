from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from consolidation.matching import (
    MatchConfig,
    MatchingError,
    match_persons,
    stable_key,
    valid_national_ids,
)


def persons(*rows: dict[str, Any]) -> pd.DataFrame:
    """Person records as mapping produces them: text as object, dates as datetime64[ns]."""
    defaults = {
        "source": "moh_hr",
        "ministry": "moh",
        "national_id": None,
        "name_ar": None,
        "name_en": None,
        "birth_date": None,
        "gender": None,
        "recency": "2025-01-01",
    }
    frame = pd.DataFrame([{**defaults, **row} for row in rows])
    for column in (
        "record_id",
        "source",
        "ministry",
        "national_id",
        "name_ar",
        "name_en",
        "gender",
    ):
        frame[column] = pd.Series([None if pd.isna(v) else v for v in frame[column]], dtype=object)
    for column in ("birth_date", "recency"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    return frame


def key_of(result: Any, record_id: str) -> str:
    clusters = result.clusters.set_index("record_id")["person_key"]
    return str(clusters[record_id])


def same_cluster(result: Any, *record_ids: str) -> bool:
    return len({key_of(result, r) for r in record_ids}) == 1


MOH = {"source": "moh_hr", "ministry": "moh"}
MOE = {"source": "moe_hr", "ministry": "moe"}


def test_records_sharing_a_national_id_are_one_person() -> None:
    result = match_persons(
        persons(
            {
                **MOH,
                "record_id": "moh_hr|1",
                "national_id": "850412345",
                "name_ar": "مُحمّد علي حسن الأنصاري",
                "name_en": "Mohammed Ali Al-Ansari",
                "birth_date": "1985-04-12",
                "gender": "M",
            },
            {
                **MOE,
                "record_id": "moe_hr|7",
                "national_id": "850412345",
                "name_ar": "محمد على حسن الانصاري",
                "name_en": "Muhammad Ali Hasan Alansari",
                "birth_date": "1985-04-12",
                "gender": "male",
            },
            {
                **MOE,
                "record_id": "moe_hr|8",
                "national_id": "901187654",
                "name_ar": "فاطمة جاسم الدوسري",
                "name_en": "Fatima Jassim Al Dosari",
                "birth_date": "1990-11-03",
                "gender": "F",
            },
        )
    )
    assert same_cluster(result, "moh_hr|1", "moe_hr|7")
    assert key_of(result, "moh_hr|1") == "850412345"
    assert key_of(result, "moe_hr|8") == "901187654"
    assert result.pairs[["record_a", "record_b", "method"]].values.tolist() == [
        ["moh_hr|1", "moe_hr|7", "national_id"]
    ]
    assert result.review.empty and result.conflicts.empty
    assert result.clusters["record_id"].tolist() == ["moh_hr|1", "moe_hr|7", "moe_hr|8"]


def test_a_record_without_national_id_matches_on_names_and_birth_date() -> None:
    result = match_persons(
        persons(
            {
                **MOH,
                "record_id": "moh_hr|1",
                "national_id": "850412345",
                "name_ar": "أحمد يوسف عبدالله الحداد",
                "name_en": "Ahmed Yousif Abdulla Al Haddad",
                "birth_date": "1985-04-12",
                "gender": "M",
            },
            {
                **MOE,
                "record_id": "moe_hr|2",
                "national_id": None,
                "name_ar": "احمد يوسف عبد الله الحداد",
                "name_en": "Ahmad Yousef Alhaddad",
                "birth_date": "1985-04-12",
                "gender": "M",
            },
        )
    )
    assert same_cluster(result, "moh_hr|1", "moe_hr|2")
    assert key_of(result, "moe_hr|2") == "850412345"
    assert result.pairs["method"].tolist() == ["fuzzy"]
    assert result.pairs["score"].iloc[0] >= MatchConfig().merge_threshold


def test_a_cpr_whose_birth_month_disagrees_does_not_stop_a_match() -> None:
    # 9107... does not start with the YYMM of 1985-04-12: the CPR is suspect, not trusted.
    result = match_persons(
        persons(
            {
                **MOH,
                "record_id": "moh_hr|1",
                "national_id": "850412345",
                "name_ar": "زينب حسين علي الموسوي",
                "name_en": "Zainab Hussain Al Mousawi",
                "birth_date": "1985-04-12",
                "gender": "F",
            },
            {
                **MOE,
                "record_id": "moe_hr|2",
                "national_id": "910700001",
                "name_ar": "زينب حسين علي الموسوي",
                "name_en": "Zeinab Hussein Ali Almosawi",
                "birth_date": "1985-04-12",
                "gender": "F",
            },
        )
    )
    assert same_cluster(result, "moh_hr|1", "moe_hr|2")
    assert key_of(result, "moe_hr|2") == "850412345"  # the trusted id names the person


def test_same_national_id_with_another_birth_date_is_a_conflict_not_a_merge() -> None:
    result = match_persons(
        persons(
            {
                **MOH,
                "record_id": "moh_hr|1",
                "national_id": "850412345",
                "name_ar": "علي حسن الجشي",
                "name_en": "Ali Hasan Al Jishi",
                "birth_date": "1985-04-12",
            },
            {
                **MOE,
                "record_id": "moe_hr|2",
                "national_id": "850412345",
                "name_ar": "علي حسن الجشي",
                "name_en": "Ali Hasan Aljishi",
                "birth_date": "1985-04-21",
            },
            # Agrees with both (no birth date): may join one of them, never bridge the two.
            {
                **MOE,
                "record_id": "moe_hr|3",
                "national_id": "850412345",
                "name_ar": "علي حسن الجشي",
                "name_en": "Ali Hasan Al Jishi",
                "birth_date": None,
            },
        )
    )
    assert not same_cluster(result, "moh_hr|1", "moe_hr|2")
    conflict = result.conflicts.iloc[0]
    assert len(result.conflicts) == 1
    assert conflict["kind"] == "birth_date_mismatch"
    assert conflict["national_id"] == "850412345"
    assert conflict["record_ids"] == ("moh_hr|1", "moe_hr|2")
    assert "1985-04-12" in conflict["message"] and "1985-04-21" in conflict["message"]
    # Two clusters carry the id, so neither is keyed by it.
    assert all(key.startswith("X") for key in result.clusters["person_key"])


def test_same_national_id_with_a_clearly_different_name_is_a_conflict() -> None:
    result = match_persons(
        persons(
            {
                **MOH,
                "record_id": "moh_hr|1",
                "national_id": "850412345",
                "name_ar": "علي حسن الجشي",
                "name_en": "Ali Hasan Al Jishi",
                "birth_date": "1985-04-12",
            },
            {
                **MOE,
                "record_id": "moe_hr|2",
                "national_id": "850412345",
                "name_ar": "مريم خالد فخرو",
                "name_en": "Maryam Khalid Fakhro",
                "birth_date": None,
            },
        )
    )
    assert not same_cluster(result, "moh_hr|1", "moe_hr|2")
    assert result.conflicts["kind"].tolist() == ["name_mismatch"]


def test_the_grey_zone_goes_to_review_with_reasons() -> None:
    # Same names, no national id on one side, no birth date on the other: not enough to merge.
    result = match_persons(
        persons(
            {
                **MOH,
                "record_id": "moh_hr|1",
                "national_id": "850412345",
                "name_ar": "نورة سلمان الزياني",
                "name_en": "Noora Salman Al Zayani",
                "birth_date": None,
            },
            {
                **MOE,
                "record_id": "moe_hr|2",
                "national_id": None,
                "name_ar": "نوره سلمان الزياني",
                "name_en": "Noura Salman Alzayani",
                "birth_date": "1985-04-12",
            },
        )
    )
    assert not same_cluster(result, "moh_hr|1", "moe_hr|2")
    assert len(result.review) == 1
    row = result.review.iloc[0]
    assert (row["record_a"], row["record_b"]) == ("moh_hr|1", "moe_hr|2")
    config = MatchConfig()
    assert config.review_threshold <= row["score"] < config.merge_threshold
    assert "birth date missing" in row["reasons"]


def test_twins_are_not_merged() -> None:
    result = match_persons(
        persons(
            {
                **MOH,
                "record_id": "moh_hr|1",
                "national_id": "990300011",
                "name_ar": "حسن علي جعفر العصفور",
                "name_en": "Hasan Ali Jaffar Al Asfoor",
                "birth_date": "1999-03-14",
                "gender": "M",
            },
            {
                **MOE,
                "record_id": "moe_hr|2",
                "national_id": None,
                "name_ar": "حسين علي جعفر العصفور",
                "name_en": "Hussain Ali Jaffar Al Asfoor",
                "birth_date": "1999-03-14",
                "gender": "M",
            },
        )
    )
    assert not same_cluster(result, "moh_hr|1", "moe_hr|2")
    assert "first names differ" in result.review["reasons"].iloc[0]


def test_two_trusted_national_ids_are_never_merged_by_names() -> None:
    row = {
        "name_ar": "سارة عيسى الحايكي",
        "name_en": "Sara Isa Al Hayki",
        "birth_date": "1985-04-12",
        "gender": "F",
    }
    result = match_persons(
        persons(
            {**MOH, **row, "record_id": "moh_hr|1", "national_id": "850412345"},
            {**MOE, **row, "record_id": "moe_hr|2", "national_id": "850499999"},
            {**MOE, **row, "record_id": "moe_hr|3", "national_id": None},
        )
    )
    assert not same_cluster(result, "moh_hr|1", "moe_hr|2")
    reasons = " ".join(result.review["reasons"])
    assert "different national ids" in reasons or "would join two national ids" in reasons


def test_cannot_link_pairs_stay_apart() -> None:
    rows = persons(
        {
            **MOH,
            "record_id": "moh_hr|1",
            "national_id": "850412345",
            "name_ar": "هدى راشد كانو",
            "name_en": "Huda Rashid Kanoo",
            "birth_date": "1985-04-12",
        },
        {
            **MOE,
            "record_id": "moe_hr|2",
            "national_id": "850412345",
            "name_ar": "هدى راشد كانو",
            "name_en": "Hoda Rashed Kanoo",
            "birth_date": "1985-04-12",
        },
    )
    assert same_cluster(match_persons(rows), "moh_hr|1", "moe_hr|2")
    apart = match_persons(rows, cannot_link=[("moe_hr|2", "moh_hr|1")])
    assert not same_cluster(apart, "moh_hr|1", "moe_hr|2")
    assert "would join records in conflict" in apart.review["reasons"].iloc[0]


def test_thresholds_are_configuration() -> None:
    rows = persons(
        {
            **MOH,
            "record_id": "moh_hr|1",
            "national_id": "850412345",
            "name_ar": "خالد عمر المدني",
            "name_en": "Khalid Omar Al Madani",
            "birth_date": "1985-04-12",
        },
        {
            **MOE,
            "record_id": "moe_hr|2",
            "national_id": None,
            "name_ar": "خالد عمر المدني",
            "name_en": "Khaled Umar Almadani",
            "birth_date": "1985-04-12",
        },
    )
    assert same_cluster(match_persons(rows), "moh_hr|1", "moe_hr|2")
    strict = match_persons(rows, MatchConfig(merge_threshold=100.5))
    assert not same_cluster(strict, "moh_hr|1", "moe_hr|2")
    assert len(strict.review) == 1
    deaf = match_persons(rows, MatchConfig(merge_threshold=100.5, review_threshold=100.5))
    assert deaf.review.empty


def test_a_placeholder_national_id_links_nobody() -> None:
    rows = [
        {
            **MOH,
            "record_id": f"moh_hr|{i}",
            "national_id": "123456789",
            "name_ar": name,
            "name_en": None,
            "birth_date": f"19{70 + i}-01-0{1 + i % 9}",
        }
        for i, name in enumerate(
            ["علي", "حسن", "مريم", "زينب", "سلمان", "جاسم", "عباس", "هند", "دانة", "هيا", "ليلى"]
        )
    ]
    result = match_persons(persons(*rows))
    assert result.clusters["person_key"].nunique() == len(rows)
    assert result.conflicts["kind"].tolist() == ["shared_national_id"]
    assert len(result.conflicts["record_ids"].iloc[0]) == len(rows)


def test_cluster_keys_without_national_id_are_stable_hashes() -> None:
    result = match_persons(
        persons(
            {
                **MOE,
                "record_id": "moe_hr|9",
                "name_ar": "عادل ناصر فخرو",
                "name_en": "Adel Nasser Fakhro",
                "birth_date": "1970-02-02",
                "gender": "M",
            },
            {
                **MOH,
                "record_id": "moh_hr|3",
                "name_ar": "عادل ناصر فخرو",
                "name_en": "Adil Naser Fakhro",
                "birth_date": "1970-02-02",
                "gender": "M",
            },
        )
    )
    assert same_cluster(result, "moe_hr|9", "moh_hr|3")
    assert key_of(result, "moh_hr|3") == stable_key("moe_hr|9")  # the smallest record id


def test_national_ids_are_cleaned() -> None:
    ids = pd.Series(["850412345", "٨٥٠٤١٢٣٤٥", "850-412-345", "85041234", "000000000", None])
    assert valid_national_ids(ids).tolist() == [
        "850412345",
        "850412345",
        "850412345",
        None,
        None,
        None,
    ]


def test_bad_input_is_a_clear_error() -> None:
    rows = persons({"record_id": "a", "name_ar": "علي"}, {"record_id": "a", "name_ar": "علي"})
    with pytest.raises(MatchingError, match="repeat record_id 'a'"):
        match_persons(rows)
    with pytest.raises(MatchingError, match="lack the column"):
        match_persons(rows.drop(columns=["birth_date"]))


def test_no_records_is_no_persons() -> None:
    result = match_persons(persons({"record_id": "x"}).iloc[:0])
    assert result.clusters.empty and result.pairs.empty and result.review.empty


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"review_threshold": 95.0}, "review_threshold"),
        ({"weight_birth": -1.0}, "weights"),
        ({"weight_arabic": 0.0, "weight_latin": 0.0}, "weights"),
        ({"max_block_size": 1}, "max_block_size must be at least 2"),
    ],
)
def test_a_wrong_config_is_a_clear_error(change: dict[str, float], message: str) -> None:
    with pytest.raises(MatchingError, match=message):
        MatchConfig(**change)  # type: ignore[arg-type]
