"""Pages, exports and dashboards ask the database a fixed number of questions, however much data there is."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta, timezone

import pytest

from inspection.extensions import db, media_store
from inspection.photos.processing import process
from inspection.photos.storage import write_with_files
from inspection.review.correction import Correction, resubmit
from inspection.review.services import review
from inspection.visits.services import submit_visit

from . import factories

PERIOD = "from=2026-08-01&to=2026-10-31"
LISTS = ["/", "/visits", f"/exports/visits.csv?{PERIOD}", f"/exports/answers.csv?{PERIOD}",
         f"/exports/visits.xlsx?{PERIOD}", f"/performance/?{PERIOD}", f"/performance/leaderboard?{PERIOD}",
         f"/performance/servqual?{PERIOD}", f"/performance/staff/E1-S1?{PERIOD}",
         f"/api/v1/branches/E1/performance?{PERIOD}", f"/api/v1/staff/E1-S1/performance?{PERIOD}",
         f"/branches/E1/scorecard?{PERIOD}"]


@pytest.fixture
def admin_client(app, client, org, users):
    app.config["CHECKLIST_DIR"] = str(factories.FIXTURES)
    factories.login(client, users["admin"])
    return client


def _add_visits(app, user, count: int, start: datetime) -> list:
    """Submit and release visits with a photo each, attributed to E1-S1 or E1-S2 in turn."""
    photo = process(factories.jpeg_bytes(64, 64), 10**7, 10**8)
    visits = []
    for index in range(count):
        moment = start + timedelta(days=index)
        sub = factories.submission(answers={"clerk": f"E1-S{index % 2 + 1}", "clean": index % 3 > 0, "greet": 2},
                                   notes={"clean": "地面"}, started_at=moment - timedelta(minutes=20),
                                   finished_at=moment, photos=[("overview", photo)])
        with write_with_files(media_store()) as files:
            visit, _ = submit_visit(user, factories.small_checklist(), sub, files)
            review(user, visit, "release")
        visits.append(visit)
    return visits


def _queries(client, count_queries, path: str) -> int:
    client.get("/visits")  # the signed-in user is read again after every commit: keep that out of the count
    with count_queries() as statements:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        response.get_data()  # streamed exports run their queries while being read
        response.close()
    return len(statements)


@pytest.mark.parametrize("path", LISTS)
def test_lists_exports_and_dashboards_do_not_grow_with_the_data(app, admin_client, users, count_queries, path):
    start = datetime(2026, 8, 3, 10, tzinfo=timezone.utc)
    _add_visits(app, users["admin"], 2, start)
    few = _queries(admin_client, count_queries, path)
    _add_visits(app, users["admin"], 6, start + timedelta(days=10))
    assert _queries(admin_client, count_queries, path) == few


def test_the_visit_page_does_not_grow_with_its_history(app, admin_client, users, count_queries):
    start = datetime(2026, 8, 3, 10, tzinfo=timezone.utc)
    simple, busy = _add_visits(app, users["admin"], 2, start)
    db.session.commit()
    photo = process(factories.jpeg_bytes(48, 48), 10**7, 10**8)
    inspector = factories.make_user("inspector", regions=("East",))
    busy.status, busy.submitter_id = "in_review", inspector.id
    for version in range(3):  # returned and corrected three times, with more photos each time
        review(users["manager"], busy, "return", f"第 {version + 1} 次退回", {"greet": "请复核"})
        answers = {"clerk": "E1-S2", "clean": True, "greet": version + 1}
        with write_with_files(media_store()) as files:
            resubmit(inspector, busy, Correction(answers, {}, photos=[("clean", photo)]), files)
    db.session.commit()
    assert len(busy.events) > len(simple.events) + 5 and len(busy.photos) > len(simple.photos)
    assert _queries(admin_client, count_queries, f"/visits/{busy.uuid}") == \
        _queries(admin_client, count_queries, f"/visits/{simple.uuid}")


def test_a_photo_shared_by_many_visits_is_served_with_one_lookup(app, admin_client, users, count_queries):
    """Files are named by content: the demo's three pictures stand in hundreds of visits."""
    start = datetime(2026, 8, 3, 10, tzinfo=timezone.utc)
    [visit] = _add_visits(app, users["admin"], 1, start)
    path = f"/photos/{visit.photos[0].stored_name}"
    one = _queries(admin_client, count_queries, path)
    _add_visits(app, users["admin"], 6, start + timedelta(days=10))  # the same picture, six more times
    assert _queries(admin_client, count_queries, path) == one


def test_a_new_visit_reads_what_it_checks_once_and_nothing_after_its_commit(app, client, tokens, small, org,
                                                                            count_queries):
    """The submission checks user, branch and staff before its photo files are written, then stores that check."""
    def send():
        data = {"visit": json.dumps(factories.api_visit()),
                "photo.overview": (io.BytesIO(factories.jpeg_bytes(64, 64)), "a.jpg")}
        return client.post("/api/v1/visits", data=data, headers=factories.bearer(tokens["inspector"]),
                           content_type="multipart/form-data")

    assert send().status_code == 201  # the first loads the catalog and the frozen checklist, once for all
    with count_queries() as statements:
        response = send()
    assert response.status_code == 201, response.get_json()
    selects = [statement for statement in statements if statement.lstrip().upper().startswith("SELECT")]
    read = {table: sum(f"FROM {table}" in statement for statement in selects)
            for table in ("users", "staff", "user_regions", "checklist_versions")}
    assert read == {"users": 0, "staff": 1, "user_regions": 1, "checklist_versions": 1}, "\n\n".join(selects)
    # The token's row and its user in one query; the id looked up once, before any photo is read (one stored by
    # another request meanwhile is found by the insert, see test_races).
    assert sum("FROM api_tokens" in statement for statement in selects) == 1
    assert sum("FROM visits" in statement and "visits.uuid =" in statement for statement in selects) == 1
    # The answer is made from the visit as stored, not read back after the commit.
    assert not [statement for statement in selects if "FROM visits \nWHERE visits.id =" in statement]
