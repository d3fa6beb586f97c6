"""Read request arguments the same way on every page, and show refused steps where they were taken."""

from __future__ import annotations

import io
import tempfile
from contextlib import contextmanager
from datetime import date, timedelta
from typing import IO

from flask import Request, current_app, flash, request
from werkzeug.routing import IntegerConverter
from werkzeug.wsgi import wrap_file

from .. import localtime
from ..extensions import media_store
from ..labels import problem_title
from ..months import month_after
from ..photos.storage import photo_key
from ..problems import BadRequest, Conflict, Invalid
from .errors import details, problem_message

DEFAULT_DAYS = 90
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
LAST_PAGE = 100_000
# The files of a request up to this size are kept in memory, those of a bigger one on disk. Werkzeug's
# 500 KB sent every visit with a browser-sized photo (about 550 KB) to a temporary file and read it back.
IN_MEMORY_REQUEST_BYTES = 8 * 1024 * 1024


class UploadRequest(Request):
    """Flask's request, keeping the files of a visit with browser-sized photos in memory."""

    def _get_file_stream(self, total_content_length: int | None, content_type: str | None,
                         filename: str | None = None, content_length: int | None = None) -> IO[bytes]:
        if total_content_length is not None and total_content_length <= IN_MEMORY_REQUEST_BYTES:
            return io.BytesIO()
        return tempfile.TemporaryFile("rb+")


def period(default_days: int = DEFAULT_DAYS) -> tuple[date, date]:
    """Read ?from=YYYY-MM-DD&to=YYYY-MM-DD; the default is the last 90 days."""
    try:
        end = date.fromisoformat(request.args["to"]) if request.args.get("to") else localtime.today()
        start = date.fromisoformat(request.args["from"]) if request.args.get("from") else None
    except ValueError:
        raise BadRequest("dates are written YYYY-MM-DD") from None
    if not EARLIEST <= end <= LATEST or (start is not None and not EARLIEST <= start <= LATEST):
        raise BadRequest("dates lie between %(first)s and %(last)s", first=EARLIEST, last=LATEST)
    start = start or end - timedelta(days=default_days)
    if start > end:
        raise BadRequest("the period starts after it ends")
    return start, end


def _date_arg(name: str) -> date | None:
    raw = request.args.get(name, "")
    if not raw:
        return None
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise BadRequest("'%(name)s' is a date written YYYY-MM-DD", name=name) from None
    if not EARLIEST <= value <= LATEST:
        raise BadRequest("dates lie between %(first)s and %(last)s", first=EARLIEST, last=LATEST)
    return value


def optional_period() -> tuple[date | None, date | None]:
    """Read ?from= and ?to= where either may be left out (a list's filter, not a report's period)."""
    start, end = _date_arg("from"), _date_arg("to")
    if start and end and start > end:
        raise BadRequest("the period starts after it ends")
    return start, end


def month_period() -> tuple[date, date]:
    """Read ?from= and ?to=; a missing start is the first of the month, a missing end the month's last day."""
    start, end = optional_period()
    start = start or (end or localtime.today()).replace(day=1)
    if end is None:
        end = month_after(start) - timedelta(days=1)
    return start, end


def optional_id(name: str) -> int | None:
    """Read an optional row id argument; a value that is no row id is refused, naming the argument."""
    raw = request.args.get(name, "")
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10) or not 1 <= int(raw) < 2**31:
        raise BadRequest("'%(name)s' is a number", name=name)
    return int(raw)


def page_number() -> int:
    """Read ?page=N as a page number from 1 to a sane last page."""
    return min(max(1, request.args.get("page", 1, type=int) or 1), LAST_PAGE)


@contextmanager
def flashed_problems():
    """Show a refused step as a message on the page it was taken from; 403 and 404 still answer as such."""
    try:
        yield
    except (BadRequest, Conflict, Invalid) as problem:
        message = problem_message(problem)
        texts = [detail["text"] for detail in details(problem.details) if detail["text"] != message]
        flash(" ".join([f"{problem_title(problem.status)}: {message}", *texts]), "error")


class RowId(IntegerConverter):
    """A URL part that names a row: 1 to 2^31 - 1, so that a huge number is a 404, not a database error."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=2**31 - 1)


def send_photo(name: str):
    """Stream a stored photo (after the caller's access check), cached an hour by this browser only; None if absent."""
    try:
        opened = media_store().open(photo_key(name))
    except ValueError:  # not a name the media store gives out
        return None
    if opened is None:
        return None
    response = current_app.response_class(wrap_file(request.environ, opened.stream), mimetype="image/jpeg",
                                          direct_passthrough=True)
    response.content_length, response.last_modified = opened.size, opened.modified
    response.set_etag(name.removesuffix(".jpg"))  # a digest of the content: it changes whenever the bytes do
    response.headers["Cache-Control"] = "private, max-age=3600"
    # A photo is bytes a user sent: whatever a browser made of them, it may run nothing and load nothing.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response.make_conditional(request)
