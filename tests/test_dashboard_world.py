"""The short form of bench/dashboard.py: a 20,000-visit world generated in PostgreSQL, shaped as the app writes.

`make bench` generates and times the full 1,000,000 visits. Nothing here looks at timings: the generated rows
must be what the app's own services would have stored (results the engine gives for the answers, staff results
and dimensions taken from them, a trail per visit, an action per failed critical item), and every timed page must
answer for the admin and for a region's manager.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from inspection import localtime
from inspection.catalog.services import frozen_checklist
from inspection.checklists import score
from inspection.extensions import db
from inspection.surveys.models import SurveyResponse
from inspection.visits import rollup
from inspection.visits.models import Answer, StaffMonth, Visit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))  # bench modules import each other
dashboard = importlib.import_module("dashboard")
VISITS = 20_000


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Yield an app on a private PostgreSQL schema holding the generated world, and what was written."""
    with contextlib.ExitStack() as stack:
        try:
            options = stack.enter_context(dashboard.private_schema())
        except OperationalError as error:
            message = f"PostgreSQL at {dashboard.POSTGRES_URL} is not reachable ({error.__class__.__name__})"
            if os.environ.get("CI"):
                pytest.fail(message + "; CI must test PostgreSQL", pytrace=False)
            pytest.skip(message + "; set INSPECTION_TEST_DATABASE_URL")
        app = dashboard.make_app(options, tmp_path_factory.mktemp("media"))
        yield app, dashboard.build(app, VISITS)
        with app.app_context():
            db.engine.dispose()


def _sql(app, statement: str):
    with app.app_context():
        rows = db.session.execute(text(statement)).all()
        db.session.remove()
    return rows


def test_the_world_has_its_size_and_the_helpers_are_gone(world):
    app, built = world
    rows = built["rows"]
    assert rows["visits"] == VISITS
    assert VISITS < rows["staff_results"] < 2 * VISITS and 3 * VISITS < rows["visit_dimensions"] < 6 * VISITS
    assert rows["assignments"] > VISITS / 4 and rows["corrective_actions"] > 0 and rows["notifications"] > VISITS
    assert rows["appeals"] > 0 and rows["survey_responses"] == VISITS * 15 // 100
    tables = {name for (name,) in _sql(app, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")}
    assert not {name for name in tables if name.startswith("bench_")}
    states = dict(_sql(app, "SELECT status, count(*) FROM visits GROUP BY status"))
    assert set(states) == {"submitted", "in_review", "returned", "released"} and states["released"] > 0.9 * VISITS


def test_results_are_the_engines_for_the_answers_and_staff_results_follow_them(world):
    app, _ = world
    with app.app_context():
        visits = db.session.scalars(select(Visit).where(Visit.id.in_(select(Answer.visit_id)))
                                    .order_by(Visit.id.desc()).limit(300)).all()
        assert len(visits) == 300
        for visit in visits:
            answers = {answer.item_id: answer.value for answer in visit.answers}
            assert score(frozen_checklist(visit.checklist_version), answers).to_dict() == visit.result
            _check_rows(visit)
        db.session.remove()


def _check_rows(visit: Visit) -> None:
    result = visit.result
    assert visit.score == pytest.approx(result["score"], abs=0.006) and visit.passed == result["passed"]
    assert visit.critical_failures == len(result["critical_failures"])
    codes = {row.staff.code: row for row in visit.staff_results}
    assert set(codes) == set(result["staff"])
    for code, row in codes.items():
        stored = result["staff"][code]  # rounded to 2 places, as results are stored
        assert (row.earned, row.possible) == (pytest.approx(stored["earned"], abs=0.006),
                                              pytest.approx(stored["possible"], abs=0.006))
        assert row.counted == (visit.status == "released") and row.branch_id == visit.branch_id
        assert row.finished_at == visit.finished_at and row.staff.branch_id == visit.branch_id
    dimensions = {row.dimension: row for row in visit.dimensions}
    assert set(dimensions) == set(result["dimensions"])
    for name, row in dimensions.items():
        stored = result["dimensions"][name]
        assert (100 * row.earned / row.possible if row.possible else None) == pytest.approx(stored["score"], abs=0.006)
        assert (row.expectation, row.perception) == (pytest.approx(stored["expectation"], abs=0.006),
                                                     pytest.approx(stored["perception"], abs=0.006))


def test_the_months_are_what_the_app_keeps_them_as(world):
    app, built = world
    assert 0 < built["rows"]["staff_months"] < built["rows"]["staff_results"]
    with app.app_context():
        months = db.session.scalars(select(StaffMonth).order_by(StaffMonth.visits.desc()).limit(5)).all()
        kept = {(row.staff_id, row.branch_id, row.month): row.earned_squares for row in months}
        db.session.expunge_all()
        rollup.refresh((), set(kept))  # summed again by the app, as a release would
        again = {key: db.session.get(StaffMonth, key).earned_squares for key in kept}
        db.session.rollback()
    assert again == pytest.approx(kept)


def test_every_visit_is_shaped_alike(world):
    app, _ = world
    # Counted only once released; the result names the staff its staff results name.
    assert _sql(app, "SELECT count(*) FROM staff_results AS s JOIN visits AS v ON v.id = s.visit_id "
                     "WHERE s.counted <> (v.status = 'released') OR s.finished_at <> v.finished_at "
                     "OR s.branch_id <> v.branch_id") == [(0,)]
    missing = _sql(app, "SELECT count(*) FROM visits AS v, json_each(v.result -> 'staff') AS named "
                        "WHERE NOT EXISTS (SELECT FROM staff_results AS s JOIN staff ON staff.id = s.staff_id "
                        "WHERE s.visit_id = v.id AND staff.code = named.key)")
    assert missing == [(0,)]
    # One submit step each, one review step for every visit past submitted, after it.
    steps = _sql(app, "SELECT v.status, count(*) FILTER (WHERE e.action = 'submit'), "
                      "count(*) FILTER (WHERE e.action <> 'submit'), bool_and(e.at >= v.submitted_at) "
                      "FROM visits AS v JOIN visit_events AS e ON e.visit_id = v.id GROUP BY v.status")
    for status, submits, reviews, ordered in steps:
        assert ordered and reviews == (0 if status == "submitted" else submits)
    # An action per failed critical item of a released visit; a done assignment per visit at most.
    critical = _sql(app, "SELECT sum(json_array_length(result -> 'critical_failures')) FROM visits "
                         "WHERE status = 'released'")
    assert critical == _sql(app, "SELECT count(*) FROM corrective_actions WHERE visit_id IS NOT NULL")
    assert _sql(app, "SELECT count(*) FROM assignments AS a JOIN visits AS v ON v.id = a.visit_id "
                     "WHERE a.status <> 'done' OR a.late <> (v.started_at < a.window_start "
                     "OR v.finished_at > a.window_end) OR a.branch_id <> v.branch_id") == [(0,)]


def test_customers_answers_are_scored_as_the_engine_scores_them(world):
    app, _ = world
    with app.app_context():
        for response in db.session.scalars(select(SurveyResponse).order_by(SurveyResponse.id).limit(50)):
            assert score(frozen_checklist(response.checklist_version), response.answers).to_dict() == response.result
            assert response.score == response.result["score"] or abs(response.score - response.result["score"]) < 0.006
        db.session.remove()


@pytest.mark.parametrize("who", [dashboard.ADMIN, dashboard.MANAGER])
def test_every_timed_page_answers(world, who):
    app, _ = world
    client = dashboard.signed_in(app, who)
    with app.app_context():
        today = localtime.today()
    for path in dashboard.pages(today).values():
        times, _ = dashboard.timings(client, path, 1)  # asserts a 200 from each request
        assert len(times) == 1
