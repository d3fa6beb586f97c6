"""Read visit submissions and corrections (JSON or multipart): check the shape first, decode photos last."""

from __future__ import annotations

import json
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from flask import Request, current_app
from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

from ..checklists import AnswerProblem
from ..photos.processing import PhotoError, ProcessedPhoto, process
from ..problems import BadRequest, Invalid, TooLarge

PHOTO_FIELD = "photo."


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


class CorrectionPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answers: dict[str, Any]
    notes: dict[str, str] = {}
    started_at: AwareDatetime | None = None
    finished_at: AwareDatetime | None = None
    keep_photos: list[str] | None = None


def read_body(request: Request) -> tuple[Any, list]:
    """Return the JSON document and the photo uploads (item id, file), not yet decoded."""
    if request.mimetype == "multipart/form-data":
        raw = request.form.get("visit")
        if raw is None and "visit" in request.files:
            raw = request.files["visit"].read().decode("utf-8", errors="replace")
        if raw is None:
            raise BadRequest("the multipart body needs a part named 'visit' holding the visit JSON")
        try:
            data = json.loads(raw)
        except ValueError as error:
            raise BadRequest(f"the 'visit' part is not valid JSON: {error}") from None
        uploads = [(name[len(PHOTO_FIELD):], file) for name, file in request.files.items(multi=True)
                   if name.startswith(PHOTO_FIELD)]
        return data, uploads
    data = request.get_json(silent=True)
    if data is None:
        raise BadRequest("the body must be JSON (application/json) or multipart/form-data")
    return data, []


def validated(model: type[BaseModel], data: Any):
    """Return the document as the model, or BadRequest naming every field at fault."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        details = [{"field": ".".join(str(part) for part in e["loc"]) or "body", "message": e["msg"],
                    "code": "invalid_field"} for e in error.errors()]
        raise BadRequest("the visit is not in the expected shape", details) from None


def process_photos(uploads: list) -> list[tuple[str, ProcessedPhoto]]:
    """Check and shrink each upload; Invalid naming every refused photo by its item."""
    config = current_app.config
    if len(uploads) > config["MAX_PHOTOS_PER_VISIT"]:
        raise TooLarge(f"at most {config['MAX_PHOTOS_PER_VISIT']} photos per visit")
    zone = ZoneInfo(config["TIMEZONE"])
    photos, problems = [], []
    for item_id, upload in uploads:
        data = upload.stream.read(config["MAX_PHOTO_BYTES"] + 1)
        try:
            photos.append((item_id, process(data, config["MAX_PHOTO_BYTES"], config["MAX_PHOTO_PIXELS"], zone)))
        except PhotoError as error:
            problems.append(AnswerProblem(item_id, f"{upload.filename or 'photo'}: {error}", "photo_refused"))
    if problems:
        raise Invalid("some photos were refused", problems)
    return photos
