"""The photo pipeline: content-based formats, orientation, metadata read then stripped, bounded size."""

from __future__ import annotations

import io
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from PIL import ExifTags, Image

from inspection.media.local import LocalMedia
from inspection.photos.processing import PhotoError, process
from inspection.photos.storage import PendingFiles, content_name, photo_key

LIMITS = {"max_bytes": 25 * 1024 * 1024, "max_pixels": 50_000_000}


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def camera_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "TestCam"
    detail = exif.get_ifd(ExifTags.IFD.Exif)
    detail[ExifTags.Base.DateTimeOriginal] = "2026:11:02 14:30:00"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (31.0, 13.0, 48.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (121.0, 28.0, 12.0)
    return exif


def test_a_camera_jpeg_is_turned_upright_shrunk_and_stripped():
    data = encode(Image.new("RGB", (4000, 3000), (10, 120, 200)), "JPEG", exif=camera_exif(orientation=6))
    photo = process(data, **LIMITS, local_zone=ZoneInfo("Asia/Shanghai"))
    assert (photo.width, photo.height) == (1200, 1600)  # rotated a quarter turn, long side 1600
    assert photo.taken_at == datetime(2026, 11, 2, 6, 30, tzinfo=timezone.utc)
    assert photo.gps == (31.23, 121.47)
    stored = Image.open(io.BytesIO(photo.image))
    assert stored.format == "JPEG" and stored.size == (1200, 1600)
    assert not stored.getexif() and "exif" not in stored.info
    thumb = Image.open(io.BytesIO(photo.thumbnail))
    assert max(thumb.size) == 320
    assert photo.size == len(data) and len(photo.sha256) == 64


def test_an_exif_offset_wins_over_the_local_zone():
    exif = camera_exif()
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.OffsetTimeOriginal] = "+09:00"
    photo = process(encode(Image.new("RGB", (64, 64)), "JPEG", exif=exif), **LIMITS)
    assert photo.taken_at == datetime(2026, 11, 2, 5, 30, tzinfo=timezone.utc)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "HEIF"])
def test_other_accepted_formats_become_jpeg(fmt):
    image = Image.new("RGB" if fmt != "PNG" else "RGBA", (300, 200), (200, 50, 50))
    photo = process(encode(image, fmt), **LIMITS)
    assert Image.open(io.BytesIO(photo.image)).format == "JPEG"
    assert (photo.width, photo.height) == (300, 200)
    assert photo.taken_at is None and photo.gps is None


@pytest.mark.parametrize(("data", "message"), [
    (b"", "the file is empty"),
    (b"GIF89a" + b"\0" * 100, "not a JPEG, PNG, WebP or HEIC"),
    (encode(Image.new("RGB", (10, 10)), "GIF"), "not a JPEG, PNG, WebP or HEIC"),
    (encode(Image.new("RGB", (10, 10)), "BMP"), "not a JPEG, PNG, WebP or HEIC"),
])
def test_what_is_not_a_photo_is_refused(data, message):
    with pytest.raises(PhotoError, match=message):
        process(data, **LIMITS)


def test_limits_are_configurable():
    data = encode(Image.new("RGB", (3000, 2000)), "JPEG")
    with pytest.raises(PhotoError, match="3000x2000 pixels; at most 5 megapixels"):
        process(data, max_bytes=LIMITS["max_bytes"], max_pixels=5_000_000)
    with pytest.raises(PhotoError, match="larger than 10 KB"):
        process(data, max_bytes=10 * 1024, max_pixels=LIMITS["max_pixels"])


def test_pending_files_are_written_whole_under_their_content_name(tmp_path):
    store = LocalMedia(tmp_path)
    pending = PendingFiles(store)
    name = pending.add_photo(b"jpeg-bytes", b"thumb")
    assert name == content_name(b"jpeg-bytes") and not store.exists(photo_key(name))
    pending.write()
    assert (tmp_path / photo_key(name)).read_bytes() == b"jpeg-bytes"
    assert store.get(photo_key(name.replace(".jpg", "-thumb.jpg"))) == b"thumb"
    assert list((tmp_path / "tmp").iterdir()) == []  # nothing half-written is left behind
    name_again = pending.add_photo(b"jpeg-bytes", b"thumb")  # written early: not written twice
    assert name_again == name and pending.files == {}
    other = PendingFiles(store)
    other.add_photo(b"other", b"t")
    assert len(list(tmp_path.rglob("*.jpg"))) == 2  # nothing is on disk before write()
    other.write()
    assert len(list(tmp_path.rglob("*.jpg"))) == 4


@pytest.mark.parametrize("name", ["../etc/passwd", "abc.jpg", "", "0" * 32 + ".png"])
def test_stored_names_cannot_escape_the_media_folder(name):
    with pytest.raises(ValueError):
        photo_key(name)
