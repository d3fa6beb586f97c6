"""The review inbox (filters, counts, scope) and coverage (page, export, API, the branch scorecard's own)."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from inspection.catalog.services import get_catalog
from inspection.coverage.services import branch_coverage, coverage
from inspection.extensions import db
from inspection.plans import services
from inspection.review.services import review
from inspection.visits.services import submit_visit

from . import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def visits(users, org, small):
    """Submit four visits: two by the inspector at E1 (one returned), one at E2, one by an admin at W1."""
    checklist = get_catalog().checklists["small"]
    inspector2 = factories.make_user("inspector", regions=("East",))
    made = {}
    for name, user, branch, day in [("a", users["inspector"], "E1", 1), ("b", users["inspector"], "E1", 2),
                                    ("c", inspector2, "E2", 3), ("d", users["admin"], "W1", 4)]:
        finished = datetime(2026, 11, day, 10, tzinfo=timezone.utc)
        made[name], _ = submit_visit(user, checklist, factories.submission(
            branch, started_at=finished - timedelta(minutes=20), finished_at=finished))
    review(users["manager"], made["b"], "return", "redo the lobby photo")
    db.session.commit()
    made["inspector2"] = inspector2
    return made


def _rows(client, query=""):
    page = client.get(f"/visits?{query}")
    assert page.status_code == 200, page.get_data(as_text=True)[:300]
    return page.get_data(as_text=True)


def test_the_inbox_filters_by_state_branch_period_and_submitter(client, users, visits):
    factories.login(client, users["manager"])
    page = _rows(client)
    assert "3 visits" in page or "3 次" in page or page.count('href="/visits/') >= 3
    assert page.count("/visits/" + str(visits["d"].uuid)) == 0  # West is not the manager's
    returned = _rows(client, "status=returned")
    assert str(visits["b"].uuid) in returned and str(visits["a"].uuid) not in returned
    by_branch = _rows(client, "branch=E2")
    assert str(visits["c"].uuid) in by_branch and str(visits["a"].uuid) not in by_branch
    by_day = _rows(client, "from=2026-11-02&to=2026-11-02")
    assert str(visits["b"].uuid) in by_day and str(visits["c"].uuid) not in by_day
    by_person = _rows(client, f"submitter={visits['inspector2'].id}")
    assert str(visits["c"].uuid) in by_person and str(visits["a"].uuid) not in by_person
    oldest = _rows(client, "sort=oldest")
    assert oldest.index(str(visits["a"].uuid)) < oldest.index(str(visits["c"].uuid))


def test_the_submitter_filter_is_for_reviewers_only(client, users, visits):
    factories.login(client, users["inspector"])
    page = _rows(client, f"submitter={visits['inspector2'].id}")
    assert 'name="submitter"' not in page
    assert str(visits["c"].uuid) in page  # the filter is ignored, the list stays what the policy shows


def test_a_shopper_sees_their_returned_visit_and_the_state_column(client, users, visits):
    factories.login(client, users["inspector"])
    page = _rows(client)
    assert "status-returned" in page
    home = client.get("/").get_data(as_text=True)
    assert f"/visits/{visits['b'].uuid}/correct" in home


@pytest.mark.parametrize("query", ["status=lost", "sort=random", "from=2026-02-30", "submitter=-1",
                                   "from=2026-03-01&to=2026-02-01", "submitter=１２"])
def test_bad_inbox_filters_are_named(client, users, visits, query):
    factories.login(client, users["manager"])
    assert client.get(f"/visits?{query}").status_code == 400


def test_the_manager_home_counts_what_waits(client, users, visits):
    factories.login(client, users["manager"])
    page = client.get("/").get_data(as_text=True)
    counts = page.split('id="manager-counts"')[1].split("</section>")[0]
    assert "status=submitted" in counts and "<strong>2</strong>" in counts  # a and c wait for review
    assert "<strong>1</strong>" in counts  # b is returned


def _assign(manager, assignee, branch, start, end, checklist="small"):
    draft = services.Draft(branch=branch, checklist=get_catalog().checklists[checklist], assignee=assignee,
                           window_start=start, window_end=end)
    return services.assign(manager, draft)


# "Now" for the planned month: after its windows but one, so that the counts stay what they were on that day.
NOW = datetime(2026, 11, 20, 12, tzinfo=SHANGHAI)


@pytest.fixture
def planned(users, org, small):
    """Plan four November assignments at E1 and one at W1; one done on time, one late, one missed, one open."""
    manager, inspector, admin = users["manager"], users["inspector"], users["admin"]
    start = datetime(2026, 11, 1, tzinfo=SHANGHAI)
    rows = [_assign(manager, inspector, org.branches["E1"], start, start + timedelta(days=d)) for d in (2, 3, 4)]
    rows.append(_assign(manager, inspector, org.branches["E1"], start, NOW + timedelta(days=30)))
    _assign(admin, factories.make_user("inspector", regions=("West",)), org.branches["W1"], start,
            start + timedelta(days=2))
    checklist = get_catalog().checklists["small"]
    for assignment, finished in [(rows[0], start + timedelta(days=1)), (rows[1], start + timedelta(days=5))]:
        visit, _ = submit_visit(inspector, checklist, factories.submission(
            "E1", started_at=finished - timedelta(minutes=20), finished_at=finished))
        services.complete(inspector, assignment, visit)
    db.session.commit()
    return rows


def test_coverage_counts_planned_done_late_missed_and_open(app, users, planned):
    november = (datetime(2026, 11, 1).date(), datetime(2026, 11, 30).date())
    (east,) = coverage(users["manager"], *november, None, NOW, SHANGHAI)
    assert (east.code, east.planned, east.done, east.late, east.missed, east.open) == ("E1", 4, 1, 1, 1, 1)
    assert {row.code for row in coverage(users["admin"], *november, None, NOW, SHANGHAI)} == {"E1", "W1"}
    assert coverage(users["admin"], *november, "West", NOW, SHANGHAI)[0].code == "W1"
    assert coverage(users["manager"], datetime(2026, 12, 1).date(), datetime(2026, 12, 31).date(), None, NOW,
                    SHANGHAI) == []


def test_the_branch_scorecard_shows_no_upcoming_work(app, users, org, planned):
    row = branch_coverage(org.branches["E1"], datetime(2026, 11, 1).date(), datetime(2026, 11, 30).date(), NOW,
                          SHANGHAI)
    assert (row.planned, row.done, row.late, row.missed, row.open) == (3, 1, 1, 1, 0)


def test_coverage_page_export_and_api(client, users, tokens, planned, monkeypatch):
    for module in ("inspection.coverage.views", "inspection.api.views"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: NOW)
    for role in ("inspector", "shopper"):
        assert client.get("/api/v1/coverage", headers=factories.bearer(tokens[role])).status_code == 403
    factories.login(client, users["manager"])
    page = client.get("/coverage?from=2026-11-01&to=2026-11-30")
    assert page.status_code == 200 and "<svg" in page.get_data(as_text=True)
    export = client.get("/coverage.csv?from=2026-11-01&to=2026-11-30")
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1][:8] == ["East", "E1", "Branch E1", "4", "1", "1", "1", "1"]
    api = client.get("/api/v1/coverage?from=2026-11-01&to=2026-11-30", headers=factories.bearer(tokens["manager"]))
    assert api.get_json()["branches"] == [{"branch": "E1", "name": "Branch E1", "region": "East", "planned": 4,
                                           "done": 1, "late": 1, "missed": 1, "open": 1}]
    assert client.get("/coverage?from=2026-11-31").status_code == 400


def test_coverage_defaults_to_the_current_month_on_the_page_and_in_the_api(client, users, tokens, org):
    now = datetime.now(timezone.utc)
    # Starting now: always in the current month where the branches are.
    _assign(users["admin"], users["inspector"], org.branches["E1"], now, now + timedelta(hours=1), "branch-inspection")
    db.session.commit()
    (row,) = client.get("/api/v1/coverage", headers=factories.bearer(tokens["manager"])).get_json()["branches"]
    assert (row["branch"], row["planned"], row["open"]) == ("E1", 1, 1)
    factories.login(client, users["manager"])
    assert "Branch E1" in client.get("/coverage").get_data(as_text=True).split("<tbody>")[1]
