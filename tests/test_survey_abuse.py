"""Abuse rules of the public survey page, each on its own: what is refused is counted (per link, local day and
reason) and never stored, and the customer reads a polite message in their language."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select

from inspection import localtime
from inspection.extensions import db
from inspection.surveys.models import SurveyRejection, SurveyResponse

from .survey_pages import STAMP, enable, offer_surveys, quick_form, stamp

_addresses = (f"198.51.100.{n}" for n in itertools.count(1))


@pytest.fixture
def link(app, org, users, tmp_path):
    offer_surveys(app, tmp_path / "checklists")
    return enable(users["manager"], "E1")


def _send(app, link, form, client=None, address: str | None = None):
    client = client or app.test_client()
    return client.post(f"/s/{link.token}", data=form, environ_base={"REMOTE_ADDR": address or next(_addresses)})


def _stored() -> int:
    return db.session.scalar(select(func.count()).select_from(SurveyResponse))


def _counted(link) -> dict[str, int]:
    rows = db.session.execute(select(SurveyRejection.reason, SurveyRejection.count, SurveyRejection.day)
                              .where(SurveyRejection.link_id == link.id)).all()
    assert all(day == localtime.today() for _, _, day in rows)
    return {reason: count for reason, count, _ in rows}


def test_the_hidden_field_filled_in_is_refused_and_counted(app, link):
    for _ in range(2):
        refused = _send(app, link, quick_form(app, link, website="http://spam.example"))
        assert refused.status_code == 400 and "抱歉，我们无法接受这些回答" in refused.get_data(as_text=True)
    assert _stored() == 0 and _counted(link) == {"honeypot": 2}  # one row, counted up


def test_answers_sent_sooner_than_a_person_reads_are_refused(app, link):
    app.config["SURVEY_MIN_SECONDS"] = 8
    served = app.test_client().get(f"/s/{link.token}").get_data(as_text=True)
    hurried = _send(app, link, quick_form(app, link, stamp=STAMP.search(served)[1]))
    body = hurried.get_data(as_text=True)
    assert hurried.status_code == 400 and 'data-outcome="too_fast"' in body and "您答得非常快" in body
    assert STAMP.search(served)[1] in body and 'name="a.wait" value="short" checked' in body  # kept: send again
    assert _stored() == 0 and _counted(link) == {"too_fast": 1}
    patient = _send(app, link, quick_form(app, link, stamp=stamp(app, link, seconds_ago=9)))
    assert patient.status_code == 200 and _stored() == 1


@pytest.mark.parametrize("case", ["missing", "forged", "another link's", "a day old"])
def test_a_missing_forged_or_stale_page_stamp_is_refused(app, users, link, case):
    other = enable(users["manager"], "E2")
    stamps = {"missing": "", "forged": URLSafeTimedSerializer(b"not-the-secret", salt="survey-stamp").dumps(link.id),
              "another link's": stamp(app, other), "a day old": stamp(app, link, seconds_ago=24 * 3600 + 5)}
    refused = _send(app, link, quick_form(app, link, stamp=stamps[case]))
    body = refused.get_data(as_text=True)
    assert refused.status_code == 400 and 'data-outcome="bad_form"' in body and "请检查您的回答后再次提交" in body
    assert STAMP.search(body)[1] not in (stamps[case], "")  # served again with a fresh stamp
    assert _stored() == 0 and _counted(link) == {"bad_form": 1}


def test_one_response_per_device_per_link_per_local_day(app, users, link, monkeypatch):
    phone = app.test_client()
    assert _send(app, link, quick_form(app, link), phone).status_code == 200
    again = _send(app, link, quick_form(app, link), phone)
    assert again.status_code == 409 and "您今天已经回答过本调查了" in again.get_data(as_text=True)
    english = phone.post(f"/s/{link.token}?lang=en", data=quick_form(app, link))
    assert english.status_code == 409 and "already answered this survey today" in english.get_data(as_text=True)
    assert _stored() == 1 and _counted(link) == {"repeat": 2}
    other = enable(users["manager"], "E2")  # another link is another survey for the same phone
    assert _send(app, other, quick_form(app, other), phone).status_code == 200
    # The next day where the branches are, the same phone may answer again.
    tomorrow = date.fromordinal(localtime.today().toordinal() + 1)
    monkeypatch.setattr(localtime, "today", lambda: tomorrow)
    assert _send(app, link, quick_form(app, link), phone).status_code == 200
    assert _stored() == 3


def test_a_forged_device_cookie_is_ignored(app, link):
    phone = app.test_client()
    phone.set_cookie("survey_done", "bm90LXNpZ25lZA.forged", path=f"/s/{link.token}")
    assert _send(app, link, quick_form(app, link), phone).status_code == 200


def test_answers_beyond_the_limit_per_client_address_get_429(app, link):
    app.config["SURVEY_RATE_PER_ADDRESS"] = "2 per hour"
    address = next(_addresses)
    statuses = [_send(app, link, quick_form(app, link), address=address).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = _send(app, link, quick_form(app, link), address=address)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "尝试次数过多" in refused.get_data(as_text=True)  # the app's error page, in the customer's language
    assert _send(app, link, quick_form(app, link)).status_code == 200  # another address is not held back
    assert _stored() == 3 and _counted(link) == {"rate_limited": 2}


def test_answers_beyond_the_limit_per_link_get_429(app, users, link):
    app.config["SURVEY_RATE_PER_LINK"] = "3 per hour"
    statuses = [_send(app, link, quick_form(app, link)).status_code for _ in range(4)]  # four addresses
    assert statuses == [200, 200, 200, 429]
    other = enable(users["manager"], "E2")
    assert _send(app, other, quick_form(app, other)).status_code == 200  # another link is not held back
    assert _stored() == 4 and _counted(link) == {"rate_limited": 1} and _counted(other) == {}


def test_refused_attempts_count_toward_the_limits_and_pages_are_not_limited(app, link):
    app.config["SURVEY_RATE_PER_ADDRESS"] = "2 per hour"
    address = next(_addresses)
    assert _send(app, link, quick_form(app, link, website="x"), address=address).status_code == 400
    assert _send(app, link, {}, address=address).status_code == 400
    assert _send(app, link, quick_form(app, link), address=address).status_code == 429
    client = app.test_client()
    assert all(client.get(f"/s/{link.token}", environ_base={"REMOTE_ADDR": address}).status_code == 200
               for _ in range(5))
    assert _counted(link) == {"honeypot": 1, "bad_form": 1, "rate_limited": 1} and _stored() == 0


def test_a_page_sent_twice_is_kept_once(app, link):
    """A double tap, or a script replaying one page: the stamp is spent by the first, the second is a repeat."""
    form = quick_form(app, link)
    assert _send(app, link, form).status_code == 200
    again = _send(app, link, form)  # another client: no device cookie, only the spent stamp tells
    assert again.status_code == 409 and _stored() == 1 and _counted(link) == {"repeat": 1}


def test_a_large_anonymous_body_is_refused_before_it_is_read(app, link):
    refused = _send(app, link, {**quick_form(app, link), "comment": "x" * 100_000})
    assert refused.status_code == 413 and _stored() == 0


def test_an_ipv6_client_is_one_client_across_its_64(app):
    from inspection.surveys import guards

    keys = set()
    for address in ("2001:db8:1:2::1", "2001:db8:1:2:ffff::9"):
        with app.test_request_context(environ_base={"REMOTE_ADDR": address}):
            keys.add(guards.address_key())
    with app.test_request_context(environ_base={"REMOTE_ADDR": "2001:db8:1:3::1"}):
        other = guards.address_key()
    assert len(keys) == 1 and other not in keys and "2001" not in other
