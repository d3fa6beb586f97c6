"""A large export made by a job into a file, downloaded when done; small ones stay streamed by the view."""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from datetime import date

from flask_babel import get_locale

from ..auth.models import User
from ..jobs import outputs
from ..jobs.models import Job, JobKind
from ..jobs.registry import Result, task
from ..jobs.runner import report_progress
from ..jobs.services import request_key, submit
from ..web.spreadsheets import csv_stream, xlsx_file
from .services import BATCH, ROWS, SHEETS, Filters

ENCODING = "utf-8"


def submit_export(actor: User, kind: str, fmt: str, start: date, end: date, filters: Filters, machine: bool,
                  rows: int) -> Job:
    """Ask for an export as a file (or get the same request's job back). Flush only."""
    params = {"kind": kind, "fmt": fmt, "from": start.isoformat(), "to": end.isoformat(), "filters": asdict(filters),
              "machine": machine, "locale": str(get_locale())}
    return submit(actor, JobKind.EXPORT, params, request_key(JobKind.EXPORT, actor, params), total=rows)[0]


def _counted(rows: Iterable[list], job_id: str) -> Iterator[list]:
    """Pass the rows on, reporting every batch written (the header is not counted)."""
    for number, row in enumerate(rows):
        if number and number % BATCH == 0:
            report_progress(job_id, number)
        yield row


@task(JobKind.EXPORT)
def make_export(job: Job) -> Result:
    """Write the export into the job's file, in the language of the user who asked, as the view streams it."""
    params = job.params
    kind, fmt, machine = params["kind"], params["fmt"], params["machine"]
    rows = _counted(ROWS[kind](job.created_by, date.fromisoformat(params["from"]), date.fromisoformat(params["to"]),
                               Filters(**params["filters"]), machine), job.id)
    filename = f"{kind}-{params['from']}-{params['to']}.{fmt}"
    with outputs.writing(f"{job.id}/{filename}") as handle:
        if fmt == "csv":
            for text in csv_stream(rows, iso_times=machine):
                handle.write(text.encode(ENCODING))
        else:
            with xlsx_file(rows, kind if machine else str(SHEETS[kind])) as workbook:
                shutil.copyfileobj(workbook, handle)
    report_progress(job.id, job.progress_total)
    return Result(output=f"{job.id}/{filename}", filename=filename)
