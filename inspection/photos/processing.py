"""Turn an uploaded image into a bounded JPEG and a thumbnail, judged by content only."""

from __future__ import annotations

import hashlib
import io
import math
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo

import imagehash
import pillow_heif
import weasyprint.images  # noqa: F401 - imported first, for the line after the next
from PIL import ExifTags, Image, ImageFile, ImageOps, UnidentifiedImageError

from .jpeg import stripped

pillow_heif.register_heif_opener()
# WeasyPrint sets this Pillow-wide flag to True when imported, which would let truncated uploads
# through, padded with grey. Scorecards print only our own complete JPEGs, so refuse truncation.
ImageFile.LOAD_TRUNCATED_IMAGES = False

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
LONG_SIDE = 1600
THUMB_SIDE = 320
MAX_SIDE = 16_000
JPEG_QUALITY = 82
# Kept as sent up to this size: a 1600 px phone JPEG at quality 85-90 holds 0.25-0.4 bytes a pixel; a file
# far above that is re-encoded, so that storage stays bounded by what we would have written.
KEPT_BYTES_PER_PIXEL = 0.5


class PhotoError(ValueError):
    """An upload that is not a photo we accept; the message says why, from an English template and its params."""

    def __init__(self, message: str, **params):
        self.template, self.params = message, params
        super().__init__(message % params if params else message)


@dataclass
class ProcessedPhoto:
    image: bytes
    thumbnail: bytes
    sha256: str  # of the upload as sent
    image_sha256: str  # of the stored image, which names its file
    size: int
    width: int
    height: int
    taken_at: datetime | None
    gps: tuple[float, float] | None
    phash: str  # 64-bit perceptual hash (hex), to find resized or re-encoded copies in other visits


def process(data: bytes, max_bytes: int, max_pixels: int, local_zone: tzinfo = timezone.utc,
            digest: str | None = None) -> ProcessedPhoto:
    """Check, orient, shrink and strip an upload; raise PhotoError naming the problem."""
    # `local_zone` places EXIF capture times that carry no offset of their own; `digest` is the upload's
    # SHA-256 when the caller has it already.
    if not data:
        raise PhotoError("the file is empty")
    if len(data) > max_bytes:
        raise PhotoError("the file is larger than %(size)s", size=_size(max_bytes))
    image = _open(data, max_pixels)
    taken_at, gps = _metadata(image, local_zone)
    size, kept = image.size, _as_sent(image, data)
    if kept is not None:  # decoded at a quarter or less: enough to draw the thumbnail and to read every byte
        image = _decoded(io.BytesIO(kept), _fitted(size, THUMB_SIDE))
    else:
        image = _decoded(image, _fitted(size, LONG_SIDE))
        # Area averaging (box) antialiases any downscale; after a JPEG draft the step left is under
        # 2x, where it looks like Lanczos at a third of the cost (measured in bench/bench_field.py).
        image.thumbnail((LONG_SIDE, LONG_SIDE), Image.Resampling.BOX)
        size, kept = image.size, _jpeg(image)
    thumbnail = _thumbnail(image)
    return ProcessedPhoto(
        image=kept, thumbnail=_jpeg(thumbnail), sha256=digest or hashlib.sha256(data).hexdigest(),
        image_sha256=hashlib.sha256(kept).hexdigest(), size=len(data),
        width=size[0], height=size[1], taken_at=taken_at, gps=gps, phash=perceptual_hash(thumbnail),
    )


def _as_sent(image: Image.Image, data: bytes) -> bytes | None:
    """Return the upload cut down to its pixels if it can be stored as sent: an upright JPEG small enough."""
    # A browser-sized JPEG (the offline app sends 1600 px) would only lose quality by being encoded
    # again, and re-encoding cost two thirds of the time of a photo (measured in bench/scale.py).
    width, height = image.size
    if image.format != "JPEG" or image.mode != "RGB" or max(width, height) > LONG_SIDE:
        return None
    # Pillow turns a photo by its XMP orientation too, where there is no EXIF one.
    if image.getexif().get(ExifTags.Base.Orientation, 1) != 1 or b"Orientation" in image.info.get("xmp", b""):
        return None
    kept = stripped(data)
    return kept if kept is not None and len(kept) <= KEPT_BYTES_PER_PIXEL * width * height else None


def _decoded(image: Image.Image | io.BytesIO, size: tuple[int, int]) -> Image.Image:
    """Decode the whole image (or JPEG file), upright and in RGB, JPEGs at the smallest 1/2, 1/4 or 1/8 scale above
    size."""
    try:
        if not isinstance(image, Image.Image):
            image = Image.open(image, formats=("JPEG",))
        image.draft("RGB", size)
        image.load()  # here, so that a truncated file is refused as such
        ImageOps.exif_transpose(image, in_place=True)  # in place: an upright photo is not copied
        return image if image.mode == "RGB" else image.convert("RGB")
    except (OSError, ValueError, SyntaxError) as error:
        raise PhotoError("the image is damaged or truncated (%(error)s)", error=error) from None


def perceptual_hash(image: Image.Image) -> str:
    """Return the 64-bit perceptual hash of an image as 16 hex digits."""
    # Taken from the thumbnail: the hash looks at a 32 x 32 copy, and shrinking 320 px costs a fortieth
    # of shrinking 1600 px.
    return str(imagehash.phash(image))


def _thumbnail(image: Image.Image) -> Image.Image:
    """Return the image shrunk to fit into THUMB_SIDE (the image itself when it fits already)."""
    scale = min(1.0, THUMB_SIDE / max(image.size))
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    if size == image.size:
        return image
    # Box-reduced by the whole factor first (1600 px: by 5), then resized the rest of the way: a fifth of the
    # cost of Image.thumbnail's default halving first, and as smooth (measured in bench/bench_field.py).
    return image.resize(size, Image.Resampling.BILINEAR, reducing_gap=1.0)


def make_thumbnail(jpeg: bytes) -> bytes:
    """Return the thumbnail of one of our stored JPEGs, to rebuild one that was lost."""
    return _jpeg(_thumbnail(_stored_image(jpeg)))


def stored_phash(jpeg: bytes) -> str:
    """Return the perceptual hash of one of our stored JPEGs (its thumbnail is cheapest), for rows without one."""
    return perceptual_hash(_thumbnail(_stored_image(jpeg)))


def _stored_image(jpeg: bytes) -> Image.Image:
    try:
        with Image.open(io.BytesIO(jpeg), formats=("JPEG",)) as image:
            image.load()
            return image.convert("RGB")
    except (OSError, ValueError, SyntaxError) as error:
        raise PhotoError("the stored photo cannot be read (%(error)s)", error=error) from None


def _fitted(size: tuple[int, int], side: int) -> tuple[int, int]:
    """Return the size that fits the long side into side, keeping the aspect ratio."""
    width, height = size
    scale = min(1.0, side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _size(count: int) -> str:
    """Say a byte count as people do: 25 MB, 512 KB."""
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):g} MB"
    return f"{count / 1024:g} KB"


def _open(data: bytes, max_pixels: int) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except UnidentifiedImageError:
        raise PhotoError("the file is not a JPEG, PNG, WebP or HEIC photo") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError("the image has far too many pixels; at most %(limit)d megapixels",
                         limit=max_pixels // 1_000_000) from None
    except (OSError, ValueError, SyntaxError) as error:
        raise PhotoError("the image cannot be read (%(error)s)", error=error) from None
    width, height = image.size
    if width * height > max_pixels:
        raise PhotoError("the image is %(width)dx%(height)d pixels; at most %(limit)d megapixels", width=width,
                         height=height, limit=max_pixels // 1_000_000)
    if max(width, height) > MAX_SIDE:  # a 1 x 49,000,000 strip is within the pixels but no photo
        raise PhotoError("the image is %(width)dx%(height)d pixels; a side has at most %(limit)d pixels", width=width,
                         height=height, limit=MAX_SIDE)
    return image


def pixel_count(data: bytes) -> int:
    """Return an upload's width x height from its header alone, or 0 when it is not an image we read."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            width, height = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS).size
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError):
        return 0
    return width * height


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    # No exif= argument and an empty comment: nothing of the original's metadata is written back
    # (Pillow would copy a JPEG's comment). Baseline JPEG: progressive or optimized coding saves about
    # a tenth of the bytes at four times the time.
    image.save(out, "JPEG", quality=JPEG_QUALITY, comment=b"")
    return out.getvalue()


def _metadata(image: Image.Image, local_zone: tzinfo) -> tuple[datetime | None, tuple[float, float] | None]:
    """Read capture time and GPS before the metadata is dropped."""
    try:
        exif = image.getexif()
        detail = exif.get_ifd(ExifTags.IFD.Exif)
        gps_info = exif.get_ifd(ExifTags.IFD.GPSInfo)
    except (OSError, ValueError, SyntaxError):
        return None, None
    stamp = detail.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
    offset = detail.get(ExifTags.Base.OffsetTimeOriginal)
    return _taken_at(stamp, offset, local_zone), _gps(gps_info)


def _taken_at(stamp, offset, local_zone: tzinfo) -> datetime | None:
    if not isinstance(stamp, str):
        return None
    try:
        taken = datetime.strptime(stamp.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    zone = _offset_zone(offset) or local_zone
    return taken.replace(tzinfo=zone).astimezone(timezone.utc)


def _offset_zone(offset) -> tzinfo | None:
    """Read an EXIF offset such as '+08:00'."""
    if not isinstance(offset, str) or len(offset.strip("\x00 ")) != 6:
        return None
    text = offset.strip("\x00 ")
    try:
        sign = -1 if text[0] == "-" else 1
        return timezone(sign * timedelta(hours=int(text[1:3]), minutes=int(text[4:6])))
    except ValueError:
        return None


def _gps(info: dict) -> tuple[float, float] | None:
    try:
        lat = _degrees(info[ExifTags.GPS.GPSLatitude], info[ExifTags.GPS.GPSLatitudeRef])
        lon = _degrees(info[ExifTags.GPS.GPSLongitude], info[ExifTags.GPS.GPSLongitudeRef])
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180):
        return None  # a damaged tag, not a place on Earth: no position rather than one far away
    return round(lat, 6), round(lon, 6)


def _degrees(parts, ref: str) -> float:
    degrees, minutes, seconds = (float(part) for part in parts)
    value = degrees + minutes / 60 + seconds / 3600
    return -value if ref in ("S", "W") else value
