"""The loader's lanes: records that write one parent stay in one lane, in their own order, and
the lanes come out as even as the parents allow, so parallel workers have work."""

from __future__ import annotations

from consolidation.load.lanes import deal_lanes
from consolidation.load.targets import Record


def _record(number: int, group: str, *also: str) -> Record:
    return Record("thing", number, f"consolidation.thing_{number}", {}, group, also=also)


def _lane_of(lanes: list[list[Record]]) -> dict[int, int]:
    return {record.row_id: index for index, lane in enumerate(lanes) for record in lane}


def test_two_journals_get_a_lane_each() -> None:
    records = [_record(n, "journal_mof" if n % 10 else "journal_mys") for n in range(40)]
    lanes = deal_lanes(records, 2)
    assert sorted(len(lane) for lane in lanes) == [4, 36]
    for lane in lanes:
        assert len({record.group for record in lane}) == 1
        assert [r.row_id for r in lane] == sorted(r.row_id for r in lane)  # their own order


def test_records_that_share_a_parent_through_another_stay_together() -> None:
    # a person in two ministries ties the two ministries' jobs together
    records = [
        _record(1, "person_a", "job_x"),
        _record(2, "person_b", "job_y"),
        _record(3, "person_a", "job_y"),
        _record(4, "person_c", "job_z"),
        _record(5, "person_d", "job_z"),
    ]
    lane = _lane_of(deal_lanes(records, 3))
    assert lane[1] == lane[2] == lane[3]
    assert lane[4] == lane[5] != lane[1]


def test_the_largest_groups_are_spread_first() -> None:
    sizes = {"a": 5, "b": 3, "c": 2, "d": 2}
    records = [
        _record(index * 10 + n, group)
        for index, (group, size) in enumerate(sizes.items())
        for n in range(size)
    ]
    lanes = deal_lanes(records, 2)
    assert [len(lane) for lane in lanes] == [7, 5]
    assert [{r.group for r in lane} for lane in lanes] == [{"a", "d"}, {"b", "c"}]


def test_no_more_lanes_than_groups_and_one_lane_without_workers() -> None:
    records = [_record(n, "one_parent") for n in range(5)]
    assert [len(lane) for lane in deal_lanes(records, 4)] == [5]
    assert [len(lane) for lane in deal_lanes([_record(1, "a"), _record(2, "b")], 0)] == [2]
