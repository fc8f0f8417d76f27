"""KeyIndex (the compact set of journal entry numbers and their periods a batch checks lines
against), and the hashes and spill the checks across chunks keep."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from consolidation.core.spill import TextSpill
from validation import KeyIndex
from validation.columns import among
from validation.context import repeated_among


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


def test_repeated_among_marks_every_occurrence_of_a_hash_seen_more_than_once() -> None:
    def repeated(hashes: np.ndarray) -> list[int]:
        return repeated_among([hashes], [np.ones(len(hashes), dtype=bool)])[0].tolist()

    assert repeated(np.array([5, 1, 9, 5, 3, 9, 9, 7], dtype=np.uint64)) == [0, 2, 3, 5, 6]
    assert repeated(np.array([], dtype=np.uint64)) == []
    assert repeated(np.array([4], dtype=np.uint64)) == []
    assert repeated(np.arange(1000, dtype=np.uint64)) == []


def test_repeated_among_counts_positions_over_chunks_and_skips_excluded_rows() -> None:
    parts = [np.array([1, 2, 3], dtype=np.uint64), np.array([2, 4, 1, 4], dtype=np.uint64)]
    included = [np.array([True, True, True]), np.array([True, False, True, True])]
    positions, hashes = repeated_among(parts, included)
    # 1 and 2 repeat across the chunks; 4 repeats only with an excluded row, so it does not
    assert positions.tolist() == [0, 1, 3, 5]
    assert hashes.tolist() == [1, 2, 2, 1]
    empty, none = repeated_among([], [])
    assert empty.tolist() == [] and none.tolist() == []


def test_a_spill_reads_back_rows_from_each_batch_by_position(tmp_path: Path) -> None:
    spill = TextSpill(["source", "key"], tmp_path)
    for start in (0, 3, 5):
        keys = [f"K{i}" for i in range(start, start + 3 - (start == 3))]
        spill.append([pa.array([f"S{i}" for i in range(start, start + len(keys))]), pa.array(keys)])
    taken = spill.take(np.array([1, 2, 5, 7], dtype=np.int64))
    assert taken.column("source").to_pylist() == ["S1", "S2", "S5", "S7"]
    assert taken.column("key").to_pylist() == ["K1", "K2", "K5", "K7"]
    assert not list(tmp_path.iterdir())  # unlinked once mapped
    assert spill.take(np.array([], dtype=np.int64)).num_rows == 0
