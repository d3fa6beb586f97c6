"""Server-rendered pages: the scoring form, visit pages, photos, admin pages, language."""

from __future__ import annotations

import io
import json
import uuid

import pytest
from sqlalchemy import event, select

from inspection.catalog.models import ChecklistVersion
from inspection.catalog.services import get_catalog
from inspection.db import WRITE_OPTION
from inspection.extensions import db
from inspection.org.models import Branch, Staff
from inspection.visits.models import Visit

from . import factories


@pytest.fixture
def login(client):
    def sign_in(user):
        factories.login(client, user)
        return client
    return sign_in


# Every page a role may open, and what the others get.
PAGES = [
    ("/", {"admin": 200, "manager": 200, "inspector": 200, "shopper": 200}),
    ("/visits", {"admin": 200, "manager": 200, "inspector": 200, "shopper": 200}),
    ("/checklists/branch-inspection", {"admin": 200, "manager": 404, "inspector": 200, "shopper": 404}),
    ("/checklists/mystery-shop/new?branch=E1", {"admin": 200, "manager": 404, "inspector": 404, "shopper": 200}),
    ("/checklists/call-qc/new?branch=W1", {"admin": 200, "manager": 404, "inspector": 404, "shopper": 404}),
    ("/admin/branches", {"admin": 200, "manager": 403, "inspector": 403, "shopper": 403}),
    ("/admin/staff/new", {"admin": 200, "manager": 403, "inspector": 403, "shopper": 403}),
]


@pytest.mark.parametrize(("path", "expected"), PAGES)
def test_who_may_open_which_page(role_client, path, expected):
    role, client = role_client
    assert client.get(path).status_code == expected[role]


@pytest.mark.parametrize("path", [path for path, _ in PAGES])
def test_every_page_needs_a_login(client, path):
    assert client.get(path).status_code == 302


def test_the_form_has_a_widget_for_every_item(login, users, org):
    client = login(users["inspector"])
    page = client.get("/checklists/branch-inspection/new?branch=E1").get_data(as_text=True)
    checklist = json.loads(page.split('id="checklist-data">')[1].split("</script>")[0])
    for section in checklist["sections"]:
        for item in section["items"]:
            assert f'data-item="{item["id"]}"' in page
    assert 'class="stopwatch" data-limit="5.0"' in page
    assert 'name="na.writing-desk"' in page
    assert 'accept="image/*" capture="environment"' in page
    # Staff come from the scope the device keeps (the page serves every branch): the inspector's, not W1's.
    assert "<select" in page and "data-staff" in page and "Staff E1-1" not in page
    scope = {branch["code"]: branch["staff"] for branch in client.get("/api/v1/branches").get_json()}
    assert [member["code"] for member in scope["E1"]] == ["E1-S1", "E1-S2"] and "W1" not in scope
    assert page.count('src="/static/js/form.js"') == 1 and "http" not in page.split("<main>")[1].split("<script")[0]


def test_mystery_shops_ask_for_date_and_times(login, users, org):
    page = login(users["shopper"]).get("/checklists/mystery-shop/new?branch=E1").get_data(as_text=True)
    for name in ("visit-date", "time-in", "time-out"):
        assert f'name="{name}"' in page


def _submit_with_photo(client) -> Visit:
    """Submit a visit of the small checklist with one photo, as the signed-in client."""
    body = factories.api_visit()
    data = {"visit": json.dumps(body), "photo.overview": (io.BytesIO(factories.jpeg_bytes(64, 64)), "p.jpg")}
    response = client.post("/api/v1/visits", data=data, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    return db.session.scalar(select(Visit).where(Visit.uuid == uuid.UUID(body["id"])))


def test_visit_page_shows_score_answers_notes_photos_and_staff(app, login, users, org):
    app.config["CHECKLIST_DIR"] = str(factories.FIXTURES)
    client = login(users["inspector"])
    visit = _submit_with_photo(client)
    page = client.get(f"/visits/{visit.uuid}").get_data(as_text=True)
    assert "100.0" in page and "小检查表" in page
    assert "干净" in page  # the note
    assert "3.5 秒（标准 5 秒）" in page
    assert "E1-S1 Staff E1-1" in page
    [photo] = visit.photos
    assert f"/photos/{photo.stored_name.replace('.jpg', '-thumb.jpg')}" in page
    for path in (f"/photos/{photo.stored_name}", f"/photos/{photo.stored_name.replace('.jpg', '-thumb.jpg')}"):
        response = client.get(path)
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        response.close()


def test_shoppers_cannot_open_each_others_visits_or_photos(app, client, users, org):
    app.config["CHECKLIST_DIR"] = str(factories.FIXTURES)
    factories.login(client, users["admin"])
    admin_visit = _submit_with_photo(client)
    client.post("/logout")
    factories.login(client, users["shopper"])
    assert client.get(f"/visits/{admin_visit.uuid}").status_code == 404
    assert client.get(f"/photos/{admin_visit.photos[0].stored_name}").status_code == 404
    assert str(admin_visit.uuid) not in client.get("/visits").get_data(as_text=True)


def test_critical_failures_come_first_on_the_visit_page(app, login, users, org):
    app.config["CHECKLIST_DIR"] = str(factories.FIXTURES)
    client = login(users["inspector"])
    body = factories.api_visit(answers={"clerk": "E1-S1", "clean": True, "greet": 9})
    client.post("/api/v1/visits", json=body)
    page = client.get(f"/visits/{body['id']}").get_data(as_text=True)
    assert page.index("critical-box") < page.index("<h2>大厅</h2>")


# -- admin ------------------------------------------------------------------------------------

def test_admin_edits_searches_and_deactivates_staff(login, users, org):
    client = login(users["admin"])
    branch = org.branches["W1"]
    response = client.post("/admin/staff/new",
                           data={"code": "N1", "name": "新员工", "branch_id": branch.id, "position": "营业员"})
    assert response.status_code == 302
    member = db.session.scalar(select(Staff).where(Staff.code == "N1"))
    assert (member.name, member.branch.code, member.active) == ("新员工", "W1", True)
    duplicate = client.post("/admin/staff/new", data={"code": "N1", "name": "x", "branch_id": branch.id})
    assert "编码 N1 已被使用。" in duplicate.get_data(as_text=True)
    listing = client.get("/admin/staff?q=新员").get_data(as_text=True)
    assert "N1" in listing and "E1-S1" not in listing
    client.post(f"/admin/staff/{member.id}/active", data={"active": "0"})
    db.session.refresh(member)
    assert member.active is False


def test_admin_imports_csv_through_the_cli_code(login, users, org):
    client = login(users["admin"])
    csv = "code,name,region,address\nE1,改名,East,\nN9,新厅,North,路9号\n".encode()
    response = client.post("/admin/branches/import", data={"file": (io.BytesIO(csv), "b.csv")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200
    assert db.session.scalar(select(Branch.name).where(Branch.code == "E1")) == "改名"
    bad = "code,name,region,address\nN8,,North,\n".encode()
    page = client.post("/admin/branches/import", data={"file": (io.BytesIO(bad), "b.csv")},
                       content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "第 2 行：“name”为空" in page
    assert db.session.scalar(select(Branch).where(Branch.code == "N8")) is None


def test_language_is_remembered_per_user(login, users):
    client = login(users["manager"])
    assert "<h1>检查记录</h1>" in client.get("/visits").get_data(as_text=True)
    client.post("/language", data={"locale": "en"})
    assert users["manager"].locale == "en"
    assert "<h1>Visits</h1>" in client.get("/visits").get_data(as_text=True)


def test_a_phones_first_load_of_the_form_stays_under_150_kb(login, users, org):
    client = login(users["shopper"])
    page = client.get("/checklists/mystery-shop/new?branch=E1")
    html = page.get_data(as_text=True)
    assert 'href="/static/css/app.css?v=' in html and 'src="/static/js/form.js"' in html
    total = len(page.data)
    for asset in ("/static/css/app.css", "/static/js/form.js", "/static/js/engine.js", "/static/js/photos.js",
                  "/static/js/feedback.js", "/static/js/times.js", "/static/js/widgets.js"):
        response = client.get(asset)
        assert response.status_code == 200
        if asset == "/static/js/form.js":
            assert 'from "./engine.js"' in response.get_data(as_text=True)
        total += len(response.data)
        response.close()
    # Counted uncompressed, so a phone receives at most this much; nothing is fetched from elsewhere.
    assert total < 150 * 1024, total
    assert "http://" not in html and "https://" not in html


def test_reading_pages_writes_nothing_once_the_catalog_is_loaded(login, users, org, count_queries):
    """The catalog freezes a version when it loads it; rendering the form or serving a checklist writes nothing."""
    client = login(users["inspector"])
    client.get("/")  # the first request of this app loads the catalog and freezes its versions
    frozen = set(db.session.scalars(select(ChecklistVersion.version)))
    assert frozen == {checklist.version for checklist in get_catalog().checklists.values()}
    write_transactions = []

    def on_begin(connection):
        if connection.get_execution_options().get(WRITE_OPTION):
            write_transactions.append(connection)

    event.listen(db.engine, "begin", on_begin)
    try:
        with count_queries() as statements:
            for path in ("/checklists/branch-inspection/new?branch=E1", "/api/v1/checklists/branch-inspection",
                         "/api/v1/checklists", "/visits", "/"):
                assert client.get(path).status_code == 200, path
    finally:
        event.remove(db.engine, "begin", on_begin)
    writes = [s for s in statements if s.lstrip().split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]
    assert statements and not writes and not write_transactions, writes
