"""Download visits and answers as CSV (streamed) or XLSX (written in constant memory)."""

from __future__ import annotations

import csv
import io
import tempfile

from flask import Blueprint, Response, abort, request, send_file, stream_with_context
from flask_login import current_user, login_required
from openpyxl import Workbook

from ..lifecycle import VisitStatus
from ..problems import BadRequest
from ..web.requests import period
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
    rows = KINDS[kind](current_user, start, end, filters)
    name = f"{kind}-{start}-{end}"
    if fmt == "csv":
        return Response(stream_with_context(_csv(rows)), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    return send_file(_xlsx(rows, kind), as_attachment=True, download_name=f"{name}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _csv(rows):
    # A byte-order mark so that Excel opens the UTF-8 Chinese text correctly.
    yield "\ufeff"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def _xlsx(rows, title: str):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    for row in rows:
        sheet.append(row)
    # Spooled: small exports stay in memory, large ones go to disk rather than growing the process.
    output = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    workbook.save(output)
    output.seek(0)
    return output
