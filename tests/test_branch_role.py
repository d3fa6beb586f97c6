"""The branch side (营业厅负责人): its own branches' released work, never who shopped them, and nothing to submit."""

from __future__ import annotations

import pytest

from inspection.api.tokens import create_token
from inspection.auth.models import ROLES
from inspection.extensions import db
from inspection.review.services import review
from inspection.visits.services import submit_visit

from . import factories


@pytest.fixture
def visits(app, org, users, small):
    """Return visits of E1 (a released and a submitted mystery shop, a released inspection) and a released one of E2."""
    shop = factories.small_checklist("mystery_shop")
    made = {}
    for name, who, checklist, branch, steps in (
            ("released shop", "shopper", shop, "E1", ["release"]),
            ("submitted shop", "shopper", shop, "E1", []),
            ("released inspection", "inspector", factories.small_checklist(), "E1", ["release"]),
            ("other branch", "inspector", factories.small_checklist(), "E2", ["release"])):
        visit, _ = submit_visit(users[who], checklist, factories.submission(branch))
        for step in steps:
            review(users["manager"], visit, step)
        made[name] = visit
    db.session.commit()
    return made


@pytest.fixture
def lead_client(client, branch_lead):
    db.session.commit()
    factories.login(client, branch_lead)
    return client


def test_admins_can_give_the_branch_role(app, org, users, client):
    assert "branch" in ROLES
    db.session.commit()
    factories.login(client, users["admin"])
    form = client.get("/admin/users/new").get_data(as_text=True)
    assert 'value="branch"' in form


def test_the_visit_list_holds_only_its_released_visits(lead_client, visits):
    page = lead_client.get("/visits").get_data(as_text=True)
    assert str(visits["released shop"].uuid) in page and str(visits["released inspection"].uuid) in page
    assert str(visits["submitted shop"].uuid) not in page and str(visits["other branch"].uuid) not in page


@pytest.mark.parametrize("path", ["/visits/{uuid}", "/visits/{uuid}/scorecard", "/visits/{uuid}/diff"])
def test_a_released_mystery_shop_never_names_its_shopper(lead_client, visits, users, path):
    visit = visits["released shop"]
    response = lead_client.get(path.format(uuid=visit.uuid))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert users["shopper"].name not in html and users["shopper"].email not in html


def test_an_inspection_names_its_inspector(lead_client, visits, users):
    html = lead_client.get(f"/visits/{visits['released inspection'].uuid}/scorecard").get_data(as_text=True)
    assert users["inspector"].name in html


def test_an_unreleased_visit_does_not_exist_for_it(lead_client, visits):
    for name in ("submitted shop", "other branch"):
        assert lead_client.get(f"/visits/{visits[name].uuid}").status_code == 404


def test_its_performance_pages_show_its_branch_only(lead_client, visits):
    board = lead_client.get("/performance/leaderboard?from=2026-11-01&to=2026-11-30").get_data(as_text=True)
    assert "E1-S1" in board and "E2-S1" not in board
    assert lead_client.get("/staff/E1-S1/scorecard").status_code == 200
    assert lead_client.get("/staff/E2-S1/scorecard").status_code == 404
    assert lead_client.get("/branches/E2/scorecard").status_code == 404


def test_it_submits_nothing_and_is_offered_no_field_work(lead_client, visits, branch_lead):
    home = lead_client.get("/").get_data(as_text=True)
    assert 'href="/assignments"' not in home and 'href="/outbox"' not in home
    assert lead_client.get("/assignments").status_code == 403
    token = create_token(branch_lead)[1]
    db.session.commit()
    response = lead_client.post("/api/v1/visits", json=factories.api_visit(), headers=factories.bearer(token))
    assert response.status_code == 403
