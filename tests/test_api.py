"""JSON API v1: authentication, scope, submission status codes, photos and reading visits."""

from __future__ import annotations

import io
import json
import os
import struct
import time
import zlib

import pytest

from inspection.api.tokens import create_token, revoke_tokens
from inspection.extensions import MEDIA_KEY, db
from inspection.media.store import MediaError
from inspection.visits.models import Photo, Visit

from . import factories
from .factories import bearer, count, media_files

# -- authentication -------------------------------------------------------------------------

def test_api_needs_a_user(client):
    response = client.get("/api/v1/checklists")
    assert response.status_code == 401
    assert response.get_json()["error"].startswith("sign in")


def test_bearer_token_works_until_revoked(client, users, tokens):
    assert client.get("/api/v1/checklists", headers=bearer(tokens["inspector"])).status_code == 200
    revoke_tokens(users["inspector"])
    db.session.commit()
    assert client.get("/api/v1/checklists", headers=bearer(tokens["inspector"])).status_code == 401
    assert client.get("/api/v1/checklists", headers=bearer("insp_forged")).status_code == 401


def test_session_posts_need_the_csrf_header(app, users, small):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"email": users["inspector"].email, "password": factories.PASSWORD, "csrf_token": token})
    body = factories.api_visit()
    assert client.post("/api/v1/visits", json=body).status_code == 400
    assert client.post("/api/v1/visits", json=body, headers={"X-CSRFToken": token}).status_code == 201


def test_token_create_prints_the_token_on_the_last_line(runner, users, client):
    result = runner.invoke(args=["token", "create", users["manager"].email, "--name", "sync"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("insp_")
    assert client.get("/api/v1/branches", headers=bearer(token)).status_code == 200


# -- reading checklists and branches ------------------------------------------------------------

@pytest.mark.parametrize(("role", "expected"), [
    ("inspector", {"branch-inspection", "call-qc"}),
    ("shopper", {"mystery-shop", "servqual-survey"}),
    ("manager", {"branch-inspection", "call-qc", "mystery-shop", "servqual-survey"}),
])
def test_checklists_are_scoped_by_role(client, tokens, role, expected):
    listed = client.get("/api/v1/checklists", headers=bearer(tokens[role])).get_json()
    assert {entry["id"] for entry in listed} == expected


def test_one_checklist_is_enough_to_render_the_form(client, tokens):
    body = client.get("/api/v1/checklists/mystery-shop", headers=bearer(tokens["shopper"])).get_json()
    assert len(body["version"]) == 64
    assert body["checklist"]["sections"][1]["items"][1]["limit"] == 5
    denied = client.get("/api/v1/checklists/branch-inspection", headers=bearer(tokens["shopper"]))
    assert denied.status_code == 404


def test_branches_are_scoped_and_list_active_staff(client, org, tokens):
    org.branches["E1"].staff[1].active = False
    db.session.commit()
    listed = client.get("/api/v1/branches", headers=bearer(tokens["inspector"])).get_json()
    assert [branch["code"] for branch in listed] == ["E1", "E2"]
    assert [member["code"] for member in listed[0]["staff"]] == ["E1-S1"]
    everything = client.get("/api/v1/branches", headers=bearer(tokens["admin"])).get_json()
    assert [branch["code"] for branch in everything] == ["E1", "E2", "W1"]


# -- submitting --------------------------------------------------------------------------------

def test_submit_replay_and_conflict(client, tokens, small):
    body = factories.api_visit()
    created = client.post("/api/v1/visits", json=body, headers=bearer(tokens["inspector"]))
    assert created.status_code == 201, created.get_json()
    summary = created.get_json()
    assert summary == {"id": body["id"], "score": 100.0, "passed": True, "rating": None,
                       "url": f"/visits/{body['id']}"}
    replay = client.post("/api/v1/visits", json=body, headers=bearer(tokens["inspector"]))
    assert (replay.status_code, replay.get_json()) == (200, summary)
    changed = {**body, "answers": {**body["answers"], "clean": False}}
    conflict = client.post("/api/v1/visits", json=changed, headers=bearer(tokens["inspector"]))
    assert conflict.status_code == 409
    assert body["id"] in conflict.get_json()["error"]
    assert count(Visit) == 1


@pytest.mark.parametrize(("mutate", "status", "detail"), [
    (lambda b: {k: v for k, v in b.items() if k != "branch"}, 400, {"field": "branch"}),
    (lambda b: {**b, "started_at": "2026-11-02T10:00:00"}, 400, {"field": "started_at"}),
    (lambda b: {**b, "id": "not-a-uuid"}, 400, {"field": "id"}),
    (lambda b: {**b, "surprise": 1}, 400, {"field": "surprise"}),
    (lambda b: {**b, "answers": {"clean": "yes", "greet": -2, "ghost": 1}}, 422, {"item": "clean"}),
    (lambda b: {**b, "answers": {"clean": True}}, 422, {"item": "greet"}),
    (lambda b: {**b, "notes": {"ghost": "x"}}, 422, {"item": "ghost"}),
    (lambda b: {**b, "branch": "W1", "answers": {"clean": True, "greet": 1}}, 403, None),
    (lambda b: {**b, "branch": "ZZ"}, 404, None),
    (lambda b: {**b, "checklist": "nope"}, 404, None),
    (lambda b: {**b, "version": "0" * 64}, 404, None),
])
def test_bad_submissions_get_clear_errors(client, tokens, small, mutate, status, detail):
    response = client.post("/api/v1/visits", json=mutate(factories.api_visit()), headers=bearer(tokens["inspector"]))
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert body["error"]
    if detail:
        key, value = next(iter(detail.items()))
        assert any(entry.get(key) == value for entry in body["details"]), body
    assert count(Visit) == 0


def test_a_body_that_is_not_json_is_refused(client, tokens, small):
    response = client.post("/api/v1/visits", data="x=1", headers=bearer(tokens["inspector"]),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "JSON" in response.get_json()["error"]


def test_shoppers_may_not_submit_inspections(client, tokens, small):
    response = client.post("/api/v1/visits", json=factories.api_visit(), headers=bearer(tokens["shopper"]))
    assert response.status_code == 403


def test_multipart_with_several_photos(app, client, tokens, small):
    body = factories.api_visit()
    data = {"visit": json.dumps(body),
            "photo.clean": [(io.BytesIO(factories.jpeg_bytes(4000, 3000)), "a.jpg"),
                            (io.BytesIO(factories.jpeg_bytes(300, 200)), "b.jpg")],
            "photo.overview": (io.BytesIO(factories.jpeg_bytes(1200, 1600)), "c.jpg")}
    response = client.post("/api/v1/visits", data=data, headers=bearer(tokens["inspector"]),
                           content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    visit = client.get(f"/api/v1/visits/{body['id']}", headers=bearer(tokens["inspector"])).get_json()
    assert sorted(p["item"] for p in visit["photos"]) == ["clean", "clean", "overview"]
    sizes = sorted((p["width"], p["height"]) for p in visit["photos"])
    assert sizes == [(300, 200), (1200, 1600), (1600, 1200)]
    assert len(media_files(app)) == 6  # each photo and its thumbnail, nothing left in tmp
    image = client.get(visit["photos"][0]["url"], headers=bearer(tokens["inspector"]))
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert image.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert image.get_data()[:3] == b"\xff\xd8\xff"
    image.close()


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))


@pytest.mark.parametrize(("name", "content", "message"), [
    ("empty.jpg", b"", "the file is empty"),
    ("truncated.jpg", factories.jpeg_bytes(800, 600)[:2000], "damaged or truncated"),
    ("page.jpg", b"<!doctype html><html><script>alert(1)</script></html>", "not a JPEG, PNG, WebP or HEIC"),
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', "not a JPEG, PNG, WebP or HEIC"),
    ("huge.png", _png_header_only(20000, 20000), "far too many pixels; at most 50 megapixels"),
    ("large.png", _png_header_only(9000, 9000), "9000x9000 pixels; at most 50 megapixels"),
    ("big.jpg", b"\xff\xd8\xff" + b"\0" * (200 * 1024), "larger than 100 KB"),
])
def test_hostile_uploads_are_refused_and_nothing_is_kept(app, client, tokens, small, name, content, message):
    # Small limit, small bodies: the test client spools bodies over 500 KB to files it never closes.
    app.config["MAX_PHOTO_BYTES"] = 100 * 1024
    data = {"visit": json.dumps(factories.api_visit()),
            "photo.overview": [(io.BytesIO(factories.jpeg_bytes()), "fine.jpg"), (io.BytesIO(content), name)]}
    response = client.post("/api/v1/visits", data=data, headers=bearer(tokens["inspector"]),
                           content_type="multipart/form-data")
    assert response.status_code == 422
    [detail] = response.get_json()["details"]
    assert detail["item"] == "overview"
    assert detail["message"].startswith(f"{name}: ") and message in detail["message"]
    assert count(Visit) == 0 and count(Photo) == 0
    assert media_files(app) == []


def test_too_many_photos_are_refused(app, client, tokens, small):
    app.config["MAX_PHOTOS_PER_VISIT"] = 1
    photos = [(io.BytesIO(factories.jpeg_bytes(64, 64)), f"{i}.jpg") for i in range(2)]
    data = {"visit": json.dumps(factories.api_visit()), "photo.overview": photos}
    response = client.post("/api/v1/visits", data=data, headers=bearer(tokens["inspector"]),
                           content_type="multipart/form-data")
    assert response.status_code == 413


def test_photo_rules_are_checked_at_submission(client, tokens, small):
    data = {"visit": json.dumps(factories.api_visit()),
            "photo.greet": (io.BytesIO(factories.jpeg_bytes(64, 64)), "x.jpg")}
    response = client.post("/api/v1/visits", data=data, headers=bearer(tokens["inspector"]),
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert response.get_json()["details"] == [{"item": "greet", "code": "photo_not_allowed",
                                               "message": "this item takes no photos", "text": "此项不收照片。"}]


def test_a_failure_after_the_files_are_written_stores_no_visit_and_the_files_are_collected(
        app, client, runner, tokens, small, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("inspection.visits.services.record_creation", fail)
    data = {"visit": json.dumps(factories.api_visit()),
            "photo.overview": (io.BytesIO(factories.jpeg_bytes(64, 64)), "x.jpg")}
    with pytest.raises(RuntimeError):
        client.post("/api/v1/visits", data=data, headers=bearer(tokens["inspector"]),
                    content_type="multipart/form-data")
    assert count(Visit) == 0
    # Written before the write lock was taken, so now named by nothing: young files are left alone...
    files = [path for path in media_files(app) if path.parent.name != "tmp"]
    assert len(files) == 2 and runner.invoke(args=["media", "check", "--repair"]).exit_code == 0
    assert all(path.exists() for path in files)
    # ...and collected once older than the grace period, when no transaction can be about to name them.
    for path in files:
        os.utime(path, (time.time() - 7200, time.time() - 7200))
    assert runner.invoke(args=["media", "check", "--repair"]).exit_code == 0
    assert [path for path in media_files(app) if path.suffix == ".jpg"] == []


def test_a_storage_outage_answers_503_in_the_readers_language_and_keeps_nothing(app, client, tokens, small,
                                                                               monkeypatch):
    def unreachable(*args, **kwargs):
        raise MediaError("S3 put_object on bucket media failed: Could not connect to the endpoint URL")

    monkeypatch.setattr(type(app.extensions[MEDIA_KEY]), "put", unreachable)
    data = {"visit": json.dumps(factories.api_visit()),
            "photo.overview": (io.BytesIO(factories.jpeg_bytes(64, 64)), "x.jpg")}
    response = client.post("/api/v1/visits", data=data, content_type="multipart/form-data",
                           headers={**bearer(tokens["inspector"]), "Accept-Language": "zh-CN"})
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    answer = response.get_json()
    assert answer["code"] == "unavailable" and answer["text"] == "照片存储暂时无法连接，请稍后再试"
    assert count(Visit) == 0 and count(Photo) == 0


def test_a_draft_filled_against_an_old_version_is_scored_with_it(app, client, tokens, small, tmp_path):
    old = client.get("/api/v1/checklists/small", headers=bearer(tokens["inspector"])).get_json()["version"]
    stricter = factories.SMALL_CHECKLIST.replace("limit: 5", "limit: 2")
    (tmp_path / "small.yaml").write_text(stricter, encoding="utf-8")
    app.config["CHECKLIST_DIR"] = str(tmp_path)
    late = factories.api_visit(version=old)  # greeting 3.5 s: within the old limit, over the new
    assert client.post("/api/v1/visits", json=late, headers=bearer(tokens["inspector"])).get_json()["score"] == 100.0
    fresh = factories.api_visit()
    assert client.post("/api/v1/visits", json=fresh, headers=bearer(tokens["inspector"])).get_json()["score"] == 50.0


# -- reading visits ------------------------------------------------------------------------------

def test_visit_reading_is_scoped(client, users, tokens, small):
    body = factories.api_visit()
    client.post("/api/v1/visits", json=body, headers=bearer(tokens["inspector"]))
    other_shopper = factories.make_user("shopper", regions=("East",))
    west_manager = factories.make_user("manager", regions=("West",))
    extra = {role: create_token(user)[1] for role, user in (("shopper2", other_shopper), ("west", west_manager))}
    db.session.commit()
    url = f"/api/v1/visits/{body['id']}"
    full = client.get(url, headers=bearer(tokens["manager"])).get_json()
    assert full["answers"] == body["answers"] and full["notes"] == {"clean": "干净"}
    assert full["result"]["sections"][0]["earned"] == 10.0
    assert client.get(url, headers=bearer(tokens["shopper"])).status_code == 404
    assert client.get(url, headers=bearer(extra["shopper2"])).status_code == 404
    assert client.get(url, headers=bearer(extra["west"])).status_code == 404
    assert client.get("/api/v1/visits/not-a-uuid", headers=bearer(tokens["admin"])).status_code == 404
