"""Signing in and out, and what each role sees on the home page."""

from __future__ import annotations

import pytest

from inspection.extensions import db

from . import factories


def test_home_needs_a_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_wrong_password_is_refused_without_telling_which_part(client, users):
    for email, password in ((users["admin"].email, "wrong-password"), ("nobody@example.com", "x")):
        response = client.post("/login", data={"email": email, "password": password})
        assert response.status_code == 400
        assert "邮箱或密码错误" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_deactivated_user_cannot_sign_in(client, users):
    users["inspector"].active = False
    db.session.commit()
    response = client.post("/login", data={"email": users["inspector"].email, "password": factories.PASSWORD})
    assert response.status_code == 400


def test_email_is_matched_without_regard_to_case(client, users):
    response = client.post("/login", data={"email": users["manager"].email.upper(), "password": factories.PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(("target", "expected"), [
    ("/healthz", "/healthz"),
    ("https://evil.example.com/", "/"),
    ("//evil.example.com/", "/"),
])
def test_next_only_follows_local_paths(client, users, target, expected):
    response = client.post(f"/login?next={target}",
                           data={"email": users["admin"].email, "password": factories.PASSWORD})
    assert response.headers["Location"] == expected


def test_home_page_per_role(role_client, org):
    role, client = role_client
    page = client.get("/").get_data(as_text=True)
    expected_checklists = {
        "admin": ["营业厅服务质量检查", "营业厅神秘顾客暗访"],
        "manager": [],
        "inspector": ["营业厅服务质量检查", "呼叫中心通话质检"],
        "shopper": ["营业厅神秘顾客暗访", "营业厅顾客服务质量调查"],
    }[role]
    for title in expected_checklists:
        assert title in page
    if role == "inspector":
        assert "营业厅神秘顾客暗访" not in page
    # Scope: every role here is limited to region East, except the admin.
    assert ("W1 Branch W1" in page) == (role == "admin")
    assert "E1 Branch E1" in page


def test_logout_needs_post_and_ends_the_session(client, users):
    factories.login(client, users["shopper"])
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_forms_are_csrf_protected(app, users):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    response = client.post("/login", data={"email": users["admin"].email, "password": factories.PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302
