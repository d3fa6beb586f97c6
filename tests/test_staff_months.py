"""staff_months: counted staff results summed by UTC month, exact through release, amendment and races; the
leaderboard reads whole months from it and answers as summing every staff result did."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import flask_migrate
import pytest
from sqlalchemy import delete, func, select, text

from inspection import localtime
from inspection.appeals.decisions import ItemDecision, decide
from inspection.extensions import db
from inspection.org.models import Staff
from inspection.performance import services
from inspection.review.services import review
from inspection.visits import rollup
from inspection.visits.models import StaffMonth, StaffResult, Visit
from inspection.visits.services import submit_visit

from . import factories
from .test_appeals import appealed, people  # noqa: F401 - a fixture
from .test_races import race
from .test_report_sums import world  # noqa: F401 - a fixture


def summed_results() -> dict:
    """Return the months as summing every counted staff result in Python gives them."""
    months: dict = {}
    for result in db.session.scalars(select(StaffResult).where(StaffResult.counted)):
        key = (result.staff_id, result.branch_id, rollup.month_start(result.finished_at))
        e, p = result.earned, result.possible
        months[key] = [a + b for a, b in zip(months.get(key, [0] * 6), (1, e, p, e * e, e * p, p * p), strict=True)]
    return months


def kept_months() -> dict:
    return {(row.staff_id, row.branch_id, row.month): [getattr(row, name) for name in rollup.FIGURES]
            for row in db.session.scalars(select(StaffMonth))}


def same(found: dict, expected: dict) -> bool:
    """Say whether two mappings to figures hold the same keys and, within float noise, the same figures."""
    return found.keys() == expected.keys() and all(found[key] == pytest.approx(figures)
                                                   for key, figures in expected.items())


def assert_exact() -> None:
    assert same(kept_months(), summed_results())


def test_releases_and_amendments_keep_every_month_exact(people):  # noqa: F811
    moments = [datetime(2026, 8, 31, 23, 50, tzinfo=timezone.utc), datetime(2026, 9, 1, 0, 10, tzinfo=timezone.utc),
               datetime(2026, 9, 20, 8, tzinfo=timezone.utc), datetime(2025, 12, 31, 23, 59, tzinfo=timezone.utc)]
    visits = []
    for number, moment in enumerate(moments * 2):
        answers = {"clerk": f"E1-S{number % 2 + 1}", "clean": number % 3 > 0, "greet": (9, 3)[number % 2]}
        sub = factories.submission("E1", answers, started_at=moment - timedelta(minutes=9), finished_at=moment)
        visits.append(submit_visit(people["inspector"], factories.small_checklist(), sub)[0])
    db.session.commit()
    assert kept_months() == {}  # submitted is not counted
    for visit in visits[:6]:
        review(people["manager"], visit, "release")
    review(people["manager"], visits[6], "return", "请补充")
    db.session.commit()
    assert_exact()
    assert {key[2] for key in kept_months()} == {date(2026, 8, 1), date(2026, 9, 1), date(2025, 12, 1)}
    amended = visits[0]
    before = kept_months()
    decide(people["manager2"], appealed(people, amended, ["clean", "greet"]),
           {"clean": ItemDecision(True, "true"), "greet": ItemDecision(True, "3")}, "复核录像")
    db.session.commit()
    assert_exact()
    assert kept_months() != before
    # Another staff member named on appeal: the first one's month loses the visit, the second's gains it.
    moved = visits[2]
    decide(people["manager2"], appealed(people, moved, ["clerk"]), {"clerk": ItemDecision(True, "E1-S2")}, "看录像")
    db.session.commit()
    assert [result.staff.code for result in moved.staff_results] == ["E1-S2"]
    assert_exact()


def test_two_releases_at_once_of_one_staff_members_visits_both_count(app, people):  # noqa: F811
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time")
    ids = []
    for _ in range(2):
        visit, _ = submit_visit(people["inspector"], factories.small_checklist(), factories.submission("E1"))
        ids.append(str(visit.uuid))
    db.session.commit()
    responses = race(app, [people["manager"], people["manager2"]],
                     lambda client, index: client.post(f"/api/v1/visits/{ids[index]}/review",
                                                       json={"action": "release", "comment": ""}))
    assert [response.status_code for response in responses] == [200, 200]
    assert_exact()
    assert [row.visits for row in db.session.scalars(select(StaffMonth))] == [2]


def test_the_months_lock_waits_for_no_staff_result_being_written(app, org):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no row locks")
    member = org.branches["E1"].staff[0]
    db.session.commit()
    with db.engine.connect() as writer, db.engine.connect() as refresher:
        # What inserting a staff result takes on its staff row (the foreign key's check)...
        writer.execute(text("SELECT id FROM staff WHERE id = :id FOR KEY SHARE"), {"id": member.id})
        refresher.execute(text("SET lock_timeout = '2s'"))
        # ...does not hold up the months' refresh, nor would upgrading it deadlock against one.
        refresher.execute(rollup.staff_lock({member.id}))
        refresher.rollback()
        writer.rollback()


PERIODS = [(date(2026, 7, 15), date(2026, 10, 20)), (date(2026, 8, 1), date(2026, 9, 30)),
           (date(2026, 8, 3), date(2026, 8, 20)), (date(2026, 9, 1), date(2026, 9, 1)),
           (date(2025, 12, 15), date(2026, 2, 10)), (date(2020, 1, 1), date(2030, 12, 31))]


def _summed_every_result(low: datetime, high: datetime) -> dict:
    """Return the leaderboard's sums as it made them before staff_months: every counted result of the period."""
    earned, possible = StaffResult.earned, StaffResult.possible
    rows = db.session.execute(
        select(Staff.code, *rollup.sums(earned, possible)).join(Staff, Staff.id == StaffResult.staff_id)
        .where(StaffResult.counted, StaffResult.finished_at >= low, StaffResult.finished_at < high)
        .group_by(Staff.code))
    return {code: list(figures) for code, *figures in rows}


@pytest.mark.parametrize("period", PERIODS)
def test_the_leaderboard_adds_up_as_summing_every_result(world, users, period):  # noqa: F811
    start, end = period
    expected = _summed_every_result(*localtime.day_bounds(start, end))
    ranked, unranked = services.leaderboard(users["admin"], start, end)
    found = {row.key: [row.visits, row.tally.earned, row.tally.possible, row.tally.earned_squares,
                       row.tally.products, row.tally.possible_squares] for row in ranked + unranked}
    assert same(found, expected)
    assert all(type(row.visits) is int for row in ranked + unranked)


def test_a_rebuild_sums_every_month_as_the_app_kept_them(world):  # noqa: F811
    kept = kept_months()
    assert rollup.rebuild() == len(kept)
    assert same(kept_months(), kept)


def test_the_command_sums_the_months_again(world, runner):  # noqa: F811
    kept = kept_months()
    db.session.execute(delete(StaffMonth))
    db.session.commit()
    result = runner.invoke(args=["performance", "rebuild-months"])
    assert result.exit_code == 0 and result.output == f"{len(kept)} staff months summed again\n"
    db.session.expire_all()
    assert same(kept_months(), kept)


def test_the_migration_fills_the_months_the_app_keeps(app, world):  # noqa: F811
    kept = kept_months()
    assert kept and db.session.scalar(select(func.count()).select_from(Visit).where(Visit.status == "released"))
    db.session.commit()
    db.session.remove()
    directory = app.extensions["migrate"].directory
    flask_migrate.downgrade(directory=directory, revision="0018")
    flask_migrate.upgrade(directory=directory)
    assert same(kept_months(), kept)
