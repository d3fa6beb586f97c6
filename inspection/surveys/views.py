"""Customer surveys: managers' links and QR codes, and the public page customers answer."""

from __future__ import annotations

from flask import Blueprint

from . import models  # noqa: F401 - the tables exist whether or not a survey page was asked for yet

bp = Blueprint("surveys", __name__)
