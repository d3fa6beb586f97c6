"""Performance and action lists pick branches and regions among the user's own; staff pages list their visits;
scorecard previews lead back into the app."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from inspection.extensions import db
from inspection.review.services import review
from inspection.scorecards.render import render_pdf_reporting
from inspection.scorecards.services import visit_context
from inspection.visits.services import submit_visit

from . import factories

PERIOD = "from=2026-08-01&to=2026-10-31"
LISTS = ["/performance/", "/performance/leaderboard", "/performance/servqual", "/actions"]


@pytest.fixture
def history(app, org, users):
    """Released visits in August–October: two inspections of E1 (E1-S1), a mystery shop of E1 (E1-S1), one of W1."""
    app.config["CHECKLIST_DIR"] = str(factories.FIXTURES)
    start = datetime(2026, 8, 3, 10, tzinfo=timezone.utc)
    plan = [("E1", "inspection", "inspector", True), ("E1", "inspection", "inspector", False),
            ("E1", "mystery_shop", "shopper", True), ("W1", "inspection", "admin", True)]
    visits = []
    for index, (branch, kind, submitter, clean) in enumerate(plan):
        moment = start + timedelta(days=index * 10)
        sub = factories.submission(branch=branch, answers={"clerk": f"{branch}-S1", "clean": clean, "greet": 2},
                                   started_at=moment - timedelta(minutes=5), finished_at=moment)
        visit, _ = submit_visit(users[submitter], factories.small_checklist(kind), sub)
        review(users["admin"], visit, "release")
        visits.append(visit)
    db.session.commit()
    return visits


def _options(page: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}">(.*?)</select>', page, re.S)
    assert select, f"no <select name={name}>"
    return re.findall(r'<option value="([^"]*)"', select.group(1))


@pytest.mark.parametrize("path", LISTS)
def test_the_branch_and_region_pickers_list_only_the_users_own(client, history, users, path):
    factories.login(client, users["manager"])  # manager of the East region: E1 and E2
    page = client.get(f"{path}?{PERIOD}").get_data(as_text=True)
    assert 'type="text" name="branch"' not in page
    assert _options(page, "branch") == ["", "E1", "E2"]
    assert _options(page, "region") == ["", "East"]
    chosen = client.get(f"{path}?{PERIOD}&branch=E2").get_data(as_text=True)
    assert re.search(r'<option value="E2" selected>', chosen)
    client.post("/logout")
    factories.login(client, users["admin"])
    assert _options(client.get(f"{path}?{PERIOD}").get_data(as_text=True), "branch") == ["", "E1", "E2", "W1"]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("code", ["bj01", "W1"])  # no such branch; a branch out of the manager's scope
def test_an_unknown_branch_answers_a_translated_message_with_the_page(client, history, users, path, code):
    factories.login(client, users["manager"])
    answer = client.get(f"{path}?{PERIOD}&branch={code}")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 404
    assert f"您的权限范围内没有营业厅“{code}”，现显示全部营业厅。" in page
    assert _options(page, "branch") == ["", "E1", "E2"] and "selected>E" not in page  # the page, unfiltered
    client.post("/language", data={"locale": "en"})
    english = client.get(f"{path}?{PERIOD}&branch={code}").get_data(as_text=True)
    assert f"There is no branch “{code}” among yours" in english


def test_an_unknown_region_answers_a_translated_message_and_links_drop_it(client, history, users):
    factories.login(client, users["manager"])
    answer = client.get(f"/performance/?{PERIOD}&region=Atlantis")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 404 and "您的权限范围内没有区域“Atlantis”" in page
    assert "Atlantis" not in page.split('<nav class="tabs"')[1].split("</nav>")[0]


def test_a_branch_code_typed_in_another_case_is_understood(client, history, users):
    factories.login(client, users["manager"])
    answer = client.get(f"/performance/?{PERIOD}&branch=e1")
    assert answer.status_code == 200 and '<option value="E1" selected>' in answer.get_data(as_text=True)


def test_the_staff_page_lists_its_visits_with_links_only_where_the_user_may_open_them(client, history, users):
    inspections, shop = history[:2], history[2]
    factories.login(client, users["manager"])
    page = client.get(f"/performance/staff/E1-S1?{PERIOD}").get_data(as_text=True)
    table = page.split('class="table staff-visits"')[1].split("</table>")[0]
    rows = re.findall(r"<tr><td>.*?</tr>", table, re.S)
    assert len(rows) == 3  # the three released visits attributed to E1-S1, newest first
    assert [re.search(r"\d{4}-\d{2}-\d{2}", row).group() for row in rows] == ["2026-08-23", "2026-08-13", "2026-08-03"]
    assert all("Branch E1" in row and "小检查表" in row for row in rows)
    assert "合格" in rows[2] and "不合格" in rows[1]  # pass and fail
    for visit in (*inspections, shop):  # a manager opens every visit of the branch
        assert f'href="/visits/{visit.uuid}"' in table
    assert re.search(r'<td class="num">\d+\.\d<br>', rows[0])  # the visit's score
    client.post("/logout")
    factories.login(client, users["inspector"])  # reads the staff page, but never opens a mystery shop
    table = client.get(f"/performance/staff/E1-S1?{PERIOD}").get_data(as_text=True).split("table staff-visits")[1]
    assert all(f'href="/visits/{visit.uuid}"' in table for visit in inspections)
    assert f"/visits/{shop.uuid}" not in table and "2026-08-23" in table


def test_the_staff_page_of_another_scope_is_not_found(client, history, users):
    factories.login(client, users["manager"])
    assert client.get(f"/performance/staff/W1-S1?{PERIOD}").status_code == 404


@pytest.mark.parametrize(("url", "back"), [
    ("/visits/{uuid}/scorecard", "/visits/{uuid}"),
    (f"/staff/E1-S1/scorecard?{PERIOD}", "/performance/staff/E1-S1?from=2026-08-01&amp;to=2026-10-31"),
    (f"/branches/E1/scorecard?{PERIOD}", "/performance/?branch=E1&amp;from=2026-08-01&amp;to=2026-10-31"),
])
def test_scorecard_previews_lead_back_into_the_app(client, history, users, url, back):
    visit = history[0]
    factories.login(client, users["manager"])
    page = client.get(url.format(uuid=visit.uuid)).get_data(as_text=True)
    bar = page.split('<nav class="screen-only backbar"')[1].split("</nav>")[0]
    assert 'href="/"' in bar and f'href="{back.format(uuid=visit.uuid)}"' in bar and "← 返回" in bar
    assert "@media print { .backbar { display: none; } }" in page


def test_the_pdf_has_no_back_bar(app, history):
    with app.test_request_context():
        html = app.jinja_env.get_template("scorecards/visit.html").render(pdf=True, **visit_context(history[0]))
        assert "backbar" not in html and "data-print" not in html
        pdf, missing = render_pdf_reporting("scorecards/visit.html", set(), **visit_context(history[0]))
    assert pdf.startswith(b"%PDF") and not missing
