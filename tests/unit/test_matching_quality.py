from __future__ import annotations

import random
from datetime import date, timedelta

import pandas as pd
import pytest

from consolidation.matching import MatchingError, match_persons, pairwise_quality


def test_pairwise_counts() -> None:
    predicted = pd.DataFrame({"record_id": list("abcde"), "person_key": list("PPPQR")})
    truth = pd.DataFrame({"record_id": list("abcde"), "person": list("11234")})
    # Predicted pairs ab ac bc (3); true pairs ab (1).
    quality = pairwise_quality(predicted, truth)
    assert quality == (1 / 3, 1.0, 1, 2, 0)
    assert (quality.precision, quality.recall) == (1 / 3, 1.0)


def test_missed_pairs_count_against_recall() -> None:
    predicted = pd.Series({"a": 1, "b": 2, "c": 3, "d": 3})
    truth = {"a": "x", "b": "x", "c": "x", "d": "x"}  # six true pairs, one found
    quality = pairwise_quality(predicted, truth)
    assert (quality.tp, quality.fp, quality.fn) == (1, 0, 5)
    assert quality.precision == 1.0
    assert quality.recall == pytest.approx(1 / 6)


def test_no_pairs_at_all_is_perfect() -> None:
    singletons = {"a": 1, "b": 2}
    assert pairwise_quality(singletons, singletons) == (1.0, 1.0, 0, 0, 0)


def test_only_records_in_both_clusterings_count() -> None:
    predicted = {"a": 1, "b": 1, "z": 1}
    truth = {"a": 7, "b": 7}
    assert pairwise_quality(predicted, truth) == (1.0, 1.0, 1, 0, 0)


def test_a_malformed_clustering_is_an_error() -> None:
    with pytest.raises(MatchingError, match="two columns"):
        pairwise_quality(pd.DataFrame({"id": [1], "key": [1]}), {"a": 1})


# A small synthetic population: bilingual names in their usual variant spellings, persons in
# two or three ministries, missing and mismatched CPRs, mojibake, typos, omitted grandfathers.
FIRST = [
    ("محمد|مُحمّد", "Mohammed|Mohamed|Muhammad"),
    ("أحمد|احمد", "Ahmed|Ahmad"),
    ("علي|على", "Ali"),
    ("حسين", "Hussain|Hussein"),
    ("حسن", "Hasan|Hassan"),
    ("عبدالله|عبد الله", "Abdulla|Abdullah"),
    ("يوسف", "Yousif|Yusuf"),
    ("خالد", "Khalid|Khaled"),
    ("فاطمة|فاطمه", "Fatima|Fatema"),
    ("مريم", "Maryam|Mariam"),
    ("زينب", "Zainab|Zeinab"),
    ("عائشة|عايشة", "Aysha|Aisha"),
    ("نورة|نوره", "Noora|Noura"),
    ("ليلى|ليلي", "Layla|Laila"),
    ("إبراهيم|ابراهيم", "Ebrahim|Ibrahim"),
    ("عيسى|عيسي", "Isa|Eisa"),
]
FAMILY = [
    ("الأنصاري|الانصاري", "Al Ansari|Al-Ansari|Alansari"),
    ("الدوسري", "Al Dosari|Aldoseri"),
    ("الكوهجي", "Al Kooheji|Kooheji"),
    ("المناعي", "Al Mannai|Almannai"),
    ("جناحي", "Janahi"),
    ("العلوي", "Al Alawi|Alawi"),
    ("الحداد", "Al Haddad|Alhaddad"),
    ("فخرو", "Fakhro"),
    ("الزياني", "Al Zayani|Alzayani"),
    ("المحمود", "Al Mahmood|Almahmood"),
]
MALE_FIRST = [
    f
    for f in FIRST
    if f[1].split("|")[0] not in {"Fatima", "Maryam", "Zainab", "Aysha", "Noora", "Layla"}
]


def _pick(rng: random.Random, forms: str) -> str:
    options = forms.split("|")
    return options[0] if rng.random() < 0.5 else rng.choice(options)


def synthetic_persons(n_persons: int, seed: int) -> tuple[pd.DataFrame, pd.Series]:
    rng = random.Random(seed)
    taken: set[str] = set()
    rows: list[dict[str, object]] = []
    for person in range(n_persons):
        parts = [rng.choice(FIRST), rng.choice(MALE_FIRST), rng.choice(MALE_FIRST)]
        parts.append(rng.choice(FAMILY))
        birth = date(1965, 1, 1) + timedelta(days=rng.randrange(14_000))
        while (cpr := f"{birth:%y%m}{rng.randrange(100_000):05d}") in taken:
            pass
        taken.add(cpr)
        copies = rng.choices([1, 2, 3], [0.8, 0.17, 0.03])[0]
        for copy in range(copies):
            ar = [_pick(rng, p[0]) for p in parts]
            en = [_pick(rng, p[1]) for p in parts]
            if rng.random() < 0.2:
                ar = [ar[0], ar[1], ar[3]]
            if rng.random() < 0.6:
                en = [en[0], en[1], en[3]]
            name_ar = " ".join(ar)
            national_id: str | None = cpr
            roll = rng.random()
            if copy and roll < 0.05:
                national_id = None
            elif copy and roll < 0.10:
                national_id = f"{(birth.year + 1) % 100:02d}{birth:%m}{rng.randrange(100_000):05d}"
            elif roll < 0.15:
                name_ar = name_ar.encode("utf-8").decode("cp1256")
            elif roll < 0.20:
                i = rng.randrange(1, len(name_ar) - 1)
                name_ar = name_ar[:i] + name_ar[i + 1 :]
            source = ("moh_hr", "moe_hr", "mys_hr")[(person + copy) % 3]
            rows.append(
                {
                    "record_id": f"{source}|{len(rows):05d}",
                    "source": source,
                    "national_id": national_id,
                    "name_ar": name_ar,
                    "name_en": " ".join(en),
                    "birth_date": birth,
                    "gender": None,
                    "person": person,
                }
            )
    frame = pd.DataFrame(rows)
    for column in ("record_id", "source", "national_id", "name_ar", "name_en", "gender"):
        frame[column] = frame[column].astype(object)
    frame["birth_date"] = pd.to_datetime(frame["birth_date"]).astype("datetime64[ns]")
    truth = frame.set_index("record_id")["person"]
    return frame.drop(columns="person"), truth


def test_precision_and_recall_meet_the_targets_on_a_synthetic_population() -> None:
    records, truth = synthetic_persons(2_500, seed=11)
    assert len(records) > 3_000
    result = match_persons(records)
    quality = pairwise_quality(result.clusters, truth)
    assert quality.tp + quality.fn > 500  # enough true pairs to mean something
    assert quality.precision >= 0.99, quality
    assert quality.recall >= 0.95, quality
