"""The set-based reports answer as the row-by-row ones they replaced, on a small world on both backends.

Each `_before_*` below is the former code, kept here as the reference: the branch report loaded every visit of
the period, the overview's trend and the customers' SERVQUAL dimensions read row by row or JSON field by field,
the inbox counted its list apart, and a user's scope was two IN lists joined by OR.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import and_, exists, func, literal, or_, select, union_all
from sqlalchemy.orm import selectinload

from inspection import access, localtime
from inspection.appeals.models import Appeal
from inspection.appeals.reports import appealable_visits
from inspection.appeals.services import appeal_until
from inspection.auth.models import User, UserRegion, user_branches
from inspection.catalog.services import frozen_checklist
from inspection.checklists import DIMENSIONS, load_text
from inspection.db import utcnow
from inspection.extensions import db
from inspection.lifecycle import COUNTED_VISITS, VisitAction, VisitStatus
from inspection.org.models import Branch
from inspection.performance import services, servqual
from inspection.performance.branches import branch_report
from inspection.performance.reports import ItemFigure, Tally, month_of
from inspection.review.services import review
from inspection.statistics import mean_interval
from inspection.visits import inbox
from inspection.visits.models import StaffResult, Visit, VisitEvent
from inspection.visits.services import submit_visit

from . import customers, factories

START, END = date(2026, 7, 15), date(2026, 10, 20)
# 2026-08-31 16:30 UTC is already September in Shanghai: month_of and the SQL months must agree on it.
MOMENTS = [datetime(2026, 7, 16, 2, tzinfo=timezone.utc) + timedelta(days=3 * n, hours=n % 9) for n in range(30)]
MOMENTS += [datetime(2026, 8, 31, 16, 30, tzinfo=timezone.utc), datetime(2026, 7, 14, 16, 10, tzinfo=timezone.utc)]


@pytest.fixture
def world(app, org, users):
    """Visits of two versions of the small checklist at E1, E2 and W1, most released, a few not; customers."""
    app.config["CHECKLIST_DIR"] = str(factories.FIXTURES)
    app.config["MIN_STAFF_SAMPLE"] = 2
    second = load_text(factories.SMALL_CHECKLIST.replace("title: 小检查表", "title: 小检查表（新版）"))
    for number, moment in enumerate(MOMENTS):
        branch = ("E1", "E1", "E2", "W1")[number % 4]
        answers = {"clerk": f"{branch}-S{number % 3 % 2 + 1}", "clean": number % 3 > 0,
                   "greet": (2, 9, 4)[number % 5 % 3]}
        sub = factories.submission(branch=branch, answers=answers, started_at=moment - timedelta(minutes=9),
                                   finished_at=moment)
        visit, _ = submit_visit(users["admin"], (factories.small_checklist(), second)[number % 2], sub)
        if number % 7 != 3:
            review(users["admin"], visit, "release")
    for number, branch in enumerate(("E1", "E2", "E1")):
        badge = org.branches[branch].staff[0] if number else None
        link = customers.link(org.branches[branch], users["manager"], staff=badge)
        for day in range(6):
            at = datetime(2026, 8, 1, 3, tzinfo=timezone.utc) + timedelta(days=9 * day)
            customers.respond(link, customers.answers((7, 7 - day % 4), (6, 5 + day % 2), overall=day % 4 + 1), at)
    db.session.commit()


def _before_branch_report(branch: Branch, start: date, end: date) -> dict:
    low, high = localtime.day_bounds(start, end)
    visits = db.session.scalars(
        select(Visit).where(Visit.branch_id == branch.id, Visit.finished_at >= low, Visit.finished_at < high,
                            Visit.status.in_(COUNTED_VISITS))
        .options(selectinload(Visit.staff_results).selectinload(StaffResult.staff)).order_by(Visit.finished_at)).all()
    found = {"months": {}, "sections": {}, "staff": {}, "critical": {}, "items": {}, "count": len(visits)}
    for visit in visits:
        checklist = frozen_checklist(visit.checklist_version)
        if visit.score is not None:
            found["months"].setdefault(month_of(visit.finished_at), []).append(visit.score)
        titles = {section.id: section.title for section in checklist.sections}
        for row in visit.result["sections"]:
            if row["score"] is not None:
                found["sections"].setdefault((checklist.title, titles[row["id"]]), []).append(row["score"])
        for item_id, outcome in visit.result["items"].items():
            if outcome["status"] == "scored":
                figure = found["items"].setdefault((checklist.id, item_id),
                                                   ItemFigure(checklist.title, checklist.item(item_id).text))
                figure.tally.add(outcome["earned"], outcome["possible"])
        for item_id in visit.result["critical_failures"]:
            key = (checklist.title, checklist.item(item_id).text)
            found["critical"][key] = found["critical"].get(key, 0) + 1
        for result in visit.staff_results:
            found["staff"].setdefault(result.staff_id, Tally()).add(result.earned, result.possible)
    found["scores"] = [visit.score for visit in visits if visit.score is not None]
    found["earned"] = sum(row["earned"] for visit in visits for row in visit.result["sections"])
    return found


def _same_estimate(new, old) -> None:
    assert (new.count, new.mean, new.low, new.high) == (old.count, pytest.approx(old.mean),
                                                         pytest.approx(old.low), pytest.approx(old.high))


def _same_tally(new: Tally, old: Tally) -> None:
    assert [new.count, new.earned, new.possible, new.earned_squares, new.products, new.possible_squares] == [
        old.count, *map(pytest.approx, (old.earned, old.possible, old.earned_squares, old.products,
                                        old.possible_squares))]


@pytest.mark.parametrize("period", [(START, END), (date(2026, 9, 1), date(2026, 9, 1)), (date(2000, 1, 1), END)])
def test_the_branch_report_sums_what_the_visits_held(world, org, period):
    for branch in org.branches.values():
        report, before = branch_report(branch, *period, items=True), _before_branch_report(branch, *period)
        assert report.count == before["count"]
        _same_estimate(report.estimate, mean_interval(before["scores"]))
        assert list(report.months) == sorted(before["months"])
        for month, scores in before["months"].items():
            _same_estimate(report.months[month], mean_interval(scores))
        assert report.sections == before["sections"] and report.critical == before["critical"]
        assert report.earned == pytest.approx(before["earned"])
        assert {key: figure.text for key, figure in report.items.items()} == {
            key: figure.text for key, figure in before["items"].items()}
        for key, figure in before["items"].items():
            _same_tally(report.items[key].tally, figure.tally)
        assert set(report.staff) == set(before["staff"])
        for staff_id, tally in before["staff"].items():
            _same_tally(report.staff[staff_id][1], tally)
    assert any(branch_report(branch, START, END).critical for branch in org.branches.values())


def _before_overview(user, start, end, branch, region) -> tuple[dict, dict, dict]:
    low, high = localtime.day_bounds(start, end)
    counted = [Visit.status.in_(COUNTED_VISITS), Visit.finished_at >= low, Visit.finished_at < high,
               access.reports_filter(user)] + ([Branch.region == region] if region else [])
    rows = db.session.execute(select(Branch.code, Branch.region, Visit.finished_at, Visit.score,
                                     Visit.critical_failures).join(Branch, Visit.branch_id == Branch.id)
                              .where(*counted)).all()
    by_branch, by_region, months = {}, {}, {}
    for code, group, finished_at, score, critical in rows:
        for key, into in ((code, by_branch), (group, by_region)):
            into.setdefault(key, []).append((score, critical))
        if score is not None and (branch is None or code == branch.code):
            months.setdefault(month_of(finished_at), []).append(score)
    return by_branch, by_region, months


@pytest.mark.parametrize("who", ["admin", "manager"])
@pytest.mark.parametrize("region, branch", [(None, None), ("East", None), ("East", "E2")])
def test_the_overview_sums_as_the_rows_did(world, org, users, who, region, branch):
    chosen = org.branches[branch] if branch else None
    branches, regions, trend = services.overview(users[who], START, END, chosen, region)
    old_branches, old_regions, old_months = _before_overview(users[who], START, END, chosen, region)
    for rows, before in ((branches, old_branches), (regions, old_regions)):
        assert [row.key for row in rows] == sorted(before)
        for row in rows:
            scores = [score for score, _ in before[row.key] if score is not None]
            _same_estimate(row.mean, mean_interval(scores))
            assert row.visits == len(before[row.key])
            assert row.critical_rate == pytest.approx(sum(c > 0 for _, c in before[row.key]) / row.visits)
    assert [month for month, _ in trend] == sorted(old_months)
    for month, estimate in trend:
        _same_estimate(estimate, mean_interval(old_months[month]))
    assert services.monthly_scores(users[who], START, END, chosen, region) == trend


def _before_customer_dimensions(start, end, where, staff):
    table = servqual.responses()
    rows = servqual._customer_rows(start, end, where, staff)
    parts = []
    for name in DIMENSIONS:
        figures = [table.c.result[("dimensions", name, part)].as_float().label(label)
                   for part, label in (("expectation", "e"), ("perception", "p"), ("gap", "g"))]
        parts.append(rows.with_only_columns(literal(name).label("dimension"),
                                            table.c.checklist_version.label("version"), *figures))
    each = union_all(*parts).subquery()
    return db.session.execute(
        select(each.c.dimension, each.c.version, func.avg(each.c.e), func.avg(each.c.p), func.count(each.c.g),
               func.sum(each.c.g), func.sum(each.c.g * each.c.g))
        .where(each.c.g.is_not(None)).group_by(each.c.dimension, each.c.version)).all()


def test_customer_dimensions_add_up_as_the_database_did(world, org):
    for staff in (None, org.branches["E1"].staff[0]):
        new = sorted(servqual._customer_dimensions(START, END, [], staff))
        old = sorted(tuple(row) for row in _before_customer_dimensions(START, END, [], staff))
        assert [row[:2] + row[4:5] for row in new] == [row[:2] + row[4:5] for row in old] and new
        assert [row[2:4] + row[5:] for row in new] == [pytest.approx(row[2:4] + row[5:]) for row in old]


def _before_scope(user):
    by_branch = Branch.id.in_(select(user_branches.c.branch_id).where(user_branches.c.user_id == user.id))
    by_region = Branch.region.in_(select(UserRegion.region).where(UserRegion.user_id == user.id))
    return or_(by_branch, by_region)


def test_scopes_are_the_branches_they_were(world, users, branch_lead):
    mixed = factories.make_user("manager", regions=("West",), branches=("E2",))
    for user, codes in ((users["manager"], {"E1", "E2"}), (users["inspector"], {"E1", "E2"}), (branch_lead, {"E1"}),
                        (mixed, {"E2", "W1"})):
        assert set(db.session.scalars(select(Branch.code).where(access.branch_filter(user)))) == codes
        assert set(db.session.scalars(select(Branch.code).where(_before_scope(user)))) == codes


def test_inbox_totals_and_submitters_are_as_counted_before(world, users, branch_lead):
    zone = localtime.zone()
    for user in (users["admin"], users["manager"], branch_lead):
        counts = inbox.status_counts(user)
        for status in ("", "submitted", "released"):
            filters = inbox.Filters(status=status)
            counted = db.session.scalar(select(func.count()).select_from(Visit).where(
                *inbox._conditions(user, filters, zone)))
            assert inbox.inbox(user, filters, zone, 1, 5, counts)[1] == counted
        assert inbox.status_counts(user, (VisitStatus.SUBMITTED,)) == {"submitted": counts["submitted"]}
    assert inbox.status_counts(users["admin"])["submitted"] > 0
    before = select(Visit.submitter_id).where(access.visit_filter(users["manager"], Visit)).distinct()
    assert inbox.submitters(users["manager"]) == list(db.session.scalars(
        select(User).where(User.id.in_(before)).order_by(User.name)))


def _before_appealable(user, now):
    first_open = localtime.day_start(localtime.local(now).date() - timedelta(days=7))
    released = (select(func.max(VisitEvent.at)).where(VisitEvent.visit_id == Visit.id,
                                                     VisitEvent.action == VisitAction.RELEASE)
                .correlate(Visit).scalar_subquery())
    candidates = db.session.scalars(
        select(Visit).where(and_(access.visit_filter(user, Visit), Visit.status.in_(COUNTED_VISITS)),
                            released >= first_open, ~exists().where(Appeal.visit_id == Visit.id))
        .order_by(released, Visit.id).limit(20)).all()
    return [(visit, appeal_until(user, visit, now)) for visit in candidates]


def test_appealable_visits_are_those_found_before(world, branch_lead):
    now = utcnow()
    found = appealable_visits(branch_lead, now)
    assert found == [row for row in _before_appealable(branch_lead, now) if row[1] is not None] and found
    assert appealable_visits(branch_lead, now + timedelta(days=9)) == []
