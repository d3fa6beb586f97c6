"""Download visits and answers as CSV (streamed) or XLSX (written in constant memory).

`?header=ids` gives the machine-readable form for integrations: the column ids as the header, status ids,
`true`/`false`, answers as stored and, in CSV, times as ISO 8601 with their offset.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, redirect, request, send_file, stream_with_context, url_for
from flask_login import current_user, login_required

from ..audit.services import record
from ..db import write_transaction
from ..lifecycle import VisitStatus
from ..problems import BadRequest
from ..web.requests import optional_id, period
from ..web.spreadsheets import csv_stream, xlsx_file
from .services import ROWS, SHEETS, Filters, count_rows
from .tasks import submit_export

bp = Blueprint("exports", __name__, url_prefix="/exports")
HEADERS = ("labels", "ids")  # the user's language (the default), or the stable column ids


@bp.get("/<kind>.<fmt>")
@login_required
def download(kind: str, fmt: str):
    if kind not in ROWS or fmt not in ("csv", "xlsx"):
        abort(404)
    start, end = period()
    filters = Filters(**{key: request.args.get(key) or None for key in ("branch", "region", "checklist", "status")},
                      submitter=optional_id("submitter"))
    if filters.status and filters.status not in set(VisitStatus):
        raise BadRequest("status is one of %(states)s", states=", ".join(VisitStatus))
    header = request.args.get("header") or "labels"
    if header not in HEADERS:
        raise BadRequest("header is one of %(headers)s", headers=", ".join(HEADERS))
    machine = header == "ids"
    counted = count_rows(current_user, kind, start, end, filters)
    with write_transaction():
        record("export", current_user, f"{kind}.{fmt}",
               {"from": str(start), "to": str(end), "branch": filters.branch, "region": filters.region,
                "checklist": filters.checklist, "status": filters.status,
                "submitter": None if filters.submitter is None else str(filters.submitter), "header": header})
        # A large one is written to a file by a job while the user watches its progress, then downloaded.
        job = submit_export(current_user, kind, fmt, start, end, filters, machine, counted) \
            if counted > current_app.config["EXPORT_JOB_ROWS"] else None
    if job is not None:
        return redirect(url_for("jobs.show", job_id=job.id))
    rows = ROWS[kind](current_user, start, end, filters, machine)
    name = f"{kind}-{start}-{end}"
    if fmt == "csv":
        return Response(stream_with_context(csv_stream(rows, iso_times=machine)), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    return send_file(xlsx_file(rows, kind if machine else str(SHEETS[kind])), as_attachment=True,
                     download_name=f"{name}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
