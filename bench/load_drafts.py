"""Realistic submissions of the shipped branch-inspection checklist, with small generated JPEGs."""

import copy
import hashlib
import io
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from PIL import Image

CHECKLIST = "branch-inspection"
CHINA = timezone(timedelta(hours=8))
YES_NO = ("signage", "floor-clean", "leaflets-current", "self-service-ok", "uniform-badge", "grooming",
          "standard-greeting", "no-buck-passing", "tariff-matches", "privacy", "complaint-box")
PHOTO_ON_FAIL = ("signage", "floor-clean", "leaflets-current", "self-service-ok", "privacy")
REMARKS = ("", "整体良好", "填单台缺老花镜，已提醒补齐", "叫号机一台故障，已报修", "高峰期分流引导及时")


@dataclass
class Draft:
    """One visit as a device sends it: the JSON document and its photos (item id, JPEG bytes)."""

    body: dict
    photos: list[tuple[str, bytes]]

    @property
    def id(self) -> str:
        return self.body["id"]

    def photo_digests(self) -> list[str]:
        return sorted(digest(data) for _, data in self.photos)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def jpeg(rng: random.Random) -> bytes:
    """Return a 640x480 JPEG whose bytes are unique: a plain colour with a patch of noise somewhere."""
    image = Image.new("RGB", (640, 480), tuple(rng.randrange(256) for _ in range(3)))
    noise = Image.effect_noise((96, 96), 40).convert("RGB")
    image.paste(noise, (rng.randrange(544), rng.randrange(384)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def answers(rng: random.Random, staff: list[str]) -> dict:
    """Answer every shown item; about one yes/no item in ten falls short."""
    values: dict = {item: rng.random() < 0.9 for item in YES_NO}
    values.update({
        "writing-desk": rng.choice([True, False, "na"]), "room-temperature": round(rng.uniform(18, 28), 1),
        "duty-staff": rng.choice(staff), "reception-staff": rng.choice(staff), "posture": rng.randint(1, 5),
        "greeting-time": round(rng.uniform(0.5, 8), 1), "queue-wait": rng.choice([rng.randint(20, 900), "na"]),
        "queue-guidance": rng.choice([True, False, "na"]), "referral": rng.choice([True, "na"]),
        "slip-errors": rng.choice([0, 0, 0, 1, 2]), "had-complaint": rng.random() < 0.2,
        "remarks": rng.choice(REMARKS),
    })
    if values["had-complaint"]:
        values.update({"complaint-logged": rng.random() < 0.9, "complaint-reply": rng.random() < 0.8})
    return values


def new_draft(rng: random.Random, branch: str, staff: list[str]) -> Draft:
    """Return a new visit of the branch that finished within the last ten hours, with the photos it needs."""
    finished = datetime.now(CHINA) - timedelta(minutes=rng.randint(1, 600))
    values = answers(rng, staff)
    photos = [("overview-photo", jpeg(rng))]
    photos += [(item, jpeg(rng)) for item in PHOTO_ON_FAIL if values[item] is False]
    if rng.random() < 0.3:  # an extra photo nobody asked for
        photos.append(("floor-clean", jpeg(rng)))
    body = {"id": str(uuid.uuid4()), "checklist": CHECKLIST, "branch": branch,
            "started_at": (finished - timedelta(minutes=rng.randint(20, 90))).isoformat(timespec="seconds"),
            "finished_at": finished.isoformat(timespec="seconds"), "answers": values,
            "notes": {"floor-clean": "地面有水渍"} if not values["floor-clean"] else {}}
    return Draft(body, photos)


def other_content(draft: Draft) -> Draft:
    """Return the same id with other answers: a device bug or a reused id, never a retry."""
    body = copy.deepcopy(draft.body)
    body["answers"]["room-temperature"] = round(body["answers"]["room-temperature"] + 1.5, 1)
    return Draft(body, list(draft.photos))


def correction(rng: random.Random, draft: Draft) -> tuple[dict, list[tuple[str, bytes]]]:
    """Return a correction of a returned visit (photos kept) and, sometimes, a photo to add."""
    values = dict(draft.body["answers"], **{"greeting-time": round(rng.uniform(0.5, 4.5), 1),
                                            "remarks": "已按审核意见复核"})
    document = {"answers": values, "notes": dict(draft.body["notes"], **{"greeting-time": "复核录像后更正"})}
    return document, [("overview-photo", jpeg(rng))] if rng.random() < 0.5 else []
