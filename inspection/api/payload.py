"""Read visit submissions and corrections (JSON or multipart): check the shape first, decode photos last."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated, Any

from flask import Request, current_app
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictInt, ValidationError

from .. import localtime
from ..labels import problem_text
from ..photos.processing import PhotoError, ProcessedPhoto, pixel_count, process
from ..problems import BadRequest, Invalid, TooLarge
from ..web.errors import translated
from ..web.inputs import check_json

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
    assignment: Annotated[StrictInt, Field(ge=1, le=2**31 - 1)] | None = None


class KeptPhoto(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item: str
    name: str


class CorrectionPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answers: dict[str, Any]
    notes: dict[str, str] = {}
    started_at: AwareDatetime | None = None
    finished_at: AwareDatetime | None = None
    # One picture may stand under two items: a kept photo is named by its item and stored name.
    keep_photos: list[KeptPhoto] | None = None


def json_body(request: Request) -> Any:
    """Return the JSON body, or None when there is none or it is not JSON; refuse what cannot be stored."""
    if (request.content_length or 0) > current_app.config["MAX_JSON_BYTES"]:
        raise TooLarge("a JSON body has at most %(kb)d KB", kb=current_app.config["MAX_JSON_BYTES"] // 1024)
    try:
        document = request.get_json(silent=True)
    except RecursionError:  # the parser gives up on very deep nesting instead of saying it is invalid
        raise BadRequest("the JSON is nested too deeply") from None
    check_json(document)
    return document


def read_body(request: Request) -> tuple[Any, list]:
    """Return the JSON document and the photo uploads (item id, file), not yet decoded."""
    if request.mimetype == "multipart/form-data":
        raw = request.form.get("visit")
        if raw is None and "visit" in request.files:
            try:
                raw = request.files["visit"].read().decode("utf-8")
            except UnicodeDecodeError:
                raise BadRequest("the 'visit' part is not UTF-8 text") from None
        if raw is None:
            raise BadRequest("the multipart body needs a part named 'visit' holding the visit JSON")
        if len(raw) > current_app.config["MAX_JSON_BYTES"]:
            raise TooLarge("the 'visit' part has at most %(kb)d KB", kb=current_app.config["MAX_JSON_BYTES"] // 1024)
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError) as error:
            raise BadRequest("the 'visit' part is not valid JSON: %(error)s", error=error) from None
        check_json(data)
        uploads = [(name[len(PHOTO_FIELD):], file) for name, file in request.files.items(multi=True)
                   if name.startswith(PHOTO_FIELD)]
        return data, uploads
    data = json_body(request)
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


@dataclass
class Upload:
    """A photo as sent: read (at most one byte past the limit) but not decoded."""

    item_id: str
    filename: str
    data: bytes

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def read_uploads(uploads: list) -> list[Upload]:
    """Read the photo parts, refusing more photos than a visit may carry."""
    config = current_app.config
    if len(uploads) > config["MAX_PHOTOS_PER_VISIT"]:
        raise TooLarge("at most %(limit)d photos per visit", limit=config["MAX_PHOTOS_PER_VISIT"])
    return [Upload(item_id, upload.filename or "photo", upload.stream.read(config["MAX_PHOTO_BYTES"] + 1))
            for item_id, upload in uploads]


def process_photos(uploads: list[Upload]) -> list[tuple[str, ProcessedPhoto]]:
    """Check and shrink each upload; Invalid naming every refused photo by its item."""
    config = current_app.config
    total = sum(pixel_count(upload.data) for upload in uploads)  # from the headers: nothing decoded yet
    if total > config["MAX_REQUEST_PIXELS"]:
        raise TooLarge("the photos hold %(total)d megapixels together; at most %(limit)d per request",
                       total=total // 1_000_000, limit=config["MAX_REQUEST_PIXELS"] // 1_000_000)
    zone = localtime.zone()
    photos, problems = [], []
    for upload in uploads:
        try:
            photos.append((upload.item_id, process(upload.data, config["MAX_PHOTO_BYTES"],
                                                   config["MAX_PHOTO_PIXELS"], zone, upload.sha256)))
        except PhotoError as error:
            reason = f"{upload.filename}: {translated(error)}"
            problems.append({"item": upload.item_id, "code": "photo_refused", "message": f"{upload.filename}: {error}",
                             "text": problem_text("photo_refused", reason)})
    if problems:
        raise Invalid("some photos were refused", problems)
    return photos
