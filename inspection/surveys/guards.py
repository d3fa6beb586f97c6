"""The public page's defences, with no outside service: limiter keys, a signed page stamp, a hidden field, and a
signed cookie that remembers a device answered a link today.

Nothing here keeps who a customer is: the limiter counts a keyed hash of the client address (for the length
of its window, in its own storage), and the cookie lives on the customer's phone.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from datetime import timedelta

from flask import Response, current_app, g, request, url_for
from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy.exc import SQLAlchemyError

from .. import localtime
from ..db import utcnow, write_transaction
from .models import SurveyLink
from .responses import BAD_FORM, HONEYPOT, RATE_LIMITED, REPEAT, TOO_FAST, count_rejection, link_by_token

STAMP_FIELD, HONEYPOT_FIELD = "stamp", "website"
DONE_COOKIE = "survey_done"
STAMP_MAX_AGE = 24 * 3600  # a page left open longer is served again with a fresh stamp


def _secret() -> bytes:
    return str(current_app.secret_key).encode()


def address_key() -> str:
    """Return the limiter's key for the client address: a keyed hash, never the address itself."""
    digest = hmac.new(_secret(), _client(request.remote_addr or "").encode(), hashlib.sha256).hexdigest()
    return "survey-address:" + digest[:32]


def _client(address: str) -> str:
    """Return what stands for one client: its IPv4 address, or its IPv6 /64 (a phone picks any address in it)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    return str(ipaddress.ip_network(f"{parsed}/64", strict=False)) if parsed.version == 6 else str(parsed)


def link_key() -> str:
    """Return the limiter's key for the link the request is for."""
    return "survey-link:" + str((request.view_args or {}).get("token", ""))[:64]


def count_rate_limited(_limit) -> None:
    """Count a refusal by the limiter against its link, once per request however many limits it broke."""
    if g.get("survey_refusal_counted"):
        return
    g.survey_refusal_counted = True
    link = link_by_token(str((request.view_args or {}).get("token", "")))
    if link is None:
        return
    try:
        with write_transaction():
            count_rejection(link.id, RATE_LIMITED)
    except SQLAlchemyError:  # under a flood the count may lose a row; the refusal itself must stand
        current_app.logger.warning("a survey refusal was not counted", exc_info=True)


def issue_stamp(link: SurveyLink) -> str:
    """Return the signed stamp a page is served with: its link, a nonce (a stamp is spent once) and the time."""
    return URLSafeTimedSerializer(_secret(), salt="survey-stamp").dumps([link.id, secrets.token_urlsafe(9)])


def stamp_age(link: SurveyLink, stamp: str) -> float | None:
    """Return the seconds since the stamp's page was served, or None if it is missing, forged, old or another's."""
    try:
        (link_id, _nonce), served = URLSafeTimedSerializer(_secret(), salt="survey-stamp").loads(
            stamp, max_age=STAMP_MAX_AGE, return_timestamp=True)
    except (BadSignature, TypeError, ValueError):  # expired stamps too
        return None
    return (utcnow() - served).total_seconds() if link_id == link.id else None


def _done_signer() -> URLSafeSerializer:
    return URLSafeSerializer(_secret(), salt="survey-done")


def answered_today(link: SurveyLink) -> bool:
    """Tell whether this device's cookie says it answered the link today (the branches' day)."""
    try:
        link_id, day = _done_signer().loads(request.cookies.get(DONE_COOKIE, ""))
    except (BadSignature, TypeError, ValueError):
        return False
    return link_id == link.id and day == localtime.today().isoformat()


def refusal(link: SurveyLink, form) -> str | None:
    """Return why the answers sent must be refused (a SurveyRejection reason), or None."""
    if form.get(HONEYPOT_FIELD, ""):
        return HONEYPOT
    age = stamp_age(link, form.get(STAMP_FIELD, ""))
    if age is None:
        return BAD_FORM
    if age < current_app.config["SURVEY_MIN_SECONDS"]:
        return TOO_FAST
    return REPEAT if answered_today(link) else None


def remember_answer(response: Response, link: SurveyLink) -> None:
    """Mark the device as having answered the link until the branches' midnight."""
    today = localtime.today()
    seconds = (localtime.day_start(today + timedelta(days=1)) - utcnow()).total_seconds()
    response.set_cookie(DONE_COOKIE, _done_signer().dumps([link.id, today.isoformat()]), max_age=int(seconds) + 1,
                        path=url_for("surveys.public", token=link.token), httponly=True, samesite="Lax",
                        secure=request.is_secure or bool(current_app.config["SESSION_COOKIE_SECURE"]))
