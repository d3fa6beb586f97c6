"""Plan generation, the pure part: even spread, rotation, the 60-day rule, known staff, windows in local time."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from inspection.plans.generate import Person, Rule, Slot, digest, generate, windows

SHANGHAI = ZoneInfo("Asia/Shanghai")
SHOPS = frozenset({"mystery_shop"})


def _shoppers(count: int, branches=range(10), known=None) -> list[Person]:
    return [Person(i, SHOPS, frozenset(branches), frozenset((known or {}).get(i, ()))) for i in range(count)]


def _rule(months: int = 3, per_month: int = 2, **changes) -> Rule:
    values = dict(first_month=date(2027, 1, 1), months=months, slots=(Slot("ms", "mystery_shop", per_month),),
                  timezone="Asia/Shanghai")
    values.update(changes)
    return Rule(**values)


def test_each_month_is_cut_into_equal_parts_at_local_midnight():
    parts = windows(date(2027, 2, 1), date(2027, 3, 1), 2, None, 0, SHANGHAI)
    assert parts == [(datetime(2027, 2, 1, tzinfo=SHANGHAI), datetime(2027, 2, 15, tzinfo=SHANGHAI)),
                     (datetime(2027, 2, 15, tzinfo=SHANGHAI), datetime(2027, 3, 1, tzinfo=SHANGHAI))]
    # Midnight where the branches are is 16:00 UTC the day before.
    assert parts[0][0].astimezone(ZoneInfo("UTC")) == datetime(2027, 1, 31, 16, tzinfo=ZoneInfo("UTC"))


def test_short_windows_are_staggered_across_branches_within_their_part():
    starts = {windows(date(2027, 1, 1), date(2027, 2, 1), 1, 3, offset, SHANGHAI)[0][0].day for offset in range(31)}
    assert len(starts) == 29  # every day on which a 3-day window fits in January
    for offset in range(40):
        ((start, end),) = windows(date(2027, 1, 1), date(2027, 2, 1), 1, 3, offset, SHANGHAI)
        assert end - start == timedelta(days=3) and end <= datetime(2027, 2, 1, tzinfo=SHANGHAI)


def test_visits_are_spread_evenly_over_each_month():
    planned = generate(_rule(months=2, per_month=3), list(range(10)), _shoppers(12), SHOPS)
    assert len(planned) == 10 * 2 * 3
    per_branch_month = Counter((p.branch_id, p.window_start.month) for p in planned)
    assert set(per_branch_month.values()) == {3}
    for branch in range(10):
        january = sorted(p.window_start.day for p in planned if p.branch_id == branch and p.window_start.month == 1)
        assert january == [1, 11, 21]  # 31 days in three parts


def test_shoppers_are_rotated_and_share_the_work():
    planned = generate(_rule(), list(range(10)), _shoppers(12), SHOPS)
    load = Counter(p.assignee_id for p in planned)
    assert len(load) == 12 and max(load.values()) - min(load.values()) <= 1
    for branch in range(10):
        visitors = [p.assignee_id for p in planned if p.branch_id == branch]
        assert len(set(visitors)) == len(visitors)  # six visits, six different shoppers


def test_no_shopper_goes_to_the_same_branch_twice_within_60_days():
    planned = generate(_rule(months=6), list(range(4)), _shoppers(8, range(4)), SHOPS)
    assert all(p.assignee_id is not None for p in planned)
    seen: dict[tuple[int, int], list[datetime]] = {}
    for p in planned:
        seen.setdefault((p.assignee_id, p.branch_id), []).append(p.window_start)
    for times in seen.values():
        times.sort()
        assert all(later - earlier >= timedelta(days=60) for earlier, later in zip(times, times[1:], strict=False))


def test_earlier_visits_count_for_the_60_day_rule():
    history = [(0, 0, datetime(2026, 12, 20, tzinfo=SHANGHAI))]
    planned = generate(_rule(months=1, per_month=1), [0], _shoppers(2, [0]), SHOPS, history)
    assert [p.assignee_id for p in planned] == [1]
    alone = generate(_rule(months=1, per_month=1), [0], _shoppers(1, [0]), SHOPS, history)
    assert [p.assignee_id for p in alone] == [None]  # nobody may go: the visit is reported, not forced


def test_a_shopper_is_never_sent_where_they_are_known_staff():
    planned = generate(_rule(months=6, per_month=1), [0, 1], _shoppers(6, [0, 1], known={0: [0], 1: [0]}), SHOPS)
    assert not [p for p in planned if p.branch_id == 0 and p.assignee_id in (0, 1)]
    assert {p.assignee_id for p in planned if p.branch_id == 1} & {0, 1}


def test_people_only_get_kinds_and_branches_they_may_work_on():
    people = [Person(1, frozenset({"inspection"}), frozenset({0})), Person(2, SHOPS, frozenset({1}))]
    rule = _rule(months=1, per_month=1, slots=(Slot("ms", "mystery_shop", 1), Slot("in", "inspection", 1)))
    got = {(p.branch_id, p.kind): p.assignee_id for p in generate(rule, [0, 1], people, SHOPS)}
    assert got == {(0, "mystery_shop"): None, (0, "inspection"): 1, (1, "mystery_shop"): 2, (1, "inspection"): None}


def test_inspections_are_not_held_to_the_60_day_rule():
    people = [Person(1, frozenset({"inspection"}), frozenset({0}))]
    rule = _rule(months=2, per_month=2, slots=(Slot("in", "inspection", 2),))
    assert [p.assignee_id for p in generate(rule, [0], people, SHOPS)] == [1, 1, 1, 1]


def test_the_same_inputs_make_the_same_plan():
    first = generate(_rule(), list(range(10)), _shoppers(12), SHOPS)
    again = generate(_rule(), list(range(10)), _shoppers(12), SHOPS)
    assert digest(first) == digest(again)
    assert digest(first) != digest(generate(_rule(), list(range(10)), _shoppers(13), SHOPS))
