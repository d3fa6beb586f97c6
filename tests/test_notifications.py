"""Notifications: recorded once per key, read and marked on their page, e-mailed at most once over real SMTP."""

from __future__ import annotations

import socket
import threading
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from flask_babel import force_locale
from sqlalchemy import func, select, update

from inspection.auth.models import User
from inspection.db import utcnow, write_transaction
from inspection.extensions import db
from inspection.notifications.mail import send_pending
from inspection.notifications.models import MailState, Notification
from inspection.notifications.services import mark_all_read, mark_read, notify, queue_digests, unread_count
from inspection.notifications.texts import line, mail_texts
from inspection.problems import BadRequest

from . import factories

BASE_URL = "https://inspection.example.com"
RETURNED = {"branch_name": "Branch E1", "checklist_title": "Lobby check", "comment": "请补充照片"}
ASSIGNED = {"count": 1, "branch": "E1", "branch_name": "Branch E1", "checklist_title": "Lobby check",
            "window_start": "2026-12-01T01:00:00+00:00", "window_end": "2026-12-01T09:00:00+00:00",
            "scenario": "Ask about a data plan"}


class Inbox:
    """An SMTP handler that keeps what it takes, and answers 451 to the first `refuse` messages."""

    def __init__(self):
        self.refuse = 0
        self.messages: list[tuple[list[str], object]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refuse:
                self.refuse -= 1
                return "451 4.3.0 Try again later"
            self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


class EphemeralController(Controller):
    """A controller on a port the system picks (port 0); its `port` is the real one once started."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@pytest.fixture
def inbox(app):
    """Serve SMTP on 127.0.0.1 and turn mail on, pointed at it."""
    handler = Inbox()
    controller = EphemeralController(handler, hostname="127.0.0.1", port=0)
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, BASE_URL=BASE_URL)
    yield handler
    controller.stop()


def _states(user) -> list[MailState]:
    return list(db.session.scalars(select(Notification.mail_state).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


# -- recording and reading ------------------------------------------------------------------------

def test_a_key_is_recorded_once_per_user(app, users):
    first = notify(users["shopper"], "visit.returned", RETURNED, key="visit:1:returned")
    assert first is not None
    assert notify(users["shopper"], "visit.returned", RETURNED, key="visit:1:returned") is None
    assert notify(users["inspector"], "visit.returned", RETURNED, key="visit:1:returned") is not None
    notify(users["shopper"], "visit.released", {"score": 90})
    notify(users["shopper"], "visit.released", {"score": 90})  # no key: every call counts
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 4
    assert unread_count(users["shopper"]) == 3


def test_a_key_is_recorded_once_when_producers_race(app, users):
    user_id, results = users["shopper"].id, [None] * 4
    db.session.commit()
    barrier = threading.Barrier(len(results))

    def produce(index: int) -> None:
        try:
            with app.app_context():  # a session of its own, as another worker would have
                user = db.session.get(User, user_id)
                barrier.wait(timeout=30)
                with write_transaction():
                    results[index] = notify(user, "assignment.due", ASSIGNED, key="assignment:7:due") is not None
        except BaseException as error:  # noqa: BLE001 - checked by the main thread
            results[index] = error

    threads = [threading.Thread(target=produce, args=(index,)) for index in range(len(results))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results.count(True) == 1 and results.count(False) == 3, results
    assert unread_count(users["shopper"]) == 1


def test_a_link_leads_only_into_the_app(app, users):
    with pytest.raises(BadRequest, match="path of this app"):
        notify(users["shopper"], "visit.returned", RETURNED, link="https://elsewhere.example.com/")
    with pytest.raises(BadRequest, match="path of this app"):
        notify(users["shopper"], "visit.returned", RETURNED, link="//elsewhere.example.com/")


def test_unread_count_and_marking_read(app, users):
    user = users["inspector"]
    first, *_ = [notify(user, "visit.released", {"score": n}) for n in range(3)]
    notify(users["shopper"], "visit.released", {"score": 1})
    assert unread_count(user) == 3
    mark_read(user, first)
    mark_read(user, first)  # already read: stays as it was
    assert unread_count(user) == 2 and first.read_at is not None
    assert mark_all_read(user) == 2
    assert unread_count(user) == 0 and unread_count(users["shopper"]) == 1


def test_the_page_lists_only_ones_own_and_opening_one_reads_it(app, client, users):
    mine = notify(users["shopper"], "visit.returned", RETURNED, link="/visits")
    theirs = notify(users["inspector"], "action.assigned", {"branch_name": "Branch E2", "title": "Clean the floor"})
    users["shopper"].locale = "en"
    db.session.commit()
    factories.login(client, users["shopper"])
    page = client.get("/notifications").get_data(as_text=True)
    assert "Returned for correction: Lobby check at Branch E1" in page and "Clean the floor" not in page
    assert 'Notifications <span class="count">1</span></a>' in page  # the top bar's count
    assert client.get(f"/notifications/{theirs.id}").status_code == 404
    opened = client.get(f"/notifications/{mine.id}")
    assert opened.status_code == 302 and opened.headers["Location"] == "/visits"
    assert unread_count(users["shopper"]) == 0 and unread_count(users["inspector"]) == 1
    assert 'Notifications <span class="count">' not in client.get("/notifications").get_data(as_text=True)


def test_the_top_bar_counts_with_one_query_and_only_for_the_signed_in(app, client, users, count_queries):
    with count_queries() as statements:
        client.get("/login")
    assert not [statement for statement in statements if "notifications" in statement]
    factories.login(client, users["shopper"])
    with count_queries() as statements:
        client.get("/visits")
    assert len([statement for statement in statements if "FROM notifications" in statement]) == 1


def test_marking_all_read_from_the_page(app, client, users):
    for n in range(3):
        notify(users["manager"], "action.overdue", {"branch_name": "Branch E1", "title": f"Item {n}"})
    notify(users["inspector"], "action.overdue", {"branch_name": "Branch E1", "title": "Theirs"})
    db.session.commit()
    factories.login(client, users["manager"])
    response = client.post("/notifications/read")
    assert response.status_code == 302 and response.headers["Location"] == "/notifications"
    assert unread_count(users["manager"]) == 0 and unread_count(users["inspector"]) == 1
    assert client.get("/notifications?page=2").status_code == 200


# -- texts ----------------------------------------------------------------------------------------

ENGLISH = {
    "assignment.new": (ASSIGNED, "New assignment: Lobby check at Branch E1, 2026-12-01 09:00 – 2026-12-01 17:00"),
    "assignment.due": (ASSIGNED, "Due tomorrow: Lobby check at Branch E1, by 2026-12-01 17:00"),
    "visit.returned": (RETURNED, "Returned for correction: Lobby check at Branch E1"),
    "visit.released": ({"branch_name": "Branch E1", "checklist_title": "Lobby check", "score": 87.25},
                       "Released: Lobby check at Branch E1, score 87.2"),
    "action.assigned": ({"branch_name": "Branch E1", "title": "Greet\nwithin 5 s", "due_date": "2026-12-08"},
                        "New corrective action at Branch E1: Greet within 5 s, due 2026-12-08"),
    "action.overdue": ({"branch_name": "Branch E1", "title": "Greet", "due_date": "2026-12-08"},
                       "Overdue corrective action at Branch E1: Greet, was due 2026-12-08"),
    "digest": ({"count": 4, "kinds": ["visit.returned"]}, "4 unread notifications in the last 24 hours"),
    "no.such.kind": ({"whatever": 1}, "You have a new notification."),
}


@pytest.mark.parametrize("kind", sorted(ENGLISH))
def test_english_texts(app, kind):
    params, text = ENGLISH[kind]
    with force_locale("en"):
        assert line(kind, params) == text


def test_texts_never_raise_on_odd_params(app):
    with force_locale("en"):
        assert line("assignment.new", {**ASSIGNED, "count": 3}) == "3 new assignments"
        assert line("visit.released", {}) == "Released: — at —, score —"
        assert line("assignment.due", {"window_end": "not a time"}) == "Due tomorrow: — at —, by not a time"
        assert line("digest", ["not", "a", "dict"]) == "1 unread notifications in the last 24 hours"
        assert "- [1, 2]" in mail_texts("digest", {"kinds": [[1, 2]]}, "/x")[1]


def test_chinese_texts(app):
    with force_locale("zh_CN"):
        assert line("visit.returned", RETURNED) == "已退回修改：Branch E1 的Lobby check"
        assert line("assignment.new", {**ASSIGNED, "count": 2}) == "2 项新任务"
        subject, body = mail_texts("visit.returned", RETURNED, "https://x/notifications/1")
        assert "说明：请补充照片" in body and "https://x/notifications/1" in body


# -- e-mail ---------------------------------------------------------------------------------------

def test_a_pending_mail_is_delivered_once_in_the_readers_language(app, runner, users, inbox):
    english, chinese = users["shopper"], users["inspector"]
    english.locale = "en"
    sent = notify(english, "visit.returned", RETURNED, link="/visits")
    notify(chinese, "visit.returned", RETURNED)
    db.session.commit()
    result = runner.invoke(args=["notifications", "send"])
    assert result.exit_code == 0 and "sent 2, retried later 0, failed 0" in result.output
    by_recipient = {tuple(recipients): message for recipients, message in inbox.messages}
    message = by_recipient[(english.email,)]
    assert message["Subject"] == "Returned for correction: Lobby check at Branch E1"
    assert message["To"] == english.email and message["Message-ID"].startswith(f"<notification-{sent.id}@")
    body = message.get_content()
    assert f"Open it here: {BASE_URL}/notifications/{sent.id}" in body.splitlines()
    assert "Comment: 请补充照片" in body
    with force_locale("zh_CN"):
        expected = line("visit.returned", RETURNED)
    assert by_recipient[(chinese.email,)]["Subject"] == expected  # no language chosen: the default
    assert _states(english) == [MailState.SENT]
    again = runner.invoke(args=["notifications", "send"])
    assert "sent 0, retried later 0, failed 0" in again.output and len(inbox.messages) == 2


def test_a_refused_mail_is_retried_later_and_delivered_once(app, users, inbox):
    inbox.refuse = 1
    notification = notify(users["shopper"], "visit.released", {"score": 90})
    db.session.commit()
    now = utcnow()
    assert send_pending(now) == {"sent": 0, "retried": 1, "failed": 0}
    db.session.refresh(notification)
    assert notification.mail_state == MailState.PENDING and notification.mail_attempts == 1
    assert notification.mail_next_at == now + timedelta(minutes=5) and "451" in notification.mail_error
    assert send_pending(now + timedelta(minutes=4)) == {"sent": 0, "retried": 0, "failed": 0}
    assert send_pending(now + timedelta(minutes=5)) == {"sent": 1, "retried": 0, "failed": 0}
    assert send_pending(now + timedelta(minutes=30)) == {"sent": 0, "retried": 0, "failed": 0}
    assert [recipients for recipients, _ in inbox.messages] == [[users["shopper"].email]]


def test_a_mail_refused_every_time_fails_after_the_last_attempt(app, users, inbox):
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    inbox.refuse = 10
    notify(users["shopper"], "visit.released", {"score": 90})
    db.session.commit()
    now = utcnow()
    assert send_pending(now)["retried"] == 1
    assert send_pending(now + timedelta(minutes=5)) == {"sent": 0, "retried": 0, "failed": 1}
    assert _states(users["shopper"]) == [MailState.FAILED] and inbox.messages == []


def test_a_server_that_cannot_be_reached_ends_the_run(app, users):
    with socket.socket() as probe:  # a port nobody listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    for user in (users["shopper"], users["inspector"]):
        notify(user, "visit.released", {"score": 90})
    db.session.commit()
    assert send_pending(utcnow()) == {"sent": 0, "retried": 1, "failed": 0}
    attempts = db.session.scalars(select(Notification.mail_attempts).order_by(Notification.id)).all()
    assert attempts == [1, 0]  # the second waits for the next run rather than for another refusal


def test_with_mail_off_nothing_waits_to_be_sent(app, runner, users):
    assert app.config["SMTP_HOST"] == ""
    notify(users["shopper"], "visit.released", {"score": 90})
    db.session.commit()
    assert _states(users["shopper"]) == [MailState.NONE]
    assert "sent 0" in runner.invoke(args=["notifications", "send"]).output


def test_a_disabled_user_gets_no_mail(app, users, inbox):
    user = users["shopper"]
    notify(user, "visit.released", {"score": 90})
    user.active = False
    db.session.commit()
    assert send_pending(utcnow()) == {"sent": 0, "retried": 0, "failed": 0}
    assert _states(user) == [MailState.NONE] and inbox.messages == []


def test_a_mail_left_sending_by_a_crash_is_never_sent_again(app, runner, users, inbox):
    notification = notify(users["shopper"], "visit.released", {"score": 90})
    db.session.commit()
    db.session.execute(update(Notification).where(Notification.id == notification.id)
                       .values(mail_state=MailState.SENDING, mail_next_at=utcnow() - timedelta(hours=2)))
    db.session.commit()
    result = runner.invoke(args=["notifications", "send"])
    assert "sent 0" in result.output and "1 e-mails were claimed over an hour ago" in result.stderr
    assert inbox.messages == [] and _states(users["shopper"]) == [MailState.SENDING]


def test_the_digest_is_queued_once_a_day(app, runner, users, inbox):
    reader, busy, idle = users["shopper"], users["inspector"], users["manager"]
    notify(reader, "visit.returned", RETURNED)
    mark_all_read(reader)
    notify(busy, "visit.returned", RETURNED)
    notify(busy, "action.assigned", {"title": "Greet"})
    old = notify(idle, "visit.released", {"score": 1})
    old.created_at = utcnow() - timedelta(days=2)
    db.session.commit()
    result = runner.invoke(args=["notifications", "digest"])
    assert result.exit_code == 0 and "queued 1 digests" in result.output
    assert "queued 0 digests" in runner.invoke(args=["notifications", "digest"]).output
    digest = db.session.scalar(select(Notification).where(Notification.kind == "digest"))
    assert digest.user_id == busy.id and digest.params == {"count": 2, "kinds": ["action.assigned", "visit.returned"]}
    assert digest.mail_state == MailState.PENDING and digest.key.startswith("digest:")
    assert queue_digests(utcnow()) == 0
