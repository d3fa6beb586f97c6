"""Accounts: sessions that end, passwords that resist guessing, admins managing users, the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from inspection.audit.models import AuditEvent
from inspection.auth.models import User
from inspection.extensions import db

from . import factories

STRONG = "Qiuqiu-lanmao-77"


def _client(app, user, password: str = factories.PASSWORD):
    client = app.test_client()
    factories.login(client, user, password)
    return client


def _signed_in(client) -> bool:
    return client.get("/visits").status_code == 200


def _copy(client, app):
    """Return a second client holding a copy of the first one's cookies, as a thief would."""
    thief = app.test_client()
    for cookie in client._cookies.values():
        thief.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
    return thief


def test_signing_out_ends_the_session_even_for_a_copied_cookie(app, users):
    client = _client(app, users["inspector"])
    thief = _copy(client, app)
    assert _signed_in(thief)
    client.post("/logout")
    assert not _signed_in(thief) and not _signed_in(client)


def test_a_new_password_ends_every_other_session(app, users):
    phone, tablet = _client(app, users["inspector"]), _client(app, users["inspector"])
    response = phone.post("/account", data={"current": factories.PASSWORD, "new": STRONG, "repeat": STRONG})
    assert response.status_code == 302
    assert _signed_in(phone) and not _signed_in(tablet)
    factories.login(app.test_client(), users["inspector"], STRONG)


def test_signing_out_everywhere_and_disabling_end_every_session(app, users):
    phone, tablet = _client(app, users["inspector"]), _client(app, users["inspector"])
    phone.post("/account/sessions/end")
    assert not _signed_in(phone) and not _signed_in(tablet)
    again, admin = _client(app, users["inspector"]), _client(app, users["admin"])
    user = users["inspector"]
    admin.post(f"/admin/users/{user.id}", data={"name": user.name, "role": "inspector", "regions": ["East"]})
    assert not _signed_in(again)  # "may sign in" left unticked: disabled
    refused = app.test_client().post("/login", data={"email": user.email, "password": factories.PASSWORD})
    assert refused.status_code == 400


@pytest.mark.parametrize(("password", "problem"), [
    ("Short-1", "至少 10 个字符"), ("1234567890", "太容易猜到"), ("woaini1314", "太容易猜到"),
    ("inspector-and-more", "不要在密码中使用"), ("qwertyuiop", "太容易猜到"),
])
def test_weak_passwords_are_refused_with_the_reason(app, users, password, problem):
    client = _client(app, users["inspector"])
    page = client.post("/account", data={"current": factories.PASSWORD, "new": password, "repeat": password})
    assert problem in page.get_data(as_text=True)
    factories.login(app.test_client(), users["inspector"])  # the old password still works


def test_the_current_password_is_required_to_change_it(app, users):
    page = _client(app, users["inspector"]).post("/account", data={"current": "wrong", "new": STRONG, "repeat": STRONG})
    assert "当前密码不对" in page.get_data(as_text=True)


def test_admins_create_edit_reset_and_cannot_lock_themselves_out(app, users, org):
    admin = _client(app, users["admin"])
    page = admin.post("/admin/users/new", data={"email": "New@Example.com", "name": "新人", "role": "shopper",
                                                "regions": ["East"], "active": "y"})
    new_password = page.get_data(as_text=True).split('class="mono big-password">')[1].split("<")[0]
    assert "big-password" not in str(admin.get_cookie("session").value)  # shown in the page, not the cookie
    newcomer = db.session.scalar(select(User).where(User.email == "new@example.com"))
    shopper = _client(app, newcomer, new_password)
    admin.post(f"/admin/users/{newcomer.id}", data={"name": "新人", "role": "inspector", "branches": ["E1"],
                                                     "active": "y"})
    db.session.refresh(newcomer)
    assert (newcomer.role, [b.code for b in newcomer.branches], newcomer.regions) == ("inspector", ["E1"], [])
    assert not _signed_in(shopper)  # new rights: signed out
    reset = admin.post(f"/admin/users/{newcomer.id}/password").get_data(as_text=True)
    factories.login(app.test_client(), newcomer, reset.split('class="mono big-password">')[1].split("<")[0])
    me = users["admin"]
    refused = admin.post(f"/admin/users/{me.id}", data={"name": me.name, "role": "manager", "active": "y"})
    assert refused.status_code == 403
    db.session.refresh(me)
    assert me.role == "admin" and me.active


@pytest.mark.parametrize("role", ["manager", "inspector", "shopper"])
def test_only_admins_manage_users_and_read_the_audit_log(app, users, role):
    client = _client(app, users[role])
    for path in ("/admin/users", "/admin/users/new", "/admin/audit/", "/admin/audit/audit.csv"):
        assert client.get(path).status_code == 403, path


def test_the_command_line_manages_accounts(runner, users, org):
    email = users["inspector"].email
    assert email in runner.invoke(args=["user", "list"]).output
    assert runner.invoke(args=["user", "set", email, "--role", "manager", "--region", "West"]).exit_code == 0
    assert runner.invoke(args=["user", "disable", email]).exit_code == 0
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.email == email))
    assert (user.role, user.regions, user.active) == ("manager", ["West"], False)
    assert runner.invoke(args=["user", "enable", email]).exit_code == 0
    result = runner.invoke(args=["user", "reset-password", email])
    assert result.exit_code == 0
    factories.login(runner.app.test_client(), user, result.output.strip().splitlines()[-1])
    weak = runner.invoke(args=["user", "add", "w@example.com", "--name", "W", "--role", "shopper",
                               "--password", "12345678"])
    assert weak.exit_code != 0 and "at least 10 characters" in weak.output


def test_the_demo_refuses_production_unless_asked_and_then_generates_passwords(app, runner):
    app.config["ENV_NAME"] = "production"
    refused = runner.invoke(args=["demo", "--months", "1"])
    assert refused.exit_code != 0 and "--allow-production" in refused.output
    loaded = runner.invoke(args=["demo", "--months", "1", "--allow-production"])
    assert loaded.exit_code == 0, loaded.output
    assert "demo-pass-2026" not in loaded.output
    admin_line = next(line for line in loaded.output.splitlines() if "admin@example.com" in line)
    admin = db.session.scalar(select(User).where(User.email == "admin@example.com"))
    factories.login(app.test_client(), admin, admin_line.split()[-1])


def _actions() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_the_audit_log_keeps_sign_ins_work_and_account_changes(app, client, users, org, small, tokens):
    factories.login(client, users["inspector"])
    assert client.post("/login", data={"email": "nobody@example.com", "password": "x"}).status_code == 400
    body = factories.api_visit()
    client.post("/api/v1/visits", json=body)
    manager = _client(app, users["manager"])
    manager.post(f"/api/v1/visits/{body['id']}/review", json={"action": "return", "comment": "计时"})
    client.put(f"/api/v1/visits/{body['id']}", json={"answers": body["answers"], "notes": {}})
    manager.get("/exports/visits.csv")
    actions = _actions()
    for expected in ("token_create", "sign_in", "sign_in_failed", "visit_submit", "visit_return", "visit_resubmit",
                     "export"):
        assert expected in actions, (expected, actions)
    failed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sign_in_failed"))
    assert (failed.actor, failed.actor_id, failed.address) == ("nobody@example.com", None, "127.0.0.1")
    admin = _client(app, users["admin"])
    page = admin.get("/admin/audit/?action=visit_return").get_data(as_text=True)
    assert body["id"] in page and users["manager"].email in page
    csv_text = admin.get(f"/admin/audit/audit.csv?target={body['id']}").get_data(as_text=True)
    assert csv_text.count(body["id"]) == 3  # submitted, returned, corrected


def test_the_audit_log_refuses_changes_and_deletions(app, users):
    factories.login(app.test_client(), users["inspector"])
    for statement in ("UPDATE audit_events SET actor = 'someone else'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
            connection.execute(text(statement))
    assert "sign_in" in _actions()
