"""SERVQUAL by source: shoppers' released survey visits and customers' responses, apart, with counts and intervals."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from inspection.extensions import db
from inspection.org.models import Branch, Staff
from inspection.performance import servqual
from inspection.review.services import review
from inspection.scorecards.render import render_pdf
from inspection.scorecards.services import branch_context
from inspection.visits.services import submit_visit

from . import customers, factories
from .test_scorecards import pdf_text

START, END = date(2026, 11, 1), date(2026, 11, 30)
PERIOD = "from=2026-11-01&to=2026-11-30"
# The shoppers' survey: the same two dimensions and weights as the customers' (tests/customers.py).
SHOPPER_SURVEY = (
    "id: sq\ntitle: 调查\nkind: survey\ndimension_weights: {reliability: 0.75, empathy: 0.25}\nsections:\n"
    "  - id: s\n    title: S\n    items:\n"
    "      - {id: r, text: R, type: servqual, dimension: reliability}\n"
    "      - {id: e, text: E, type: servqual, dimension: empathy}\n")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


@pytest.fixture
def voices(app, org, users):
    """One released shopper survey at E1; customers' responses at E1 (3), at E2 through E2-S1's badge, at W1.

    Weighted gaps (0.75 reliability + 0.25 empathy): E1 -2.25, 0, +1; E2 -2.5; W1 -0.5. Two more responses
    fall outside November in Shanghai (one at 23:59 on 31 October local time, one in December).
    """
    app.config["CHECKLIST_DIR"] = str(factories.FIXTURES)
    answers = {"r": {"expectation": 7, "perception": 5}, "e": {"expectation": 6, "perception": 3}}
    shopper_survey = factories.load_text(SHOPPER_SURVEY)
    visit, _ = submit_visit(users["shopper"], shopper_survey, factories.submission(answers=answers))
    review(users["manager"], visit, "release")
    unreleased = factories.submission(answers={"r": {"expectation": 1, "perception": 7},
                                               "e": {"expectation": 1, "perception": 7}})
    submit_visit(users["shopper"], shopper_survey, unreleased)  # never counted
    badge = db.session.scalar(select(Staff).where(Staff.code == "E2-S1"))
    e1 = customers.link(org.branches["E1"], users["manager"])
    e2 = customers.link(org.branches["E2"], users["manager"], staff=badge)
    w1 = customers.link(org.branches["W1"], users["admin"])
    for link, reliability, empathy, moment in (
            (e1, (7, 5), (6, 3), "2026-10-31T16:00:00"),  # 00:00 on 1 November in Shanghai: counted
            (e1, (6, 6), (5, 5), "2026-11-10T02:00:00"), (e1, (5, 7), (6, 4), "2026-11-20T02:00:00"),
            (e2, (7, 4), (7, 6), "2026-11-21T02:00:00"), (w1, (6, 5), (6, 7), "2026-11-22T02:00:00"),
            (e1, (1, 7), (1, 7), "2026-10-31T15:59:00"),  # 23:59 on 31 October in Shanghai: not counted
            (e1, (1, 7), (1, 7), "2026-11-30T16:00:00")):  # 00:00 on 1 December: not counted
        customers.respond(link, customers.answers(reliability, empathy), _at(moment))
    db.session.commit()
    return visit


def test_shoppers_and_customers_give_separate_figures(voices, users):
    found = servqual.by_source(START, END, servqual.reader_scope(users["manager"]))  # region East
    shoppers, clients = found["shoppers"], found["customers"]
    assert (shoppers.weighted_gap.count, shoppers.weighted_gap.mean) == (1, pytest.approx(-2.25))
    assert shoppers.weighted_gap.low is None  # one survey: no spread to measure
    assert [(d.name, d.expectation, d.perception, d.gap.mean, d.weighted_gap) for d in shoppers.dimensions] == [
        ("reliability", 7.0, 5.0, -2.0, -1.5), ("empathy", 6.0, 3.0, -3.0, -0.75)]
    # Customers of E1 and E2: weighted gaps -2.25, 0, +1, -2.5 (scipy: t.interval(0.9, 3, ...)).
    gap = clients.weighted_gap
    assert (gap.count, gap.mean) == (4, pytest.approx(-0.9375))
    assert (gap.low, gap.high) == (pytest.approx(-2.9524421821069478), pytest.approx(1.0774421821069469))
    rows = {d.name: d for d in clients.dimensions}
    assert (rows["reliability"].expectation, rows["reliability"].perception) == (6.25, 5.5)
    assert (rows["reliability"].gap.mean, rows["reliability"].weighted_gap) == (-0.75, pytest.approx(-0.5625))
    assert (rows["reliability"].gap.low, rows["reliability"].gap.high) == (
        pytest.approx(-3.3591220103684316), pytest.approx(1.8591220103684303))  # gaps -2, 0, 2, -3
    assert (rows["empathy"].gap.mean, rows["empathy"].weighted_gap, rows["empathy"].gap.count) == (
        -1.5, pytest.approx(-0.375), 4)
    assert (rows["empathy"].gap.low, rows["empathy"].gap.high) == (
        pytest.approx(-3.0190895650934917), pytest.approx(0.019089565093491023))  # gaps -3, 0, -2, -1
    assert clients.worst == "empathy" and [month for month, _ in clients.trend] == ["2026-11"]
    # The weighted gaps per dimension add up to the mean weighted gap.
    assert sum(d.weighted_gap for d in clients.dimensions) == pytest.approx(gap.mean)


def test_weighted_gaps_per_dimension_share_the_weighted_gap_as_the_engine_weighs_it(app, org, users):
    """With no weights listed, the five dimensions weigh 0.2 each; two answered share the weighted gap half and half."""
    unweighted = factories.load_text(customers.SURVEY.replace("dimension_weights: {reliability: 0.75, empathy: 0.25}\n",
                                                              ""))
    link = customers.link(org.branches["E1"], users["manager"], checklist=unweighted)
    for reliability, empathy in (((7, 5), (6, 3)), ((6, 6), (5, 5))):
        response = customers.respond(link, customers.answers(reliability, empathy), _at("2026-11-05T03:00:00"),
                                     checklist=unweighted)
    assert response.servqual_gap == 0.0
    db.session.commit()
    found = servqual.by_source(START, END, servqual.reader_scope(users["admin"]))["customers"]
    assert found.weighted_gap.mean == pytest.approx(-1.25)  # (-2.5 + 0) / 2
    assert [(d.name, d.gap.mean, d.weighted_gap) for d in found.dimensions] == [
        ("reliability", -1.0, pytest.approx(-0.5)), ("empathy", -1.5, pytest.approx(-0.75))]


def test_scope_branch_and_region_narrow_both_sources(voices, users, org):
    everything = servqual.by_source(START, END, servqual.reader_scope(users["admin"]))
    assert (everything["customers"].weighted_gap.count, everything["shoppers"].weighted_gap.count) == (5, 1)
    west = servqual.by_source(START, END, servqual.reader_scope(users["admin"], region="West"))
    assert (west["customers"].weighted_gap.count, west["shoppers"].weighted_gap.count) == (1, 0)
    assert west["shoppers"].dimensions == [] and west["shoppers"].worst is None
    e2 = servqual.by_source(START, END, servqual.reader_scope(users["manager"], branch=org.branches["E2"]))
    assert e2["customers"].weighted_gap.mean == pytest.approx(-2.5)
    nothing = servqual.by_source(START, END, servqual.reader_scope(users["shopper"]))
    assert nothing["customers"].weighted_gap.count == nothing["shoppers"].weighted_gap.count == 0


def test_branches_regions_and_staff_badges_each_with_counts_and_intervals(voices, users):
    where = servqual.reader_scope(users["admin"])
    branches = {row.key: row for row in servqual.groups(START, END, where, "branch")}
    assert sorted(branches) == ["E1", "E2", "W1"]
    e1 = branches["E1"]
    assert (e1.name, e1.group, e1.get("shoppers").count, e1.get("shoppers").mean) == (
        "Branch E1", "East", 1, pytest.approx(-2.25))
    assert (e1.get("customers").count, e1.get("customers").mean) == (3, pytest.approx(-0.4166666666666667))
    assert (e1.get("customers").low, e1.get("customers").high) == (
        pytest.approx(-3.2229097067471235), pytest.approx(2.3895763734137883))
    assert branches["W1"].get("shoppers").count == 0 and branches["W1"].get("customers").mean == pytest.approx(-0.5)
    regions = {row.key: row for row in servqual.groups(START, END, where, "region")}
    assert (regions["East"].get("customers").count, regions["East"].get("shoppers").count) == (4, 1)
    assert regions["East"].get("customers").mean == pytest.approx(-0.9375)
    [badge] = servqual.staff_groups(START, END, where)
    assert (badge.key, badge.name, badge.group, badge.get("customers").count) == (
        "E2-S1", "E2-S1 Staff E2-1", "Branch E2", 1)
    assert badge.get("customers").mean == pytest.approx(-2.5)
    assert servqual.staff_groups(START, END, servqual.reader_scope(users["admin"], region="West")) == []


def test_the_servqual_page_shows_both_sources_and_the_tables(client, voices, users):
    factories.login(client, users["manager"])
    page = client.get(f"/performance/servqual?{PERIOD}").get_data(as_text=True)
    shoppers = page.split('id="source-shoppers"')[1].split("</section>")[0]
    clients = page.split('id="source-customers"')[1].split("</section>")[0]
    assert "神秘顾客问卷" in shoppers and "-2.25" in shoppers and "<strong>1</strong>" in shoppers
    assert "顾客自评" in clients and "<strong>4</strong>" in clients and "-0.94" in clients
    assert "-2.95 … +1.08" in clients  # the 90% interval of the mean weighted gap
    assert "移情性" in clients and "-0.38" in clients  # empathy's weighted gap
    by_branch = page.split('id="by-branch"')[1].split("</section>")[0]
    assert "Branch E1" in by_branch and "-0.42" in by_branch and "Branch W1" not in by_branch
    assert "E2-S1 Staff E2-1" in page.split('id="by-staff"')[1]
    narrowed = client.get(f"/performance/servqual?{PERIOD}&branch=E2").get_data(as_text=True)
    assert "-2.50" in narrowed.split('id="source-customers"')[1].split("</section>")[0]


def test_the_staff_page_shows_what_customers_said_through_the_badge(client, voices, users):
    factories.login(client, users["manager"])
    page = client.get(f"/performance/staff/E2-S1?{PERIOD}").get_data(as_text=True)
    badge = page.split('id="customer-servqual"')[1].split("</section>")[0]
    assert "顾客自评" in badge and "<strong>1</strong>" in badge and "-2.50" in badge
    other = client.get(f"/performance/staff/E1-S1?{PERIOD}").get_data(as_text=True)
    assert "本期没有顾客通过该员工的工牌链接作答。" in other


def test_the_branch_scorecard_shows_the_customers_apart(client, voices, users, org):
    factories.login(client, users["manager"])
    page = client.get(f"/branches/E1/scorecard?{PERIOD}").get_data(as_text=True)
    section = page.split('id="servqual"')[1].split("</section>")[0]
    assert "神秘顾客问卷" in section and "顾客自评" in section
    assert "-0.42" in section and "-3.22 … +2.39" in section and "-2.25" in section
    text = pdf_text(render_pdf("scorecards/branch.html", set(), **branch_context(org.branches["E1"], START, END)))
    assert "顾客自评" in text and "-0.42" in text


def test_servqual_pages_ask_a_fixed_number_of_queries(app, client, voices, users, org, count_queries):
    factories.login(client, users["admin"])
    paths = [f"/performance/servqual?{PERIOD}", f"/performance/staff/E2-S1?{PERIOD}",
             f"/branches/E1/scorecard?{PERIOD}"]

    def asked(path: str) -> int:
        client.get(path)  # once first: the user is read again after a commit, the frozen checklists once a process
        with count_queries() as statements:
            assert client.get(path).status_code == 200
        return len(statements)

    before = [asked(path) for path in paths]
    badge = db.session.scalar(select(Staff).where(Staff.code == "E2-S1"))
    for branch in db.session.scalars(select(Branch)).all():
        link = customers.link(branch, users["admin"], staff=badge if branch.code == "E2" else None)
        for day in range(2, 9):
            customers.respond(link, customers.answers((6, day % 7 + 1), (5, 4)), _at(f"2026-11-{day:02d}T03:00:00"))
    db.session.commit()
    assert [asked(path) for path in paths] == before
