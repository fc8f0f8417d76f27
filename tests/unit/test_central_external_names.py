"""External ids' names: kept as they are when already safe, made safe and told apart by a short
hash of the original otherwise."""

from __future__ import annotations

import pytest

from consolidation.load.targets import external_name


@pytest.mark.parametrize(
    ("parts", "name"),
    [
        (("employment", "moh_hr", "004512"), "employment_moh_hr_004512"),
        (("account", 5101), "account_5101"),
        (("line", "mof_gl", "JE-2025-000123-1"), "line_mof_gl_je_2025_000123_1_6752d9"),
        (("org_unit", "moe_hr", "وزارة"), "org_unit_moe_hr_25ccac"),
        (("a_", "b"), "a__b"),  # underscores are safe, doubled too
        (("_x",), "x_9a532f"),  # an underscore at either end is not
    ],
)
def test_a_name_is_safe_and_stable(parts: tuple[object, ...], name: str) -> None:
    assert external_name(*parts) == name


def test_keys_that_differ_only_in_what_is_replaced_get_different_names() -> None:
    names = {external_name("entry", key) for key in ("JE-1", "je-1", "JE_1", "je_1", "JE 1")}
    assert len(names) == 5
    assert "entry_je_1" in names  # the one already safe keeps its plain name
