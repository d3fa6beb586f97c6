"""The coverage page and its export, for managers: planned, done, late and missed work per branch."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from .. import access, localtime
from ..charts import BAD, GOLD, LINE, OK, stacked_chart
from ..db import utcnow
from ..extensions import db
from ..web.requests import month_period
from ..web.spreadsheets import csv_stream
from .services import COLUMNS, by_region, coverage

bp = Blueprint("coverage", __name__)
LABELS = {"planned": _l("Planned"), "done": _l("Done on time"), "late": _l("Done late"), "missed": _l("Missed"),
          "open": _l("Still open")}


def _rows():
    access.require(current_user, "coverage.view")
    start, end = month_period()
    region = request.args.get("region") or None
    rows = coverage(current_user, start, end, region, utcnow(), localtime.zone())
    return start, end, region, rows


@bp.get("/coverage")
@login_required
def index():
    start, end, region, rows = _rows()
    regions = sorted({b.region for b in db.session.scalars(access.scoped_branches(current_user))})
    totals = by_region(rows)
    chart = stacked_chart([(row.name, row.counts()[1:]) for row in (rows if region else totals)],
                          [OK, GOLD, BAD, LINE], _("Coverage: done, late, missed, open"))
    return render_template("coverage/index.html", rows=rows, totals=totals, chart=chart, start=start, end=end,
                           region=region, regions=regions, labels=LABELS, columns=COLUMNS)


@bp.get("/coverage.csv")
@login_required
def export():
    start, end, _region, rows = _rows()
    header = [_("Region"), _("Branch code"), _("Branch"), *(str(LABELS[column]) for column in COLUMNS)]
    lines = [header] + [[row.region, row.code, row.name, *row.counts()] for row in rows]
    return Response(csv_stream(lines), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=coverage-{start}-{end}.csv"})
