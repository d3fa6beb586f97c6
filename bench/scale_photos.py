"""Browser-sized JPEGs for the scale run: about 1600 x 1200 and 300-600 KB, a different picture every time.

Encoding a 1600 px JPEG costs the client as much as a server's check of it, so the pictures are not drawn per
visit: a few scenes are encoded once, with a restart marker after every row of 16 px blocks, and each photo is
spliced together from bands of rows of different scenes (each restart interval decodes on its own). Every photo
is then a valid baseline JPEG whose pixels, and so its stored name and its perceptual hash, are its own; the
phone's EXIF segment (camera time, place) goes in front, as the offline app sends it (static/js/photos.js).
"""

from __future__ import annotations

import io
import random
import struct
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import numpy
from PIL import ExifTags, Image, ImageDraw, ImageFilter

WIDTH, HEIGHT = 1600, 1200
BLOCK_ROWS = HEIGHT // 16  # one restart interval per row of 16 x 16 blocks (4:2:0)
QUALITY = 85  # the offline app's canvas.toBlob quality
SCENES = 8
BAND_ROWS = (4, 16)  # a photo is bands of this many block rows, each band from one scene
CHINA = timezone(timedelta(hours=8))
SOS, EOI = b"\xff\xda", b"\xff\xd9"


@dataclass
class Scenes:
    header: bytes  # everything before the entropy-coded data, shared by every scene (same size and tables)
    rows: list[list[bytes]]  # per scene, the entropy-coded bytes of each block row with its restart marker


def scenes(seed: int = 7, count: int = SCENES) -> Scenes:
    """Encode the scenes once; their headers must agree byte for byte, or rows could not be mixed."""
    encoded = [_split(_scene(numpy.random.default_rng(seed + number))) for number in range(count)]
    headers = {header for header, _ in encoded}
    if len(headers) != 1 or any(len(rows) != BLOCK_ROWS for _, rows in encoded):
        raise RuntimeError("the scenes' JPEG headers or restart intervals differ; cannot splice them")
    return Scenes(headers.pop(), [rows for _, rows in encoded])


def _scene(rng: numpy.random.Generator) -> bytes:
    """Draw a hall-like scene: a colour gradient, large shapes, and grain a phone camera leaves."""
    y, x = numpy.mgrid[0:HEIGHT, 0:WIDTH].astype(numpy.float32)
    start, slope = rng.uniform(40, 200, 3), rng.uniform(-0.08, 0.08, (2, 3))
    pixels = start + x[..., None] * slope[0] + y[..., None] * slope[1]
    image = Image.fromarray(numpy.clip(pixels, 0, 255).astype(numpy.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(12, 30))):
        left, top = int(rng.integers(-200, WIDTH)), int(rng.integers(-200, HEIGHT))
        box = (left, top, left + int(rng.integers(60, 700)), top + int(rng.integers(60, 600)))
        colour = tuple(int(value) for value in rng.integers(0, 256, 3))
        (draw.ellipse if rng.random() < 0.4 else draw.rectangle)(box, fill=colour)
    grain = rng.normal(0, 14, (HEIGHT, WIDTH, 3))
    pixels = numpy.asarray(image.filter(ImageFilter.GaussianBlur(1.2)), dtype=numpy.float32) + grain
    out = io.BytesIO()
    Image.fromarray(numpy.clip(pixels, 0, 255).astype(numpy.uint8)).save(
        out, "JPEG", quality=QUALITY, restart_marker_rows=1)
    return out.getvalue()


def _split(data: bytes) -> tuple[bytes, list[bytes]]:
    """Return a JPEG's header (through the scan header) and its entropy-coded rows, each with its marker."""
    scan = data.index(SOS)
    body_start = scan + 2 + struct.unpack(">H", data[scan + 2:scan + 4])[0]
    body = data[body_start:data.rindex(EOI)]
    rows, start, at = [], 0, body.find(b"\xff")
    while at != -1:
        if 0xD0 <= body[at + 1] <= 0xD7:  # a restart marker ends a row; 0xff00 is a stuffed data byte
            rows.append(body[start:at + 2])
            start = at + 2
        at = body.find(b"\xff", at + 2)
    rows.append(body[start:])
    return data[:body_start], rows


class Camera:
    """Make the photos of one submitter: every one a new mix of scene bands, never the same twice."""

    def __init__(self, shared: Scenes, seed: str):
        self.scenes, self.rng = shared, random.Random(seed)

    def photo(self, taken_at: datetime, place: tuple[float, float]) -> bytes:
        """Return a JPEG with its EXIF segment: taken then and there."""
        rows, row = [], 0
        while row < BLOCK_ROWS:
            band = min(self.rng.randint(*BAND_ROWS), BLOCK_ROWS - row)
            scene = self.scenes.rows[self.rng.randrange(len(self.scenes.rows))]
            rows += scene[row:row + band]
            row += band
        # One row from a scene of its own, at random: two photos alike in every band still differ in pixels.
        pick = self.rng.randrange(BLOCK_ROWS)
        rows[pick] = self.scenes.rows[(self.rng.randrange(1, len(self.scenes.rows)))][pick]
        header = self.scenes.header
        return header[:2] + _app1(taken_at, place) + header[2:] + b"".join(rows) + EOI


def _app1(taken_at: datetime, place: tuple[float, float]) -> bytes:
    """Return the EXIF segment a phone writes: camera time with its offset, and GPS position."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "ScalePhone"
    exif[ExifTags.Base.Orientation] = 1
    detail = exif.get_ifd(ExifTags.IFD.Exif)
    detail[ExifTags.Base.DateTimeOriginal] = taken_at.astimezone(CHINA).strftime("%Y:%m:%d %H:%M:%S")
    detail[ExifTags.Base.OffsetTimeOriginal] = "+08:00"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    for ref, tag, value, sides in ((ExifTags.GPS.GPSLatitudeRef, ExifTags.GPS.GPSLatitude, place[0], "NS"),
                                   (ExifTags.GPS.GPSLongitudeRef, ExifTags.GPS.GPSLongitude, place[1], "EW")):
        gps[ref] = sides[0] if value >= 0 else sides[1]
        whole, minutes = int(abs(value)), (abs(value) % 1) * 60
        gps[tag] = (float(whole), float(int(minutes)), round((minutes % 1) * 60, 2))
    payload = exif.tobytes()
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
