"""Parse a visit submission (JSON or multipart) into a Submission with processed photos."""

from __future__ import annotations

import json
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from flask import Request, current_app
from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

from ..checklists import AnswerProblem
from ..photos.processing import PhotoError, process
from ..visits.services import Submission

PHOTO_FIELD = "photo."


class PayloadError(ValueError):
    """A request that cannot be read; `details` says which field and why."""

    def __init__(self, message: str, details: list | None = None, status: int = 400):
        super().__init__(message)
        self.details = details or []
        self.status = status


class VisitPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID
    checklist: str
    version: str | None = None
    branch: str
    started_at: AwareDatetime
    finished_at: AwareDatetime
    answers: dict[str, Any]
    notes: dict[str, str] = {}


def parse_visit(request: Request) -> tuple[VisitPayload, Submission]:
    """Read the request body; photos are checked and shrunk here, before any database work."""
    if request.mimetype == "multipart/form-data":
        raw = request.form.get("visit")
        if raw is None and "visit" in request.files:
            raw = request.files["visit"].read().decode("utf-8", errors="replace")
        if raw is None:
            raise PayloadError("the multipart body needs a part named 'visit' holding the visit JSON")
        data = _json(raw)
        uploads = [(name[len(PHOTO_FIELD):], file) for name, file in request.files.items(multi=True)
                   if name.startswith(PHOTO_FIELD)]
    else:
        data = request.get_json(silent=True)
        if data is None:
            raise PayloadError("the body must be JSON (application/json) or multipart/form-data")
        uploads = []
    payload = _validate(data)
    submission = Submission(
        uuid=payload.id, checklist_id=payload.checklist, branch_code=payload.branch,
        started_at=payload.started_at, finished_at=payload.finished_at,
        answers=payload.answers, notes=payload.notes, photos=_photos(uploads),
    )
    return payload, submission


def _json(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError as error:
        raise PayloadError(f"the 'visit' part is not valid JSON: {error}") from None


def _validate(data: Any) -> VisitPayload:
    try:
        return VisitPayload.model_validate(data)
    except ValidationError as error:
        details = [{"field": ".".join(str(part) for part in e["loc"]) or "body", "message": e["msg"],
                    "code": "invalid_field"} for e in error.errors()]
        raise PayloadError("the visit is not in the expected shape", details) from None


def _photos(uploads: list) -> list:
    config = current_app.config
    if len(uploads) > config["MAX_PHOTOS_PER_VISIT"]:
        raise PayloadError(f"at most {config['MAX_PHOTOS_PER_VISIT']} photos per visit", status=413)
    zone = ZoneInfo(config["TIMEZONE"])
    photos, problems = [], []
    for item_id, upload in uploads:
        data = upload.stream.read(config["MAX_PHOTO_BYTES"] + 1)
        try:
            photos.append((item_id, process(data, config["MAX_PHOTO_BYTES"], config["MAX_PHOTO_PIXELS"], zone)))
        except PhotoError as error:
            name = upload.filename or "photo"
            problems.append(AnswerProblem(item_id, f"{name}: {error}", "photo_refused"))
    if problems:
        raise PayloadError("some photos were refused", problems, status=422)
    return photos
