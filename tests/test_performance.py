"""Performance figures against hand-computed values, scope of every list and export, query counts."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from inspection.extensions import db
from inspection.performance import reports, services, servqual, views
from inspection.review.services import review
from inspection.statistics import mean_interval
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


@pytest.fixture
def crowd(app, org, users):
    """E1-S1: 24 visits of 10/10 and 6 of 5/10 (90); E2-S1: two of 10/10 (100); E2-S2: 2 of 10/10, 8 of 5/10 (60)."""
    app.config["CHECKLIST_DIR"] = str(factories.FIXTURES)
    start = datetime(2026, 8, 3, 10, tzinfo=timezone.utc)
    plan = ([("E1", "E1-S1", True)] * 24 + [("E1", "E1-S1", False)] * 6 + [("E2", "E2-S1", True)] * 2
            + [("E2", "E2-S2", True)] * 2 + [("E2", "E2-S2", False)] * 8)
    for index, (branch, clerk, clean) in enumerate(plan):
        moment = start + timedelta(hours=index * 30)
        sub = factories.submission(branch=branch, answers={"clerk": clerk, "clean": clean, "greet": 2},
                                   started_at=moment - timedelta(minutes=5), finished_at=moment)
        visit, _ = submit_visit(users["admin"], factories.small_checklist(), sub)
        review(users["admin"], visit, "release")
    db.session.commit()


def test_the_leaderboard_ranks_by_scores_shrunk_toward_the_branch(app, crowd, users):
    app.config["MIN_STAFF_SAMPLE"] = 2
    ranked, unranked = services.leaderboard(users["admin"], START, END)
    assert unranked == []
    # Raw, two perfect visits (100) would outrank thirty very good ones (90); shrunk toward E2's 200/3, they do not.
    # The figures are worked out by hand in tests/test_shrinkage.py (the same three staff).
    assert [(row.key, row.visits, row.score) for row in ranked] == [
        ("E1-S1", 30, pytest.approx(90.0)), ("E2-S1", 2, 100.0), ("E2-S2", 10, pytest.approx(60.0))]
    assert [row.shrunk for row in ranked] == [pytest.approx(90.0), pytest.approx(86.425, abs=1e-3),
                                              pytest.approx(60.805, abs=1e-3)]
    assert [row.place for row in ranked] == [1, 2, 3]
    expected = mean_interval([100.0] * 24 + [50.0] * 6)
    assert (ranked[0].estimate.low, ranked[0].estimate.high) == (pytest.approx(expected.low),
                                                                 pytest.approx(expected.high))
    assert ranked[1].estimate.low is None  # both visits perfect: no spread, no interval
    app.config["MIN_STAFF_SAMPLE"] = 3  # the minimum sample still decides who is ranked
    ranked, unranked = services.leaderboard(users["admin"], START, END)
    assert [row.key for row in ranked] == ["E1-S1", "E2-S2"] and [row.key for row in unranked] == ["E2-S1"]
    assert unranked[0].shrunk is None


def test_the_leaderboard_page_says_why_and_shows_each_interval(app, client, crowd, users):
    app.config["MIN_STAFF_SAMPLE"] = 2
    factories.login(client, users["manager"])
    page = client.get(f"/performance/leaderboard?{PERIOD}").get_data(as_text=True)
    assert "排名依据的估计值会把样本少的员工拉向其营业厅的平均分（经验贝叶斯）" in page
    assert page.index("E1-S1 Staff E1-1") < page.index("E2-S1 Staff E2-1") < page.index("E2-S2 Staff E2-2")
    thirty = mean_interval([100.0] * 24 + [50.0] * 6)
    assert f"90.0 ± {thirty.margin:.1f}" in page and "30 次走访" in page
    assert f"90% 置信区间 {thirty.low:.1f}–{thirty.high:.1f}" in page
    assert "每次走访得分相同" in page  # E2-S1: two perfect visits
    assert "86.4" in page  # E2-S1's ranking estimate
    english = client.get(f"/performance/leaderboard?{PERIOD}", headers={"Accept-Language": "en"})
    assert "pulls small samples toward their branch’s mean" in english.get_data(as_text=True)


def test_the_leaderboard_shows_a_page_at_a_time_ranked_over_everyone(app, client, crowd, users, monkeypatch):
    monkeypatch.setattr(views, "LEADERBOARD_PAGE", 2)
    app.config["MIN_STAFF_SAMPLE"] = 3  # E2-S1's two visits: not ranked, listed after the ranked
    factories.login(client, users["admin"])
    first = client.get(f"/performance/leaderboard?{PERIOD}&region=East").get_data(as_text=True)
    assert "E1-S1 Staff E1-1" in first and "E2-S2 Staff E2-2" in first and "E2-S1 Staff E2-1" not in first
    assert "第 1 / 2 页" in first and "page=2" in first and "region=East" in first
    second = client.get(f"/performance/leaderboard?{PERIOD}&region=East&page=2").get_data(as_text=True)
    assert "E2-S1 Staff E2-1" in second and "E1-S1 Staff E1-1" not in second
    assert "第 2 / 2 页" in second and "page=1" in second


def test_the_branch_api_ranks_its_staff_by_shrunk_scores(app, client, crowd, users):
    app.config["MIN_STAFF_SAMPLE"] = 2
    factories.login(client, users["manager"])
    branch = client.get(f"/api/v1/branches/E2/performance?{PERIOD}").get_json()
    # Within E2 alone: σ² = 4000/10 = 400 (E2-S1's two visits add a degree of freedom and no squares);
    # τ² = ((100 − 200/3)² − 400/2 + (60 − 200/3)² − 400/10) / 2 = (10400/9 − 240) / 2 = 457.78;
    # E2-S1: w = 457.78 / (457.78 + 200) = 0.69595, shrunk 200/3 + w·100/3 = 89.865.
    tau = (10400 / 9 - 240) / 2
    assert [(row["code"], row["ranked"]) for row in branch["staff"]] == [("E2-S1", True), ("E2-S2", True)]
    assert branch["staff"][0]["shrunk"] == pytest.approx(round(200 / 3 + tau / (tau + 200) * 100 / 3, 2))
    assert branch["staff"][1]["count"] == 10
    tenth = mean_interval([100.0] * 2 + [50.0] * 8)
    assert branch["staff"][1]["interval"] == {"low": round(tenth.low, 2), "high": round(tenth.high, 2),
                                              "confidence": 0.9}
    assert branch["staff"][0]["interval"] == {"low": None, "high": None, "confidence": 0.9}
    visits = mean_interval([100.0] * 4 + [50.0] * 8)  # E2's twelve visit scores
    assert (branch["count"], branch["mean_visit_score"]) == (12, round(visits.mean, 2))
    assert branch["interval"] == {"low": round(visits.low, 2), "high": round(visits.high, 2), "confidence": 0.9}


def test_equal_shrunk_scores_share_a_place_and_the_plain_score_orders_them():
    rows = [SimpleNamespace(key=key, shrunk=shrunk, score=score)
            for key, shrunk, score in (("d", 80.0, 70.0), ("a", 91.5, 88.0), ("b", 91.5, 97.0), ("c", None, None),
                                       ("e", 80.0, 90.0))]
    rows.sort(key=lambda row: reports.rank_order(row.shrunk, row.score, row.key))
    reports.places(rows)
    assert [(row.key, row.place) for row in rows] == [("b", 1), ("a", 1), ("e", 3), ("d", 3), ("c", 5)]


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
    expected = mean_interval([100.0, 50.0, 100.0])  # E1's visit scores
    assert (rows["E1"].estimate.count, rows["E1"].estimate.low, rows["E1"].estimate.high) == (
        3, pytest.approx(expected.low), pytest.approx(expected.high))
    assert rows["W1"].estimate.count == 1 and rows["W1"].estimate.low is None
    assert (rows["W1"].visits, rows["W1"].mean_score, rows["W1"].critical_rate) == (1, 0.0, 1.0)
    regions = {row.key: row for row in services.comparison(users["admin"], START, END, by="region")}
    assert regions["East"].visits == 4 and regions["East"].mean_score == pytest.approx(350 / 4)
    assert [row.key for row in services.comparison(users["manager"], START, END)] == ["E1", "E2"]


def test_staff_and_branch_performance_api(client, history, users):
    factories.login(client, users["manager"])
    staff = client.get(f"/api/v1/staff/E1-S1/performance?{PERIOD}").get_json()
    assert (staff["visits"], staff["score"], staff["ranked"]) == (3, 83.33, True)
    expected = mean_interval([100.0, 50.0, 100.0])  # every visit had 10 points possible: the plain t-interval
    assert expected.high > 100  # 83.3 ± 48.7: the t-interval passes the top of the scale, and is cut there
    assert staff["count"] == 3 and staff["interval"] == {"low": round(expected.low, 2), "high": 100.0,
                                                         "confidence": 0.9}
    assert staff["trend"][1]["interval"] == {"low": None, "high": None, "confidence": 0.9}  # one visit
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


def test_overview_and_staff_pages_show_each_mean_with_its_visits_and_interval(client, history, users):
    factories.login(client, users["admin"])
    page = client.get(f"/performance/?{PERIOD}").get_data(as_text=True)
    e1 = mean_interval([100.0, 50.0, 100.0])
    # Both t-intervals pass 100 (a score's top): shown cut there, beside the t-interval's own half-width.
    assert f"{e1.mean:.1f} ± {e1.margin:.1f}" in page and f"90% 置信区间 {e1.low:.1f}–100.0" in page
    east = mean_interval([100.0, 50.0, 100.0, 100.0])
    assert east.high > 100 and f"90% 置信区间 {east.low:.1f}–100.0" in page
    assert "1 次走访 · 走访次数太少，无法给出区间" in page  # W1 and E2: one visit each
    staff = client.get(f"/performance/staff/E1-S1?{PERIOD}").get_data(as_text=True)
    assert f"{e1.mean:.1f} ± {e1.margin:.1f}</strong> · 3 次走访" in staff
    assert f"90% 置信区间 {e1.low:.1f}–100.0" in staff


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
