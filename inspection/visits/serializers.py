"""Visits as the API shows them."""

from __future__ import annotations

from flask import url_for

from ..web.templating import photo_url
from .models import Visit


def visit_summary(visit: Visit) -> dict:
    """Return the short answer to a submission: id, score, verdict and the visit page."""
    return {"id": str(visit.uuid), "score": visit.result["score"], "passed": visit.passed,
            "rating": visit.rating, "url": url_for("review.show", visit_uuid=visit.uuid)}


def visit_json(visit: Visit) -> dict:
    """Return a visit's answers, notes, photo links and full result."""
    return {
        **visit_summary(visit),
        "checklist": visit.checklist_id, "version": visit.version, "checklist_version": visit.checklist_version,
        "branch": visit.branch.code, "status": visit.status, "started_at": visit.started_at.isoformat(),
        "finished_at": visit.finished_at.isoformat(),
        "answers": {a.item_id: a.value for a in visit.answers if a.value is not None},
        "notes": {a.item_id: a.note for a in visit.answers if a.note},
        "photos": [{"item": p.item_id, "name": p.stored_name, "url": photo_url(p), "thumbnail": photo_url(p, True),
                    "width": p.width, "height": p.height, "sha256": p.sha256,
                    "taken_at": p.taken_at.isoformat() if p.taken_at else None} for p in visit.photos],
        "result": visit.result,
    }
