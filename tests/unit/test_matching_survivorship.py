from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from consolidation.matching import MatchingError, build_golden, stable_key, unmerge

PRIORITY = {
    "name_ar": ["moh_hr", "moe_hr"],  # Health keeps the civil-registry spelling
    "iban": ["mof_hr", "moe_hr", "moh_hr"],  # payroll knows the salary account best
}
DEFAULT = ["moe_hr", "moh_hr", "mof_hr"]


def records() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "record_id": ["moh_hr|1", "moe_hr|2", "moe_hr|3", "mof_hr|4", "moe_hr|5"],
            "source": ["moh_hr", "moe_hr", "moe_hr", "mof_hr", "moe_hr"],
            "name_ar": ["محمد علي", "مُحمّد على", None, "محمد", "زينب"],
            "iban": [None, "BH-MOE-OLD", "BH-MOE-NEW", "  ", "BH-Z"],
            "email": ["m@health.gov.bh", None, "m@moe.gov.bh", None, None],
            "birth_date": ["1985-04-12", "1985-04-12", None, "1985-04-12", "1990-01-01"],
            "base_salary": [Decimal("850.500"), None, Decimal("900.000"), None, Decimal("700")],
            "recency": ["2025-03-01", "2024-01-01", "2025-06-30", None, "2023-01-01"],
        }
    )
    for column in ("record_id", "source", "name_ar", "iban", "email", "base_salary"):
        frame[column] = frame[column].astype(object)
    frame["birth_date"] = pd.to_datetime(frame["birth_date"]).astype("datetime64[ns]")
    frame["recency"] = pd.to_datetime(frame["recency"]).astype("datetime64[ns]")
    return frame


def clusters() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "record_id": ["moh_hr|1", "moe_hr|2", "moe_hr|3", "mof_hr|4", "moe_hr|5"],
            "person_key": ["850412345"] * 4 + ["X1"],
        }
    ).astype(object)


def test_each_field_comes_from_its_first_source_by_priority() -> None:
    golden, _ = build_golden(records(), clusters(), priority=PRIORITY, default_priority=DEFAULT)
    person = golden.set_index("person_key").loc["850412345"]
    assert person["name_ar"] == "محمد علي"  # moh_hr first for the Arabic name
    # mof_hr is first for the IBAN but holds only blanks: the newest moe_hr record wins.
    assert person["iban"] == "BH-MOE-NEW"
    # Default order: moe_hr first; its newest record has an e-mail.
    assert person["email"] == "m@moe.gov.bh"
    assert person["base_salary"] == Decimal("900.000")
    assert person["record_count"] == 4
    assert golden["person_key"].tolist() == ["850412345", "X1"]


def test_ties_within_a_source_go_to_the_newest_record() -> None:
    frame = records()
    frame.loc[frame["record_id"] == "moe_hr|3", "name_ar"] = "محمد علي حسن"
    golden, _ = build_golden(
        frame, clusters(), priority={"name_ar": ["moe_hr"]}, default_priority=DEFAULT
    )
    assert golden.set_index("person_key").loc["850412345", "name_ar"] == "محمد علي حسن"
    frame["recency"] = pd.NaT  # without recency the smallest record id decides
    golden, _ = build_golden(
        frame, clusters(), priority={"name_ar": ["moe_hr"]}, default_priority=DEFAULT
    )
    assert golden.set_index("person_key").loc["850412345", "name_ar"] == "مُحمّد على"


def test_dtypes_survive() -> None:
    golden, _ = build_golden(records(), clusters(), priority=PRIORITY, default_priority=DEFAULT)
    assert golden["birth_date"].dtype == "datetime64[ns]"
    assert golden["base_salary"].dtype == object
    assert isinstance(golden["base_salary"].iloc[0], Decimal)
    assert golden["name_ar"].dtype == object


def test_links_keep_every_record_and_the_fields_it_supplied() -> None:
    _, links = build_golden(records(), clusters(), priority=PRIORITY, default_priority=DEFAULT)
    assert sorted(links["record_id"]) == sorted(records()["record_id"])
    won = links.set_index("record_id")["won"]
    assert won["moh_hr|1"] == ("name_ar",)
    assert won["moe_hr|3"] == ("iban", "email", "base_salary")
    assert won["moe_hr|2"] == ("birth_date",)
    assert won["mof_hr|4"] == ()
    assert set(links.columns) == {"record_id", "person_key", "source", "recency", "won"}


def test_fields_can_be_chosen() -> None:
    golden, _ = build_golden(
        records(), clusters(), priority=PRIORITY, default_priority=DEFAULT, fields=["email"]
    )
    assert list(golden.columns) == ["person_key", "email", "record_count"]
    with pytest.raises(MatchingError, match="not in the records: phone"):
        build_golden(records(), clusters(), priority={}, default_priority=[], fields=["phone"])


def test_every_record_needs_a_cluster() -> None:
    with pytest.raises(MatchingError, match="in no cluster"):
        build_golden(records(), clusters().iloc[:3], priority={}, default_priority=DEFAULT)


def test_unmerge_splits_one_record_out() -> None:
    split = unmerge(clusters(), "moe_hr|2")
    keys = split.set_index("record_id")["person_key"]
    assert keys["moe_hr|2"] == stable_key("moe_hr|2")
    assert {keys["moh_hr|1"], keys["moe_hr|3"], keys["mof_hr|4"]} == {"850412345"}
    golden, links = build_golden(records(), split, priority=PRIORITY, default_priority=DEFAULT)
    assert len(golden) == 3
    assert len(links) == 5  # nothing lost
    assert unmerge(split, "moe_hr|2").equals(split)  # already alone: unchanged


def test_unmerge_of_the_record_a_key_was_made_from_rekeys_the_rest() -> None:
    frame = pd.DataFrame(
        {"record_id": ["a", "b", "c"], "person_key": [stable_key("a")] * 3}
    ).astype(object)
    split = unmerge(frame, "a").set_index("record_id")["person_key"]
    assert split["a"] == stable_key("a")
    assert split["b"] == split["c"] == stable_key("b")


def test_unmerge_of_an_unknown_record_is_an_error() -> None:
    with pytest.raises(MatchingError, match="no cluster"):
        unmerge(clusters(), "nope")


def test_vendor_clusters_get_vendor_keys() -> None:
    frame = pd.DataFrame(
        {"record_id": ["a", "b"], "vendor_key": ["VAT200000000000011"] * 2}
    ).astype(object)
    split = unmerge(frame, "b").set_index("record_id")["vendor_key"]
    assert split["b"] == stable_key("b", "V")
    assert split["a"] == "VAT200000000000011"
