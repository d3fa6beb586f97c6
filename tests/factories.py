"""Test data builders; each flushes so that ids exist, and the app fixture cleans up."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import func, select

from inspection.auth.services import add_user
from inspection.checklists import load_text
from inspection.extensions import db
from inspection.org.models import Branch, Staff
from inspection.visits.services import Submission

PASSWORD = "Lanmao-qiuqiu-88"
_numbers = itertools.count(1)

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SMALL_CHECKLIST = (FIXTURES / "small.yaml").read_text(encoding="utf-8")


def make_org() -> SimpleNamespace:
    """Create branches E1, E2 (region East) and W1 (West), each with two staff."""
    branches = {}
    for code, region in (("E1", "East"), ("E2", "East"), ("W1", "West")):
        branch = Branch(code=code, name=f"Branch {code}", region=region, address="")
        branch.staff = [Staff(code=f"{code}-S{i}", name=f"Staff {code}-{i}", position="clerk") for i in (1, 2)]
        branches[code] = branch
    db.session.add_all(branches.values())
    db.session.flush()
    return SimpleNamespace(branches=branches)


def make_user(role: str, regions=(), branches=(), email: str | None = None):
    """Create a user of the role with the given scope."""
    email = email or f"{role}{next(_numbers)}@example.com"
    return add_user(email, f"{role.title()} User", role, PASSWORD, tuple(branches), tuple(regions))


def login(client, user, password: str = PASSWORD):
    """Sign the test client in as the user."""
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def small_checklist(kind: str = "inspection"):
    """Return a small checklist of the given kind."""
    return load_text(SMALL_CHECKLIST.replace("kind: inspection", f"kind: {kind}"))


def submission(branch: str = "E1", answers: dict | None = None, **changes) -> Submission:
    """Return a valid submission of the small checklist."""
    finished = datetime(2026, 11, 2, 10, 30, tzinfo=timezone.utc)
    values = dict(
        uuid=uuid.uuid4(), checklist_id="small", branch_code=branch,
        started_at=finished - timedelta(minutes=20), finished_at=finished,
        answers=answers if answers is not None else {"clerk": f"{branch}-S1", "clean": True, "greet": 3.5},
        notes={},
    )
    values.update(changes)
    return Submission(**values)


def jpeg_bytes(width: int = 640, height: int = 480, exif: bytes | None = None, colour=(200, 120, 40)) -> bytes:
    """Return a real JPEG, optionally with EXIF."""
    import io

    from PIL import Image

    out = io.BytesIO()
    image = Image.new("RGB", (width, height), colour)
    image.save(out, "JPEG", quality=85, **({"exif": exif} if exif else {}))
    return out.getvalue()


def api_visit(branch: str = "E1", **changes) -> dict:
    """Return a JSON visit body for the small checklist."""
    body = {
        "id": str(uuid.uuid4()), "checklist": "small", "branch": branch,
        "started_at": "2026-11-02T10:00:00+08:00", "finished_at": "2026-11-02T10:20:00+08:00",
        "answers": {"clerk": f"{branch}-S1", "clean": True, "greet": 3.5}, "notes": {"clean": "干净"},
    }
    body.update(changes)
    return body


def bearer(token: str) -> dict:
    """Return the header that signs an API call in with a token."""
    return {"Authorization": f"Bearer {token}"}


def count(model) -> int:
    """Return how many rows a table holds."""
    return db.session.scalar(select(func.count()).select_from(model))


def media_files(app) -> list[Path]:
    """Return every file under the media folder."""
    return [path for path in Path(app.config["MEDIA_DIR"]).rglob("*") if path.is_file()]
