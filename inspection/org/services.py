"""Import branches and staff from CSV: upsert by code, all or nothing."""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field

from sqlalchemy import select

from ..extensions import db
from ..problems import BadRequest
from .models import Branch, Staff

BRANCH_COLUMNS = ("code", "name", "region", "address")
STAFF_COLUMNS = ("code", "name", "branch", "position")
# Columns a file may add at its end, for files written before they existed.
OPTIONAL_COLUMNS = {STAFF_COLUMNS: ("email",), BRANCH_COLUMNS: ("latitude", "longitude")}
# A branch's place in WGS 84 degrees: each coordinate's bound either side of zero.
DEGREES = {"latitude": 90, "longitude": 180}
REQUIRED = {"code", "name"}
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
MAX_LENGTHS = {"code": 32, "name": 200, "region": 100, "address": 300, "branch": 32, "position": 100,
               "email": 254, "latitude": 32, "longitude": 32}


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[tuple[int, BadRequest]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected


def active_staff(branch: Branch) -> list[Staff]:
    """Return the branch's active staff by code, for staff pickers."""
    return list(db.session.scalars(
        select(Staff).where(Staff.branch_id == branch.id, Staff.active).order_by(Staff.code)))


def read_csv(data: bytes, columns: tuple[str, ...]) -> tuple[list[tuple[int, dict]], list[tuple[int, str]]]:
    """Decode a CSV export (UTF-8, with or without BOM) into (line, row) pairs and problems."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return [], [(line, BadRequest("the file is not UTF-8 text; save it as CSV UTF-8"))]
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    if tuple(header) not in (columns, columns + OPTIONAL_COLUMNS.get(columns, ())):
        return [], [(1, BadRequest("the header must be %(wanted)s, got %(got)s", wanted=",".join(columns),
                                   got=",".join(header) or "-"))]
    rows, problems = [], []
    for row in reader:
        line = reader.line_num
        if None in row or any(value is None for value in row.values()):
            problems.append((line, BadRequest("expected %(count)d columns", count=len(columns))))
            continue
        rows.append((line, {key.strip(): value.strip() for key, value in row.items()}))
    return rows, problems


def _row_problem(row: dict, seen: set[str]) -> BadRequest | None:
    for key in REQUIRED:
        if not row[key]:
            return BadRequest("'%(column)s' is empty", column=key)
    for key, value in row.items():
        if len(value) > MAX_LENGTHS[key]:
            return BadRequest("'%(column)s' is longer than %(limit)d characters", column=key, limit=MAX_LENGTHS[key])
    for key in ("code", "branch"):  # the admin form's rule: codes end up in links and file names
        if key in row and row[key] and not CODE.fullmatch(row[key]):
            return BadRequest("'%(column)s' may hold only letters, digits, - and _", column=key)
    if row["code"] in seen:
        return BadRequest("code '%(code)s' appears twice in the file", code=row["code"])
    seen.add(row["code"])
    return None


def import_branches(data: bytes) -> ImportReport:
    """Create or update branches from CSV; write nothing if any row is rejected. Flush only."""
    return _import(data, BRANCH_COLUMNS, Branch, _branch_values)


def import_staff(data: bytes) -> ImportReport:
    """Create or update staff from CSV; write nothing if any row is rejected. Flush only."""
    return _import(data, STAFF_COLUMNS, Staff, _staff_values)


def _branch_values(row: dict, lookups: dict) -> dict:
    if not row["region"]:
        raise BadRequest("'%(column)s' is empty", column="region")
    values = {"name": row["name"], "region": row["region"], "address": row["address"]}
    if "latitude" in row:  # a file without the columns leaves the branches' places as they are
        values.update(_coordinates(row))
    return values


def _coordinates(row: dict) -> dict:
    """Return a row's latitude and longitude as numbers, both or neither; BadRequest naming the column at fault."""
    given = [column for column in DEGREES if row[column]]
    if len(given) == 1:
        raise BadRequest("give both latitude and longitude, or neither")
    values = {column: None for column in DEGREES}
    for column in given:
        try:
            values[column] = float(row[column])
        except ValueError:
            values[column] = math.nan
        if not -DEGREES[column] <= values[column] <= DEGREES[column]:  # NaN and infinity fail too
            raise BadRequest("'%(column)s' must be a number from -%(limit)d to %(limit)d", column=column,
                             limit=DEGREES[column])
    return values


def _staff_values(row: dict, lookups: dict) -> dict:
    branches = lookups.setdefault("branches", {b.code: b.id for b in db.session.scalars(select(Branch))})
    if row["branch"] not in branches:
        raise BadRequest("unknown branch '%(code)s'", code=row["branch"])
    email = row.get("email", "").lower() or None
    if email and "@" not in email:
        raise BadRequest("'%(email)s' is not an e-mail address", email=email)
    return {"name": row["name"], "branch_id": branches[row["branch"]], "position": row["position"], "email": email}


def _import(data: bytes, columns: tuple[str, ...], model, values_of) -> ImportReport:
    rows, problems = read_csv(data, columns)
    report = ImportReport(rejected=problems)
    existing = {record.code: record for record in db.session.scalars(select(model))}
    seen: set[str] = set()
    lookups: dict = {}
    planned = []
    for line, row in rows:
        problem = _row_problem(row, seen)
        try:
            values = None if problem else values_of(row, lookups)
        except BadRequest as error:
            problem = error
        if problem:
            report.rejected.append((line, problem))
        else:
            planned.append((row["code"], values))
    if report.rejected:
        return report
    for code, values in planned:
        _upsert(model, existing.get(code), code, values, report)
    db.session.flush()
    return report


def _upsert(model, record, code: str, values: dict, report: ImportReport) -> None:
    if record is None:
        db.session.add(model(code=code, active=True, **values))
        report.created.append(code)
    elif any(getattr(record, key) != value for key, value in values.items()) or not record.active:
        for key, value in values.items():
            setattr(record, key, value)
        # A person or branch listed in a fresh import is working again.
        record.active = True
        report.updated.append(code)
    else:
        report.unchanged.append(code)
