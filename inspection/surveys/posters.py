"""Printable A4 posters for survey links: a large QR code, the branch (or a staff badge) and an invitation."""

from __future__ import annotations

import math
from dataclasses import dataclass

import segno
from flask import current_app, render_template, url_for
from flask_babel import force_locale, gettext, ngettext
from markupsafe import Markup
from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from .. import access
from ..auth.models import User
from ..catalog.services import get_catalog
from ..checklists import Checklist
from ..extensions import db
from ..org.models import Branch, Staff
from ..problems import NotFound
from .models import SurveyLink

# Seconds a customer spends on one item, by type; a SERVQUAL statement takes two taps (expected, perceived).
# Free text and photos are optional on a phone: they add nothing to the time a poster promises.
SECONDS_PER_ITEM = {"servqual": 5, "text": 0, "photo": 0, "staff": 0}
DEFAULT_SECONDS = 3
# Medium error correction (15 %) survives a scuffed or partly shaded poster; segno raises it when that is free.
QR_ERROR = "m"


class NoFetching(URLFetcher):
    """Refuse every URL: a poster is one self-contained document (inline styles and an inline SVG code)."""

    def fetch(self, url, headers=None):
        raise ValueError(f"posters fetch nothing, not {url[:100]}")


@dataclass(frozen=True)
class Poster:
    """One page: a link and what is printed about it."""

    link: SurveyLink
    survey_title: str
    minutes: int
    url: str
    qr: Markup


def estimated_minutes(checklist: Checklist) -> int:
    """Return the whole minutes a customer needs for the survey, at least one."""
    seconds = sum(SECONDS_PER_ITEM.get(item.type, DEFAULT_SECONDS) for _, item in checklist.items())
    return max(1, math.ceil(seconds / 60))


def public_url(link: SurveyLink) -> str:
    """Return the full address of the link's public page, on the configured public host if there is one."""
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    if base:
        return base + url_for("surveys.public", token=link.token)
    return url_for("surveys.public", token=link.token, _external=True)


def qr_svg(url: str) -> Markup:
    """Return the URL's QR code as an inline SVG that scales to its box (vector: crisp at any size, a few KB)."""
    code = segno.make(url, error=QR_ERROR, micro=False)
    return Markup(code.svg_inline(border=4, omitsize=True, svgclass="qr", lineclass=None, dark="#000"))


# -- which links ----------------------------------------------------------------------------------

def _live_links():
    """Return a query of the active links of active branches (and of active staff, for badges), in print order."""
    return (select(SurveyLink).join(SurveyLink.branch).outerjoin(SurveyLink.staff)
            .options(contains_eager(SurveyLink.branch), contains_eager(SurveyLink.staff))
            .where(SurveyLink.active, Branch.active, or_(SurveyLink.staff_id.is_(None), Staff.active))
            # Per branch: its own posters first, then its staff's badges.
            .order_by(Branch.code, SurveyLink.staff_id.is_not(None), Staff.code, SurveyLink.checklist_id))


def _surveys(links) -> list[tuple[SurveyLink, Checklist]]:
    """Pair each link with its survey checklist; links to a checklist no longer offered get no poster."""
    checklists = get_catalog().checklists
    return [(link, checklists[link.checklist_id]) for link in links
            if link.checklist_id in checklists and checklists[link.checklist_id].kind == "survey"]


def branch_links(user: User, code: str, checklist_id: str = "") -> list[tuple[SurveyLink, Checklist]]:
    """Return the branch's own active links (one survey if named); NotFound if none, or not the user's branch."""
    access.require(user, "surveys.manage")
    branch = db.session.scalar(select(Branch).where(Branch.code == code))
    if branch is None or not access.can(user, "surveys.manage", branch):
        raise NotFound("no branch %(code)s", code=code)
    query = _live_links().where(SurveyLink.branch_id == branch.id, SurveyLink.staff_id.is_(None))
    if checklist_id:
        query = query.where(SurveyLink.checklist_id == checklist_id)
    found = _surveys(db.session.scalars(query))
    if not found:
        raise NotFound("branch %(code)s has no active survey link", code=code)
    return found


def staff_links(user: User, code: str) -> list[tuple[SurveyLink, Checklist]]:
    """Return the staff member's active badge links; NotFound if none, or not of the user's branches."""
    access.require(user, "surveys.manage")
    member = db.session.scalar(select(Staff).where(Staff.code == code))
    if member is None or not access.can(user, "surveys.manage", member.branch):
        raise NotFound("no staff member %(code)s", code=code)
    found = _surveys(db.session.scalars(_live_links().where(SurveyLink.staff_id == member.id)))
    if not found:
        raise NotFound("staff member %(code)s has no active survey link", code=code)
    return found


def region_links(user: User, region: str) -> list[tuple[SurveyLink, Checklist]]:
    """Return every active link of the region's branches in the user's scope; NotFound if there is none."""
    access.require(user, "surveys.manage")
    query = _live_links().where(Branch.region == region, access.branch_filter(user))
    found = _surveys(db.session.scalars(query))
    if not found:
        raise NotFound("region %(region)s has no active survey link that you manage", region=region)
    return found


# -- the document ---------------------------------------------------------------------------------

def invitation(locale: str, minutes: int) -> dict[str, str]:
    """Return the poster's invitation in one language."""
    with force_locale(locale):
        return {"headline": gettext("Scan to rate our service"),
                "why": gettext("Your opinion helps us serve you better."),
                "time": ngettext("Anonymous, about %(num)d minute", "Anonymous, about %(num)d minutes", minutes)}


def render_posters(found: list[tuple[SurveyLink, Checklist]]) -> bytes:
    """Render one A4 page per link into a single PDF."""
    posters = [Poster(link, checklist.title, estimated_minutes(checklist), url, qr_svg(url))
               for link, checklist in found for url in [public_url(link)]]
    main = current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(main):
        html = render_template("surveys/poster.html", posters=posters, invitation=invitation,
                               main=main, second="en" if not main.startswith("en") else None)
    return HTML(string=html, url_fetcher=NoFetching()).write_pdf()
