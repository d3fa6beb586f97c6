"""The manifest, the service worker, the outbox page, and what a device fetches to work offline."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, jsonify, render_template, send_from_directory, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from ..problems import Unauthorized
from .services import fillable_checklists, shell_version

bp = Blueprint("offline", __name__)


def _version() -> str:
    """Return the shell's version, worked out once per process."""
    if "SHELL_VERSION" not in current_app.config:
        current_app.config["SHELL_VERSION"] = shell_version(current_app.static_folder)
    return current_app.config["SHELL_VERSION"]


@bp.app_context_processor
def shell():
    return {"shell_version": _version}


@bp.get("/sw.js")
def service_worker():
    # Served from the root so that it may control every page; always checked for a newer version.
    response = send_from_directory(Path(current_app.static_folder) / "js", "sw.js", max_age=0,
                                   mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    icons = [{"src": url_for("static", filename=f"icons/icon-{size}.png"), "sizes": f"{size}x{size}",
              "type": "image/png", "purpose": "any maskable"} for size in (192, 512)]
    body = {"name": _("Service Inspection"), "short_name": _("Inspection"), "lang": "zh-CN",
            "start_url": url_for("main.index"), "scope": "/", "display": "standalone",
            "background_color": "#f4f6f9", "theme_color": "#0b6bcb", "icons": icons}
    response = jsonify(body)
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/offline")
def fallback():
    """The page a device shows for an address it did not keep; it names nobody, so every user may see it."""
    return render_template("offline/fallback.html")


@bp.get("/outbox")
@login_required
def outbox():
    return render_template("offline/outbox.html")


@bp.get("/offline/session")
def session_state():
    """Tell the outbox who is signed in and the token its requests carry; never kept by a cache."""
    if not current_user.is_authenticated:
        raise Unauthorized("sign in again to send the visits waiting on this device")
    return jsonify({"user": str(current_user.id), "csrf": generate_csrf()})


@bp.get("/offline/pages")
def pages():
    """List what the signed-in user's device keeps: the shell version and the pages and data they work with."""
    if not current_user.is_authenticated:
        raise Unauthorized("sign in again to send the visits waiting on this device")
    urls = [url_for("main.index"), url_for("offline.outbox"), url_for("api.branches"),
            url_for("api.list_assignments", status="open")]
    for checklist in fillable_checklists(current_user):
        # One form page serves every branch: the page reads the branch from its address.
        urls += [url_for("visits.pick_branch", checklist_id=checklist.id),
                 url_for("visits.new", checklist_id=checklist.id)]
    return jsonify({"user": str(current_user.id), "version": _version(), "urls": urls})
