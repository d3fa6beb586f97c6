"""Customer surveys: managers' links and QR codes, and the public page customers answer."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from werkzeug.utils import secure_filename

from .. import access
from ..db import write_transaction
from ..extensions import csrf, limiter
from ..web.requests import flashed_problems, page_number
from . import guards, services
from .followups import open_follow_up
from .posters import branch_links, public_url, qr_svg, region_links, render_posters, staff_links
from .public import form_page, item_errors, message_page
from .questions import read_answers, response_problems
from .responses import HONEYPOT, REPEAT, TOO_FAST, count_rejection, link_by_token, live_checklist, store_response

bp = Blueprint("surveys", __name__)
# What a customer's refused answers get: a page that says so (status, outcome), or the form again.
REFUSED_PAGES = {HONEYPOT: 400, REPEAT: 409}
PUBLIC_MAX_BYTES = 64 * 1024


# -- managers: links and QR codes ----------------------------------------------------------------

@bp.get("/surveys")
@login_required
def index():
    access.require(current_user, "surveys.manage")
    region = request.args.get("region", "")
    rows, page, pages = services.links_page(current_user, region, page_number())
    return render_template("surveys/index.html", rows=rows, pages=pages, page=page, region=region,
                           regions=services.scope_regions(current_user), surveys=services.survey_checklists(),
                           public_url=public_url, qr_svg=qr_svg)


def _back_to(branch_code: str | None):
    """Return to the links page the form was sent from, at the branch."""
    return redirect(url_for("surveys.index", region=request.form.get("region") or None,
                            page=request.form.get("page") or None) + (f"#branch-{branch_code}" if branch_code else ""))


@bp.post("/surveys/links")
@login_required
def enable_link():
    form = request.form
    with flashed_problems():
        with write_transaction():
            _link, made = services.enable(current_user, form.get("checklist", ""), form.get("branch", ""),
                                          form.get("staff", ""))
        flash(_("The survey link is on: print its QR code.") if made else _("This survey link was on already."),
              "info")
    return _back_to(form.get("branch"))


@bp.post("/surveys/links/<id:link_id>/rotate")
@login_required
def rotate_link(link_id: int):
    return _change_link(link_id, services.rotate, _("A new link replaces the old one: print the new QR code."))


@bp.post("/surveys/links/<id:link_id>/close")
@login_required
def close_link(link_id: int):
    return _change_link(link_id, services.close,
                        _("The link is closed: customers who scan it are told the survey has ended."))


def _change_link(link_id: int, change, done: str):
    """Take a step on a link of a branch the user manages, then show the branch again."""
    code = None
    with flashed_problems():
        with write_transaction():
            link = services.managed_link(current_user, link_id)
            code = link.branch.code
            change(current_user, link)
        flash(done, "info")
    return _back_to(code)


# -- customers: the public page ------------------------------------------------------------------

@bp.before_app_request
def small_public_bodies():
    """Refuse a large anonymous body before anything reads it: answers are a few KB, the app allows 100 MB."""
    # Registered with the blueprint, so it runs before the app's own hooks that read the form.
    if request.endpoint == "surveys.public":
        request.max_content_length = PUBLIC_MAX_BYTES


@bp.route("/s/<token>", methods=["GET", "POST"])
@csrf.exempt  # no session to ride on: the page stamp, the limits and the device cookie guard it instead
@limiter.limit(lambda: current_app.config["SURVEY_RATE_PER_LINK"], key_func=guards.link_key, methods=["POST"],
               on_breach=guards.count_rate_limited)
@limiter.limit(lambda: current_app.config["SURVEY_RATE_PER_ADDRESS"], key_func=guards.address_key,
               methods=["POST"], on_breach=guards.count_rate_limited)
def public(token: str):
    link = link_by_token(token)
    if link is None:
        return message_page("not_found", 404)
    checklist = live_checklist(link)
    if checklist is None:
        return message_page("ended", 410, link)
    if request.method == "GET":
        if guards.answered_today(link):
            return message_page(REPEAT, 200, link)
        return form_page(link, checklist, guards.issue_stamp(link))
    return _answer(link, checklist)


def _answer(link, checklist):
    """Refuse (and count) what a script or a second visit sends, show the form again to fix, else keep it."""
    form = request.form
    refusal = guards.refusal(link, form)
    if refusal is not None:
        with write_transaction():
            count_rejection(link.id, refusal)
        if refusal in REFUSED_PAGES:
            return message_page(refusal, REFUSED_PAGES[refusal], link)
        stamp = form.get(guards.STAMP_FIELD, "") if refusal == TOO_FAST else guards.issue_stamp(link)
        return form_page(link, checklist, stamp, refusal, 400, form)
    staff_code = link.staff.code if link.staff else None
    answers, problems = read_answers(checklist, form, staff_code)
    comment, contact = form.get("comment", "").strip(), form.get("contact", "").strip()
    consent = form.get("consent") == "yes"
    problems += response_problems(checklist, answers, comment, contact)
    if problems:
        return form_page(link, checklist, form.get(guards.STAMP_FIELD, ""), "invalid", 422, form,
                         item_errors(problems))
    try:
        with write_transaction():
            response = store_response(link, checklist, answers, comment, consent, contact,
                                      form.get(guards.STAMP_FIELD, ""))
            open_follow_up(response, link)
    except IntegrityError:  # the page's stamp was spent: a double tap or a replay, kept once
        with write_transaction():
            count_rejection(link.id, REPEAT)
        return message_page(REPEAT, REFUSED_PAGES[REPEAT], link)
    page = message_page("accepted", 200, link)
    guards.remember_answer(page, link)
    return page


# -- posters --

def _poster_pdf(data: bytes, name: str) -> Response:
    filename = secure_filename(name) or "posters"
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}.pdf"', "Cache-Control": "private"})


@bp.get("/surveys/posters/branch/<code>.pdf")
@login_required
def branch_poster(code: str):
    found = branch_links(current_user, code, request.args.get("checklist", "").strip())
    return _poster_pdf(render_posters(found), f"survey-poster-{code}")


@bp.get("/surveys/posters/staff/<code>.pdf")
@login_required
def staff_poster(code: str):
    return _poster_pdf(render_posters(staff_links(current_user, code)), f"survey-badge-{code}")


@bp.get("/surveys/posters/region/<region>.pdf")
@login_required
def region_posters(region: str):
    return _poster_pdf(render_posters(region_links(current_user, region)),
                       f"survey-posters-{region}")
