"""The home page: the user's work (due, overdue, to correct), a manager's counts, and what they can fill in."""

import hmac
from datetime import timedelta

import redis
from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import selectinload

from .. import access, localtime
from ..actions.models import CORRECTIVE, FOLLOW_UP, KINDS
from ..actions.services import actions_query
from ..appeals.reports import appealable_visits, open_appeals
from ..catalog.services import get_catalog
from ..db import utcnow
from ..extensions import db, media_store
from ..lifecycle import VisitStatus
from ..media.store import MediaError
from ..offline.services import fillable_checklists
from ..plans.listing import manager_counts, month_bounds, my_work
from ..visits.inbox import status_counts
from ..visits.models import Visit
from ..web.observability import metrics_text

bp = Blueprint("main", __name__)

RECENT_VISITS = 20
UNDER_REVIEW = (VisitStatus.SUBMITTED, VisitStatus.IN_REVIEW, VisitStatus.RETURNED)  # what the counts show
READY_TIMEOUT_SECONDS = 2  # a load balancer asks often; a stuck Redis must not hold a worker


@bp.route("/")
@login_required
def index():
    catalog = get_catalog()
    checklists = fillable_checklists(current_user)
    branches = db.session.scalars(access.scoped_branches(current_user)).all()
    visits = db.session.scalars(
        select(Visit).where(access.visit_filter(current_user, Visit))
        .options(selectinload(Visit.branch), selectinload(Visit.snapshot))
        .order_by(Visit.finished_at.desc()).limit(RECENT_VISITS)
    ).all()
    problems = catalog.problems if access.can(current_user, "catalog.problems") else []
    now = utcnow()
    work = my_work(current_user, now) if checklists else None
    returned = db.session.scalars(
        select(Visit).where(Visit.submitter_id == current_user.id, Visit.status == VisitStatus.RETURNED)
        .options(selectinload(Visit.branch), selectinload(Visit.snapshot)).order_by(Visit.finished_at.desc())
    ).all() if checklists else []
    return render_template("main/index.html", checklists=checklists, branches=branches, visits=visits,
                           problems=problems, work=work, returned=returned, now=now, counts=_counts(),
                           appeals=_appeals(now))


def _appeals(now) -> dict | None:
    """Return the released visits the user may appeal and the open appeals they read; None if they read none."""
    if not access.can(current_user, "appeals.list"):
        return None
    waiting, count = open_appeals(current_user)
    return {"appealable": appealable_visits(current_user, now), "open": waiting, "open_count": count}


def _counts() -> dict | None:
    """Return what waits for a manager, each number linking to its list; None for other roles."""
    if not access.can(current_user, "coverage.view"):
        return None
    zone, today = localtime.zone(), localtime.today()
    visits = status_counts(current_user, UNDER_REVIEW)
    overdue = {kind: db.session.scalar(select(func.count()).select_from(
        actions_query(current_user, overdue=True, kind=kind).subquery())) for kind in KINDS}
    start, end = month_bounds(today, zone)
    return {"overdue_actions": overdue[CORRECTIVE], "overdue_follow_ups": overdue[FOLLOW_UP],
            **manager_counts(current_user, utcnow(), today, zone),
            "month_start": start.date(), "month_last": end.date() - timedelta(days=1),
            "to_review": visits[VisitStatus.SUBMITTED], "in_review": visits[VisitStatus.IN_REVIEW],
            "returned": visits[VisitStatus.RETURNED]}


@bp.route("/healthz")
def health():
    """Tell a supervisor the process answers; what it depends on is /readyz's question."""
    return {"status": "ok"}


@bp.get("/readyz")
def ready():
    """Tell a load balancer whether this process can serve: database, Redis (if configured) and media storage."""
    checks = {"database": _database_ok(), "storage": _storage_ok()}
    if current_app.config["REDIS_URL"]:
        checks["redis"] = _redis_ok(current_app.config["REDIS_URL"])
    everything = all(checks.values())
    body = {"status": "ready" if everything else "unavailable",
            "checks": {name: "ok" if ok else "failed" for name, ok in checks.items()}}
    return body, 200 if everything else 503


def _database_ok() -> bool:
    try:
        db.session.execute(select(1))
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.warning("readiness: the database did not answer", exc_info=True)
        return False
    return True


def _redis_ok(url: str) -> bool:
    client = redis.Redis.from_url(url, socket_connect_timeout=READY_TIMEOUT_SECONDS,
                                  socket_timeout=READY_TIMEOUT_SECONDS)
    try:
        return bool(client.ping())
    except redis.RedisError:
        current_app.logger.warning("readiness: Redis did not answer", exc_info=True)
        return False
    finally:
        client.close()


def _storage_ok() -> bool:
    """Store a small probe: the media folder or bucket must take new files."""
    try:
        media_store().check()
    except MediaError:
        current_app.logger.warning("readiness: the media storage takes no files", exc_info=True)
        return False
    return True


@bp.get("/metrics")
def metrics():
    """Serve Prometheus metrics to a scraper holding INSPECTION_METRICS_TOKEN; unknown while none is set."""
    token = current_app.config["METRICS_TOKEN"]
    if not token:
        abort(404)
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return ({"error": "the metrics need the bearer token of INSPECTION_METRICS_TOKEN", "code": "unauthorized"},
                401, {"WWW-Authenticate": 'Bearer realm="metrics"'})
    body, content_type = metrics_text()
    return body, 200, {"Content-Type": content_type, "Cache-Control": "no-store"}


@bp.get("/favicon.ico")
def favicon():
    """Serve the icon that browsers ask for at the root, whatever page they were on."""
    return current_app.send_static_file("icons/favicon.ico")
