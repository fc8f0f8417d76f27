from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from consolidation.matching import MatchingError, VendorMatchConfig, match_vendors

IBAN_A = "BH67BMAG00001299123456"
IBAN_B = "BH28NBOB00000123456789"


def vendors(*rows: dict[str, Any]) -> pd.DataFrame:
    columns = ("record_id", "source", "cr_number", "vat_number", "iban", "name_ar", "name_en")
    return pd.DataFrame({c: pd.Series([row.get(c) for row in rows], dtype=object) for c in columns})


def key_of(result: Any, record_id: str) -> str:
    return str(result.clusters.set_index("record_id")["vendor_key"][record_id])


def same_cluster(result: Any, *record_ids: str) -> bool:
    return len({key_of(result, r) for r in record_ids}) == 1


def test_the_same_cr_number_links_head_office_written_two_ways() -> None:
    result = match_vendors(
        vendors(
            {
                "record_id": "mof|V1",
                "source": "mof_gl",
                "cr_number": "12345-1",
                "name_en": "Al Zayani Trading Co. W.L.L.",
            },
            {
                "record_id": "moh|77",
                "source": "moh_fin",
                "cr_number": "١٢٣٤٥",
                "name_en": "Zayani Trading",
            },
        )
    )
    assert same_cluster(result, "mof|V1", "moh|77")
    assert key_of(result, "mof|V1") == "CR12345"
    assert result.pairs["method"].tolist() == ["cr"]


def test_the_same_vat_number_links_and_names_the_vendor() -> None:
    result = match_vendors(
        vendors(
            {
                "record_id": "a",
                "source": "mof_gl",
                "vat_number": "200000123456789",
                "name_en": "Gulf Office Supplies",
            },
            {
                "record_id": "b",
                "source": "moh_fin",
                "vat_number": "200 000 123 456 789",
                "name_ar": "الخليج للقرطاسية",
            },
        )
    )
    assert same_cluster(result, "a", "b")
    assert key_of(result, "a") == "VAT200000123456789"
    assert result.pairs["method"].tolist() == ["vat"]


def test_the_same_iban_links_when_the_names_agree() -> None:
    result = match_vendors(
        vendors(
            {"record_id": "a", "source": "mof_gl", "iban": IBAN_A, "name_en": "Kanoo Travel"},
            {
                "record_id": "b",
                "source": "moh_fin",
                "iban": "bh67 bmag 0000 1299 1234 56",
                "name_en": "Kanoo Travel W.L.L.",
            },
        )
    )
    assert same_cluster(result, "a", "b")
    assert result.pairs["method"].tolist() == ["iban"]


def test_an_iban_shared_by_different_names_is_a_conflict() -> None:
    result = match_vendors(
        vendors(
            {"record_id": "a", "source": "mof_gl", "iban": IBAN_A, "name_en": "Kanoo Travel"},
            {
                "record_id": "b",
                "source": "moh_fin",
                "iban": IBAN_A,
                "name_en": "Bahrain Medical Devices",
            },
        )
    )
    assert not same_cluster(result, "a", "b")
    assert result.conflicts["kind"].tolist() == ["iban_shared_names_differ"]


def test_an_invalid_iban_links_nothing() -> None:
    broken = IBAN_A[:2] + "11" + IBAN_A[4:]
    result = match_vendors(
        vendors(
            {"record_id": "a", "source": "mof_gl", "iban": broken, "name_en": "Alpha"},
            {"record_id": "b", "source": "moh_fin", "iban": broken, "name_en": "Omega"},
        )
    )
    assert not same_cluster(result, "a", "b")


def test_a_shared_identifier_with_different_vat_numbers_is_a_conflict() -> None:
    result = match_vendors(
        vendors(
            {
                "record_id": "a",
                "source": "mof_gl",
                "cr_number": "5555-1",
                "vat_number": "200000000000011",
                "name_en": "Fakhro Motors",
            },
            {
                "record_id": "b",
                "source": "moh_fin",
                "cr_number": "5555-1",
                "vat_number": "200000000099999",
                "name_en": "Fakhro Motors",
            },
        )
    )
    assert not same_cluster(result, "a", "b")
    assert result.conflicts["kind"].tolist() == ["cr_shared_vat_differs"]
    assert result.conflicts["record_ids"].tolist() == [("a", "b")]


def test_a_name_only_match_goes_to_review() -> None:
    result = match_vendors(
        vendors(
            {"record_id": "a", "source": "mof_gl", "name_en": "Al Zayani Trading Co. W.L.L."},
            {"record_id": "b", "source": "moh_fin", "name_en": "Alzayani Trading Company"},
            {"record_id": "c", "source": "moe_fin", "name_ar": "شركة الزياني للتجارة ذ.م.م"},
            {"record_id": "d", "source": "mof_gl", "name_ar": "مؤسسة الزياني للتجارة"},
        )
    )
    assert result.clusters["vendor_key"].nunique() == 4
    pairs = set(zip(result.review["record_a"], result.review["record_b"], strict=True))
    assert pairs == {("a", "b"), ("c", "d")}
    assert "no identifier in common" in result.review["reasons"].iloc[0]


def test_a_very_close_name_with_a_supporting_identifier_merges() -> None:
    result = match_vendors(
        vendors(
            {
                "record_id": "a",
                "source": "mof_gl",
                "cr_number": "12345-1",
                "name_en": "Almoayyed Computers W.L.L.",
            },
            {
                "record_id": "b",
                "source": "moh_fin",
                "cr_number": "12345-3",
                "name_en": "Al Moayyed Computers",
            },
        )
    )
    assert same_cluster(result, "a", "b")
    assert result.pairs["method"].tolist() == ["name"]


def test_a_close_name_with_a_different_vat_number_is_another_company() -> None:
    result = match_vendors(
        vendors(
            {
                "record_id": "a",
                "source": "mof_gl",
                "vat_number": "200000000000011",
                "name_en": "Zayani Trading",
            },
            {
                "record_id": "b",
                "source": "moh_fin",
                "vat_number": "299999999999911",
                "name_en": "Zayani Trading",
            },
        )
    )
    assert not same_cluster(result, "a", "b")
    assert result.review.empty


def test_a_cluster_never_holds_two_vat_numbers() -> None:
    # b shares an IBAN with a and a CR with c, but a and c have different VAT numbers.
    result = match_vendors(
        vendors(
            {
                "record_id": "a",
                "source": "mof_gl",
                "iban": IBAN_B,
                "vat_number": "200000000000011",
                "name_en": "Jawad Business Group",
            },
            {
                "record_id": "b",
                "source": "moh_fin",
                "iban": IBAN_B,
                "cr_number": "777-1",
                "name_en": "Jawad Business",
            },
            {
                "record_id": "c",
                "source": "moe_fin",
                "cr_number": "777-1",
                "vat_number": "200000000000099",
                "name_en": "Jawad Business",
            },
        )
    )
    assert not same_cluster(result, "a", "c")
    assert len(result.review) >= 1


def test_thresholds_are_configuration() -> None:
    rows = vendors(
        {"record_id": "a", "source": "mof_gl", "name_en": "Bahrain Flour Mills"},
        {"record_id": "b", "source": "moh_fin", "name_en": "Bahrain Flour Mill"},
    )
    assert len(match_vendors(rows).review) == 1
    assert match_vendors(rows, VendorMatchConfig(name_review=99.5, name_merge=99.5)).review.empty


def test_vendor_records_need_a_record_id_and_a_name() -> None:
    with pytest.raises(MatchingError, match="name_en"):
        match_vendors(vendors({"record_id": "a", "source": "x"}).drop(columns=["name_en"]))


def test_another_branch_of_the_same_cr_with_another_name_goes_to_review() -> None:
    result = match_vendors(
        vendors(
            {"record_id": "a", "source": "mof_gl", "cr_number": "4321-1", "name_en": "Seef Mall"},
            {
                "record_id": "b",
                "source": "moh_fin",
                "cr_number": "4321-2",
                "name_en": "Seef Properties Cinema",
            },
        )
    )
    assert not same_cluster(result, "a", "b")
    assert "CR number same, branch differs" in result.review["reasons"].iloc[0]
