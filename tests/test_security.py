"""Hardening: sign-in throttling, headers and cookies, CSRF, hostile input, exports, shoppers kept unknown."""

from __future__ import annotations

import csv
import io
import json
import os
import threading
import uuid

import pytest
import redis
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select

from inspection import create_app
from inspection.config import from_environment
from inspection.extensions import db, media_store
from inspection.photos.processing import process
from inspection.review.services import review
from inspection.visits.models import Visit
from inspection.visits.services import submit_visit

from . import factories
from .conftest import _test_config
from .factories import bearer


def _failed_login(client, email: str):
    return client.post("/login", data={"email": email, "password": "not-the-password"})


def test_an_account_is_throttled_after_ten_failed_sign_ins(app, client, users):
    for _ in range(10):
        assert _failed_login(client, users["inspector"].email).status_code == 400
    blocked = client.post("/login", data={"email": users["inspector"].email, "password": factories.PASSWORD})
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert "尝试次数过多" in blocked.get_data(as_text=True)
    factories.login(client, users["manager"])  # another account from the same address is not held up


def test_an_address_is_throttled_after_thirty_failed_sign_ins(app, client, users):
    for number in range(30):
        assert _failed_login(client, f"guess{number}@example.com").status_code == 400
    assert _failed_login(client, "guess-again@example.com").status_code == 429


def test_each_app_counts_in_its_own_storage(app, client, users, database, tmp_path):
    for _ in range(10):
        assert _failed_login(client, users["inspector"].email).status_code == 400
    # A second app in the same process, pointed at a Redis that is not there, changes nothing for the first.
    other = create_app(_test_config({**database, "REDIS_URL": "redis://127.0.0.1:1/0"}, tmp_path / "other"))
    assert other.extensions["inspection.limiter"][0] is not app.extensions["inspection.limiter"][0]
    assert _failed_login(client, users["inspector"].email).status_code == 429
    assert _failed_login(client, users["manager"].email).status_code == 400


def test_password_hashing_is_bounded_and_a_wait_too_long_is_a_429(app, client, users):
    app.config["PASSWORD_HASH_WAIT"] = 0.2
    factories.login(client, users["manager"])
    slots, held = app.extensions["password_hash_slots"], 0
    while slots.acquire(blocking=False):  # every slot busy: other sign-ins are hashing right now
        held += 1
    try:
        busy = app.test_client().post("/login", data={"email": users["inspector"].email,
                                                      "password": factories.PASSWORD})
        assert busy.status_code == 429 and busy.headers["Retry-After"] == "5"
    finally:
        for _ in range(held):
            slots.release()


def test_pages_carry_security_headers_and_private_pages_are_not_cached(client, users):
    factories.login(client, users["inspector"])
    page = client.get("/visits")
    policy = page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy and "unsafe-inline" not in \
        policy.split("script-src")[1].split(";")[0]
    assert (page.headers["X-Content-Type-Options"], page.headers["Referrer-Policy"]) == ("nosniff", "same-origin")
    assert page.headers["Cache-Control"] == "no-store"
    static = client.get("/static/css/app.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")
    static.close()
    assert "onclick" not in client.get("/visits").get_data(as_text=True)


def test_the_session_cookie_is_lax_http_only_and_secure_over_https(app, users):
    for base, secure in (("http://localhost", False), ("https://localhost", True)):
        client = app.test_client()
        response = client.post("/login", base_url=base,
                               data={"email": users["inspector"].email, "password": factories.PASSWORD})
        cookie = response.headers["Set-Cookie"]
        assert "SameSite=Lax" in cookie and "HttpOnly" in cookie and ("Secure" in cookie) is secure


@pytest.mark.parametrize(("raw", "value"), [("false", False), ("true", True)])
def test_boolean_settings_read_from_the_environment_are_booleans(raw, value):
    settings = from_environment({"INSPECTION_SESSION_COOKIE_SECURE": raw}, {"SESSION_COOKIE_SECURE": False})
    assert settings["SESSION_COOKIE_SECURE"] is value
    with pytest.raises(RuntimeError, match="SESSION_COOKIE_SECURE"):
        from_environment({"INSPECTION_SESSION_COOKIE_SECURE": "1"}, {"SESSION_COOKIE_SECURE": False})


def test_a_junk_bearer_header_does_not_spare_a_browser_session_the_csrf_check(app, users, small):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"email": users["inspector"].email, "password": factories.PASSWORD, "csrf_token": token})
    forged = client.post("/api/v1/visits", json=factories.api_visit(), headers=bearer("insp_junk"))
    assert forged.status_code == 400 and db.session.scalar(select(Visit.id)) is None


@pytest.mark.parametrize(("method", "path", "data"), [
    ("post", "/login", {"email": "a\x00@example.com", "password": "x"}),
    ("get", "/visits?page=1\x00", None),
    ("get", "/performance/staff/E1\x00S1", None),
])
def test_nul_characters_are_refused_before_any_query(client, users, org, method, path, data):
    factories.login(client, users["manager"])
    response = getattr(client, method)(path, data=data)
    assert response.status_code == 400 and "无法保存的字符" in response.get_data(as_text=True)


def test_unstorable_or_oversized_json_is_refused(client, tokens, small, org):
    headers = bearer(tokens["inspector"])
    surrogate = json.dumps(factories.api_visit(notes={"clean": "\ud800"}))
    assert client.post("/api/v1/visits", data=surrogate, content_type="application/json",
                       headers=headers).status_code == 400
    deep: dict = {}
    for _ in range(30):
        deep = {"x": deep}
    nested = client.post("/api/v1/visits", json=factories.api_visit(answers=deep), headers=headers)
    assert nested.status_code == 400 and "nested" in nested.get_json()["error"]
    long_note = client.post("/api/v1/visits", json=factories.api_visit(notes={"clean": "长" * 4001}), headers=headers)
    assert long_note.status_code == 422 and long_note.get_json()["details"][0]["code"] == "note_too_long"
    assert client.get(f"/actions/{2**63}", headers=headers).status_code == 404


def test_photos_too_large_together_or_too_long_a_side_are_refused_before_decoding(app, client, tokens, small):
    app.config["MAX_REQUEST_PIXELS"] = 1_000_000
    headers = bearer(tokens["inspector"])
    photos = [(io.BytesIO(factories.jpeg_bytes(800, 800)), f"{n}.jpg") for n in range(2)]
    data = {"visit": json.dumps(factories.api_visit()), "photo.overview": photos}
    too_many = client.post("/api/v1/visits", data=data, headers=headers, content_type="multipart/form-data")
    assert too_many.status_code == 413
    app.config["MAX_REQUEST_PIXELS"] = 10**9
    strip = io.BytesIO()
    Image.new("L", (17_000, 2)).save(strip, "PNG")
    data = {"visit": json.dumps(factories.api_visit()), "photo.overview": (io.BytesIO(strip.getvalue()), "s.png")}
    refused = client.post("/api/v1/visits", data=data, headers=headers, content_type="multipart/form-data")
    assert refused.status_code == 422 and "a side has at most" in refused.get_json()["details"][0]["message"]


def test_a_jpeg_comment_does_not_survive_processing():
    out = io.BytesIO()
    Image.new("RGB", (64, 48)).save(out, "JPEG", comment=b"shot by employee 4711")
    photo = process(out.getvalue(), 10**7, 10**8)
    assert b"employee 4711" not in photo.image and b"employee 4711" not in photo.thumbnail


def _visit_with_text(users, text: str):
    sub = factories.submission(answers={"clerk": "E1-S1", "clean": False, "greet": 2, "note": text},
                               notes={"clean": text})
    visit, _ = submit_visit(users["inspector"], factories.small_checklist(), sub)
    review(users["manager"], visit, "release")
    db.session.commit()
    return visit


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://evil.example\",\"x\")", "+cmd|' /C calc'!A0", "@SUM(1)",
                                  "-2+3", "\tx"])
def test_exports_write_formulas_as_text(app, client, users, org, text):
    app.config["CHECKLIST_DIR"] = str(factories.FIXTURES)
    _visit_with_text(users, text)
    factories.login(client, users["manager"])
    period = "from=2026-11-01&to=2026-11-30"
    rows = list(csv.reader(io.StringIO(client.get(f"/exports/answers.csv?{period}&header=ids").get_data(as_text=True))))
    columns = {name.lstrip("\ufeff"): index for index, name in enumerate(rows[0])}
    notes = [row[columns["note"]] for row in rows[1:] if row[columns["item"]] == "clean"]
    assert notes == ["'" + text]
    xlsx = client.get(f"/exports/answers.xlsx?{period}")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    xlsx.close()
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value and str(cell.value).endswith(text)]
    assert cells and all(cell.data_type == "s" for cell in cells)


def test_checklist_text_cannot_close_the_script_block(app, client, users, org, tmp_path):
    hostile = factories.SMALL_CHECKLIST.replace("text: 整洁", 'text: "整洁</script><script>alert(1)</script>"')
    (tmp_path / "small.yaml").write_text(hostile, encoding="utf-8")
    app.config["CHECKLIST_DIR"] = str(tmp_path)
    factories.login(client, users["inspector"])
    page = client.get("/checklists/small/new?branch=E1").get_data(as_text=True)
    block = page.split('id="checklist-data">')[1].split("</script>")[0]
    assert "<script>alert" not in page.split("<main>")[1].split('<script type="module"')[0]
    assert json.loads(block)["sections"][0]["items"][1]["text"] == "整洁</script><script>alert(1)</script>"


def test_imports_refuse_codes_the_form_refuses_and_show_long_refusals_on_the_page(client, users, org):
    factories.login(client, users["admin"])
    rows = "".join(f'Q"{n}; filename=evil.html,名字,E1,营业员\n' for n in range(300))
    page = client.post("/admin/staff/import", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(("code,name,branch,position\n" + rows).encode()), "s.csv")})
    assert page.status_code == 422 and page.get_data(as_text=True).count("“code”只能包含字母、数字、- 和 _") == 300
    assert len(page.headers.get("Set-Cookie", "")) < 4000


def test_visit_pdfs_are_cached_per_language(app, client, users, org):
    app.config["CHECKLIST_DIR"] = str(factories.FIXTURES)
    visit = _visit_with_text(users, "好")
    factories.login(client, users["manager"])
    client.get(f"/visits/{visit.uuid}/scorecard.pdf")
    client.post("/language", data={"locale": "en"})
    client.get(f"/visits/{visit.uuid}/scorecard.pdf")
    cached = sorted(stored.key.split("-")[-2] for stored in media_store().objects("scorecards/"))
    assert cached == ["en", "zh_Hans_CN"]


def test_inspectors_never_see_mystery_shops_nor_who_shopped(app, client, users, org):
    app.config["CHECKLIST_DIR"] = str(factories.FIXTURES)
    shop, _ = submit_visit(users["shopper"], factories.small_checklist("mystery_shop"), factories.submission())
    review(users["manager"], shop, "release")
    db.session.commit()
    factories.login(client, users["inspector"])
    assert client.get(f"/visits/{shop.uuid}").status_code == 404
    assert client.get(f"/visits/{shop.uuid}/scorecard.pdf").status_code == 404
    assert str(shop.uuid) not in client.get("/visits").get_data(as_text=True)
    assert str(shop.uuid) not in client.get("/exports/visits.csv?from=2026-11-01&to=2026-11-30").get_data(as_text=True)
    client.post("/logout")
    factories.login(client, users["manager"])
    assert users["shopper"].name in client.get(f"/visits/{shop.uuid}/scorecard").get_data(as_text=True)


def test_concurrent_sign_ins_all_succeed_within_the_hashing_bound(app, users):
    app.config.update(PASSWORD_HASH_SLOTS=1, PASSWORD_HASH_WAIT=30)
    app.extensions.pop("password_hash_slots", None)
    emails = [users[role].email for role in ("admin", "manager", "inspector", "shopper")]
    db.session.commit()  # the threads' own sessions must see these users
    statuses: list[int] = []

    def sign_in(email: str) -> None:
        statuses.append(app.test_client().post("/login", data={"email": email,
                                                                "password": factories.PASSWORD}).status_code)

    threads = [threading.Thread(target=sign_in, args=(email,)) for email in emails]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [302] * 4  # the hashes queued for the one slot instead of failing


def test_sign_in_limits_are_shared_through_redis_by_every_worker(app, users, database, tmp_path):
    """Two app processes (here two apps) counting in one Redis refuse the eleventh try together."""
    redis_url = os.environ.get("INSPECTION_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        with redis.Redis.from_url(redis_url, socket_connect_timeout=2) as connection:
            connection.ping()
    except redis.exceptions.ConnectionError as error:
        if os.environ.get("CI"):
            pytest.fail(f"Redis at {redis_url} is not reachable ({error}); CI must test it", pytrace=False)
        pytest.skip(f"Redis at {redis_url} is not reachable")
    prefix = f"test-{uuid.uuid4().hex}"
    workers = [create_app({**_test_config(database, tmp_path / "media"), "REDIS_URL": redis_url,
                           "RATELIMIT_KEY_PREFIX": prefix}) for _ in range(2)]
    db.session.commit()  # the users, for the other apps' sessions
    email = users["inspector"].email
    try:
        for number in range(10):
            assert _failed_login(workers[number % 2].test_client(), email).status_code == 400
        assert _failed_login(workers[0].test_client(), email).status_code == 429
        assert _failed_login(workers[1].test_client(), email).status_code == 429
    finally:
        for worker in workers:
            with worker.app_context():
                db.session.remove()
                db.engine.dispose()


def test_huge_page_numbers_are_the_last_page_not_an_error(client, users):
    factories.login(client, users["manager"])
    assert client.get(f"/visits?page={10**30}").status_code == 200
    assert client.get(f"/admin/audit/?page={2**70}").status_code == 403
