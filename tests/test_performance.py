"""Performance figures against hand-computed values, scope of every list and export, query counts."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook

from inspection.extensions import db
from inspection.performance import services, servqual
from inspection.review.services import review
from inspection.visits.services import submit_visit

from . import factories

PERIOD = "from=2026-08-01&to=2026-10-31"
START, END = date(2026, 8, 1), date(2026, 10, 31)


@pytest.fixture
def history(app, org, users):
    """Released visits: E1-S1 three times (10, 5, 10 of 10), E2-S1 once (10/10), W1-S1 once (0/10)."""
    app.config["CHECKLIST_DIR"] = str(factories.FIXTURES)
    start = datetime(2026, 8, 3, 10, tzinfo=timezone.utc)
    plan = [("E1", "E1-S1", True, 2), ("E1", "E1-S1", False, 2), ("E1", "E1-S1", True, 3),
            ("E2", "E2-S1", True, 1), ("W1", "W1-S1", False, 9)]
    plan_visits = []
    for index, (branch, clerk, clean, greet) in enumerate(plan):
        moment = start + timedelta(days=index * 15)
        answers = {"clerk": clerk, "clean": clean, "greet": greet}
        sub = factories.submission(branch=branch, answers=answers, started_at=moment - timedelta(minutes=5),
                                   finished_at=moment)
        visit, _ = submit_visit(users["admin"], factories.small_checklist(), sub)
        review(users["admin"], visit, "release")
        plan_visits.append(visit)
    # One more, not released: it must not count anywhere.
    extra = factories.submission(answers={"clerk": "E1-S1", "clean": False, "greet": 9},
                                 finished_at=start + timedelta(days=5),
                                 started_at=start + timedelta(days=5, minutes=-9))
    submit_visit(users["admin"], factories.small_checklist(), extra)
    db.session.commit()
    return plan_visits


def test_leaderboard_applies_the_minimum_sample(history, users):
    ranked, unranked = services.leaderboard(users["admin"], START, END)
    assert [(r.key, r.visits, r.score) for r in ranked] == [("E1-S1", 3, pytest.approx(250 / 3))]
    assert [(r.key, r.visits, r.score) for r in unranked] == [("E2-S1", 1, 100.0), ("W1-S1", 1, 0.0)]
    east_ranked, east_unranked = services.leaderboard(users["manager"], START, END)
    assert [r.key for r in east_ranked + east_unranked] == ["E1-S1", "E2-S1"]
    assert services.leaderboard(users["shopper"], START, END) == ([], [])


def test_branch_and_region_comparison(history, users):
    rows = {row.key: row for row in services.comparison(users["admin"], START, END)}
    assert (rows["E1"].visits, rows["E1"].mean_score, rows["E1"].critical_rate) == (3, pytest.approx(250 / 3), 0.0)
    assert (rows["W1"].visits, rows["W1"].mean_score, rows["W1"].critical_rate) == (1, 0.0, 1.0)
    regions = {row.key: row for row in services.comparison(users["admin"], START, END, by="region")}
    assert regions["East"].visits == 4 and regions["East"].mean_score == pytest.approx(350 / 4)
    assert [row.key for row in services.comparison(users["manager"], START, END)] == ["E1", "E2"]


def test_staff_and_branch_performance_api(client, history, users):
    factories.login(client, users["manager"])
    staff = client.get(f"/api/v1/staff/E1-S1/performance?{PERIOD}").get_json()
    assert (staff["visits"], staff["score"], staff["ranked"]) == (3, 83.33, True)
    assert [(t["month"], t["visits"], t["score"]) for t in staff["trend"]] == [
        ("2026-08", 2, 75.0), ("2026-09", 1, 100.0)]
    assert [(w["text"], w["earned"], w["possible"]) for w in staff["weakest_items"]] == [("整洁", 10.0, 15.0)]
    branch = client.get(f"/api/v1/branches/E1/performance?{PERIOD}").get_json()
    assert (branch["visits"], branch["score"], branch["ranked"]) == (3, 83.33, True)
    assert [s["code"] for s in branch["staff"] if s["ranked"]] == ["E1-S1"]
    assert client.get(f"/api/v1/branches/W1/performance?{PERIOD}").status_code == 404
    assert client.get(f"/api/v1/staff/W1-S1/performance?{PERIOD}").status_code == 404
    assert client.get("/api/v1/staff/E1-S1/performance?from=2026-13-01").status_code == 400


def test_servqual_gaps_per_dimension(app, org, users):
    app.config["CHECKLIST_DIR"] = str(factories.FIXTURES)
    checklist = factories.load_text(
        "id: sq\ntitle: 调查\nkind: survey\ndimension_weights: {reliability: 0.75, empathy: 0.25}\nsections:\n"
        "  - id: s\n    title: S\n    items:\n"
        "      - {id: r, text: R, type: servqual, dimension: reliability}\n"
        "      - {id: e, text: E, type: servqual, dimension: empathy}\n")
    for expectation, perception in ((7, 5), (6, 6)):
        answers = {"r": {"expectation": expectation, "perception": perception},
                   "e": {"expectation": 6, "perception": 3}}
        sub = factories.submission(answers=answers)
        visit, _ = submit_visit(users["admin"], checklist, sub)
        review(users["admin"], visit, "release")
    where = servqual.reader_scope(users["manager"])
    figures = servqual.by_source(date(2026, 10, 1), date(2026, 11, 30), where)["shoppers"]
    assert [(d.name, d.expectation, d.perception, d.gap.mean) for d in figures.dimensions] == [
        ("reliability", 6.5, 5.5, -1.0), ("empathy", 6.0, 3.0, -3.0)]
    # Per visit: 0.75 x -2 + 0.25 x -3 = -2.25, and 0.75 x 0 + 0.25 x -3 = -0.75; mean -1.5.
    assert figures.weighted_gap.mean == pytest.approx(-1.5)
    assert figures.worst == "empathy" and figures.weighted_gap.count == 2


@pytest.mark.parametrize("path", ["/performance/", "/performance/leaderboard", "/performance/servqual",
                                  "/performance/staff/E1-S1"])
def test_performance_pages_render_and_shoppers_are_kept_out(client, history, users, path):
    factories.login(client, users["manager"])
    assert client.get(f"{path}?{PERIOD}").status_code == 200
    client.post("/logout")
    factories.login(client, users["shopper"])
    assert client.get(f"{path}?{PERIOD}").status_code == 403


def test_exports_follow_filters_and_scope(client, history, users):
    factories.login(client, users["manager"])
    response = client.get(f"/exports/visits.csv?{PERIOD}&status=released&header=ids")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["visit", "finished_at", "branch"]
    assert sorted(row[2] for row in rows[1:]) == ["E1", "E1", "E1", "E2"]
    answers = client.get(f"/exports/answers.csv?{PERIOD}&branch=E2").get_data(as_text=True)
    assert answers.count("\n") == 1 + 3 and "E2-S1" in answers
    xlsx = client.get(f"/exports/visits.xlsx?{PERIOD}&region=East")
    sheet = load_workbook(io.BytesIO(xlsx.data), read_only=True).active
    assert sum(1 for _ in sheet.iter_rows()) == 1 + 5  # the unreleased visit is listed too, as submitted
    xlsx.close()
    assert client.get("/exports/secrets.csv").status_code == 404
