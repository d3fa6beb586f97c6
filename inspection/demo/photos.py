"""Demo photos: a picture of its own for each visit, with the camera time and place a phone records, and a few
of the quirks that evidence integrity points out (a reused or resized photo, an old one, one taken elsewhere,
one without metadata), so that the demo inbox shows a range of trust."""

from __future__ import annotations

import io
import random
from datetime import datetime, timedelta, timezone

from PIL import ExifTags, Image, ImageDraw

from ..org.models import Branch
from ..photos.processing import ProcessedPhoto, process

QUIRKS = (("reused", 0.03), ("resized", 0.03), ("old", 0.04), ("elsewhere", 0.03), ("bare", 0.05))
ALBUM_SIZE = 40  # earlier uploads a reused or resized photo is picked from
CHINA_STANDARD_TIME = timezone(timedelta(hours=8))
LIMITS = {"max_bytes": 10 * 1024 * 1024, "max_pixels": 10_000_000}


class Camera:
    """A shared phone camera whose photos are drawn at random, with their EXIF."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.album: list[bytes] = []

    def photo(self, branch: Branch, started_at: datetime, finished_at: datetime) -> ProcessedPhoto:
        """Return a photo taken during the visit at the branch, now and then with a quirk."""
        quirk = self._quirk()
        if quirk in ("reused", "resized") and self.album:
            earlier = self.rng.choice(self.album)
            return process(earlier if quirk == "reused" else _resized(earlier), **LIMITS)
        taken_at = started_at + (finished_at - started_at) * self.rng.random()
        if quirk == "old":
            taken_at -= timedelta(days=self.rng.randint(1, 3))
        place = (branch.latitude + self.rng.uniform(-3e-4, 3e-4), branch.longitude + self.rng.uniform(-3e-4, 3e-4))
        if quirk == "elsewhere":
            place = (place[0] + self.rng.choice((-1, 1)) * self.rng.uniform(0.05, 0.5), place[1])
        data = _picture(self.rng, None if quirk == "bare" else _exif(taken_at, place))
        self.album = [*self.album[-ALBUM_SIZE + 1:], data]
        return process(data, **LIMITS)

    def _quirk(self) -> str | None:
        roll = self.rng.random()
        for quirk, chance in QUIRKS:
            if roll < chance:
                return quirk
            roll -= chance
        return None


def _picture(rng: random.Random, exif: Image.Exif | None) -> bytes:
    """Draw a scene of coloured shapes, different for every photo, as a camera JPEG."""
    image = Image.new("RGB", (640, 480), tuple(rng.randint(150, 240) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(8):
        left, top = rng.randint(0, 560), rng.randint(0, 400)
        box = (left, top, left + rng.randint(40, 320), top + rng.randint(30, 240))
        colour = tuple(rng.randint(20, 230) for _ in range(3))
        (draw.ellipse if rng.random() < 0.4 else draw.rectangle)(box, fill=colour)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80, **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def _resized(data: bytes) -> bytes:
    """Return a smaller, re-encoded copy of a photo, as a forwarded picture is."""
    with Image.open(io.BytesIO(data)) as image:
        smaller = image.resize((image.width * 3 // 4, image.height * 3 // 4))
    out = io.BytesIO()
    smaller.save(out, "JPEG", quality=70)
    return out.getvalue()


def _exif(taken_at: datetime, place: tuple[float, float]) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "DemoPhone"
    detail = exif.get_ifd(ExifTags.IFD.Exif)
    detail[ExifTags.Base.DateTimeOriginal] = taken_at.astimezone(CHINA_STANDARD_TIME).strftime("%Y:%m:%d %H:%M:%S")
    detail[ExifTags.Base.OffsetTimeOriginal] = "+08:00"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    for (ref_tag, value_tag), value, sides in (
            ((ExifTags.GPS.GPSLatitudeRef, ExifTags.GPS.GPSLatitude), place[0], "NS"),
            ((ExifTags.GPS.GPSLongitudeRef, ExifTags.GPS.GPSLongitude), place[1], "EW")):
        gps[ref_tag] = sides[0] if value >= 0 else sides[1]
        gps[value_tag] = _sexagesimal(abs(value))
    return exif


def _sexagesimal(degrees: float) -> tuple[float, float, float]:
    whole, minutes = int(degrees), (degrees % 1) * 60
    return float(whole), float(int(minutes)), round((minutes % 1) * 60, 2)
