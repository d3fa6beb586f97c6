"""Download visits and answers as CSV (streamed) or XLSX (written in constant memory)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request, send_file, stream_with_context
from flask_login import current_user, login_required

from ..audit.services import record
from ..db import write_transaction
from ..lifecycle import VisitStatus
from ..problems import BadRequest
from ..web.requests import period
from ..web.spreadsheets import csv_stream, xlsx_file
from .services import answer_rows, visit_rows

bp = Blueprint("exports", __name__, url_prefix="/exports")
KINDS = {"visits": visit_rows, "answers": answer_rows}


@bp.get("/<kind>.<fmt>")
@login_required
def download(kind: str, fmt: str):
    if kind not in KINDS or fmt not in ("csv", "xlsx"):
        abort(404)
    start, end = period()
    filters = {key: request.args.get(key) for key in ("branch", "region", "checklist", "status")}
    if filters["status"] and filters["status"] not in set(VisitStatus):
        raise BadRequest(f"status is one of {', '.join(VisitStatus)}")
    with write_transaction():
        record("export", current_user, f"{kind}.{fmt}", {"from": str(start), "to": str(end), **filters})
    rows = KINDS[kind](current_user, start, end, filters)
    name = f"{kind}-{start}-{end}"
    if fmt == "csv":
        return Response(stream_with_context(csv_stream(rows)), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    return send_file(xlsx_file(rows, kind), as_attachment=True, download_name=f"{name}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
