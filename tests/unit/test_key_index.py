"""KeyIndex: the compact set of journal entry numbers (and their periods) a batch checks lines
against."""

from __future__ import annotations

import pandas as pd

from validation import KeyIndex
from validation.rules import among


def test_keys_are_found_and_missing_values_are_not() -> None:
    index = KeyIndex()
    index.add(pd.Series(["JE1", None, "JE2"], dtype=object))
    index.add(pd.Series(["JE3"], dtype=object))
    found = index.contains(pd.Series(["JE2", "JE4", None, "JE3", "JE1"], dtype=object))
    assert found.tolist() == [True, False, False, True, True]
    assert len(index) == 3


def test_each_key_keeps_the_last_label_it_was_given() -> None:
    index = KeyIndex()
    index.add(pd.Series(["JE1", "JE2"], dtype=object), pd.Series(["2026-01", None], dtype=object))
    index.add(pd.Series(["JE1"], dtype=object), pd.Series(["2026-03"], dtype=object))
    labels = index.labels(pd.Series(["JE1", "JE2", "JE9", None], dtype=object))
    assert labels.tolist() == ["2026-03", None, None, None]


def test_among_reads_a_key_index_like_a_set() -> None:
    values = pd.Series(["A", "B", None, "Z"], dtype="str")
    assert among(values, KeyIndex.of(["A", "Z"])).tolist() == among(values, {"A", "Z"}).tolist()
    assert not KeyIndex().contains(values).any()


def test_a_million_keys_are_all_found_and_none_invented() -> None:
    keys = pd.Series([f"JE{n:08d}" for n in range(1_000_000)], dtype=object)
    index = KeyIndex()
    for start in range(0, len(keys), 100_000):
        index.add(keys[start : start + 100_000])
    assert index.contains(keys).all()
    strangers = pd.Series([f"JE{n:08d}" for n in range(1_000_000, 1_200_000)], dtype=object)
    assert not index.contains(strangers).any()
