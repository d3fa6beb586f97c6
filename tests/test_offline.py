"""What a device fetches to work offline: manifest, worker, the user's pages, session state, typed CSRF refusals."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from PIL import Image

from inspection import access
from inspection.catalog.services import get_catalog

from . import factories
from .conftest import ROLES


def test_the_manifest_makes_the_app_installable(client):
    response = client.get("/manifest.webmanifest")
    manifest = response.get_json(force=True)
    assert response.mimetype == "application/manifest+json"
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/" and manifest["lang"] == "zh-CN"
    assert manifest["name"] == "服务质量检查"
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200
        with Image.open(BytesIO(image.data)) as picture:
            assert f"{picture.width}x{picture.height}" == icon["sizes"]
        image.close()


def test_the_service_worker_comes_from_the_root_and_is_always_checked_for_updates(client):
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert b'addEventListener("fetch"' in response.data
    response.close()


def test_every_page_names_the_shell_version_its_worker_is_registered_with(client, users, app):
    factories.login(client, users["inspector"])
    page = client.get("/").get_data(as_text=True)
    version = re.search(r'data-shell="([0-9a-f]{16})"', page).group(1)
    assert version == app.config["SHELL_VERSION"]


def test_the_session_state_answers_json_signed_in_or_not(client, users):
    refused = client.get("/offline/session")
    assert refused.status_code == 401 and refused.get_json()["error"]
    factories.login(client, users["shopper"])
    state = client.get("/offline/session").get_json()
    assert state["user"] == str(users["shopper"].id) and state["csrf"]
    assert client.get("/offline/pages").get_json()["user"] == str(users["shopper"].id)


@pytest.mark.parametrize("role", ROLES)
def test_a_device_keeps_exactly_the_forms_its_user_may_fill_and_every_one_opens(client, users, role, small):
    factories.login(client, users[role])
    listing = client.get("/offline/pages").get_json()
    fillable = {c.id for c in get_catalog().checklists.values() if access.can(users[role], "checklist.fill", c)}
    forms = {url.split("/")[2] for url in listing["urls"] if url.endswith("/new")}
    assert forms == fillable
    for url in listing["urls"]:
        assert client.get(url).status_code == 200, url  # a page the device cannot fetch would break warm-up


def without_csrf_tokens(page: str) -> str:
    """Return the page with its CSRF tokens blanked: they carry the second they were signed in."""
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]+', r"\1", page)


def test_the_form_page_is_the_same_for_every_branch_in_scope_and_refuses_others(client, users, org, small):
    factories.login(client, users["inspector"])
    inspector = users["inspector"]
    checklist = next(c for c in get_catalog().checklists.values() if access.can(inspector, "checklist.fill", c))
    plain = without_csrf_tokens(client.get(f"/checklists/{checklist.id}/new").get_data(as_text=True))
    assert 'name="csrf_token" value="">' in plain
    for code in ("E1", "E2"):
        page = client.get(f"/checklists/{checklist.id}/new?branch={code}").get_data(as_text=True)
        assert without_csrf_tokens(page) == plain
    assert client.get(f"/checklists/{checklist.id}/new?branch=W1").status_code == 404  # another region


def test_a_stale_csrf_token_is_refused_with_a_code_the_outbox_acts_on(app, users, small):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"email": users["inspector"].email, "password": factories.PASSWORD, "csrf_token": token})
    refused = client.post("/api/v1/visits", json=factories.api_visit(), headers={"X-CSRFToken": "stale"})
    assert refused.status_code == 400 and refused.get_json()["code"] == "csrf"
    fresh = client.get("/offline/session").get_json()["csrf"]
    accepted = client.post("/api/v1/visits", json=factories.api_visit(), headers={"X-CSRFToken": fresh})
    assert accepted.status_code == 201, accepted.get_json()


def test_pages_and_json_go_compressed_to_browsers_that_ask(client, users):
    factories.login(client, users["inspector"])
    response = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
