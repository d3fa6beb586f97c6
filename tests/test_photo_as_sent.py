"""Browser-sized JPEGs are stored as sent, cut down to their pixels; anything else is encoded again."""

from __future__ import annotations

import io

import numpy
import pytest
from flask import request
from PIL import Image, ImageCms

from inspection.photos.jpeg import stripped
from inspection.photos.processing import PhotoError, process
from tests.test_photos import LIMITS, camera_exif, encode


def scene(width: int = 1600, height: int = 1200, seed: int = 1) -> Image.Image:
    """Return a photo-like picture: smooth shapes with some grain, so that it compresses as photos do."""
    rng = numpy.random.default_rng(seed)
    y, x = numpy.mgrid[0:height, 0:width]
    base = numpy.stack([x * 255 // width, y * 255 // height, (x + y) * 127 // (width + height)], axis=-1)
    return Image.fromarray((base + rng.integers(0, 24, base.shape)).clip(0, 255).astype("uint8"))


def pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB").tobytes()


def segments(data: bytes) -> list[int]:
    """Return the markers of a JPEG's segments up to its first scan."""
    found, position = [], 2
    while data[position + 1] != 0xDA:
        found.append(data[position + 1])
        position += 2 + int.from_bytes(data[position + 2:position + 4], "big")
    return found


def test_an_upright_browser_jpeg_is_kept_as_sent_without_its_metadata():
    sent = encode(scene(), "JPEG", quality=85, exif=camera_exif(), comment=b"<script>alert(1)</script>")
    hostile = sent + b"PK\x03\x04 a zip file appended after the image"
    photo = process(hostile, **LIMITS)
    assert pixels(photo.image) == pixels(sent)  # not encoded again: not a pixel changed
    assert len(photo.image) < len(sent) and photo.image.endswith(b"\xff\xd9")
    assert b"script" not in photo.image and b"PK\x03\x04" not in photo.image and b"Exif" not in photo.image
    assert not any(0xE0 <= marker <= 0xEF or marker == 0xFE for marker in segments(photo.image))
    assert photo.gps == (31.23, 121.47) and photo.taken_at is not None  # read before it was dropped
    assert (photo.width, photo.height) == (1600, 1200) and photo.size == len(hostile)
    with Image.open(io.BytesIO(photo.thumbnail)) as thumbnail:
        assert thumbnail.size == (320, 240)


def test_a_progressive_jpeg_is_kept_too():
    sent = encode(scene(800, 600), "JPEG", quality=80, progressive=True)
    photo = process(sent, **LIMITS)
    assert pixels(photo.image) == pixels(sent) and 0xC2 in segments(photo.image)


XMP_TURNED = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
              b'<rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="6"/></rdf:RDF>'
              b'</x:xmpmeta>')


@pytest.mark.parametrize("case", ["turned", "turned by XMP", "too big", "colour profile", "too many bytes", "png"])
def test_other_photos_are_encoded_again(case):
    image, options, fmt = scene(), {"quality": 85}, "JPEG"
    if case == "turned":
        options["exif"] = camera_exif(orientation=6)
    elif case == "turned by XMP":
        options["xmp"] = XMP_TURNED
    elif case == "too big":
        image = scene(2000, 1500)
    elif case == "colour profile":  # kept, its pixels would read otherwise without the profile
        options["icc_profile"] = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    elif case == "too many bytes":
        options["quality"] = 100
    else:
        fmt, options = "PNG", {}
    sent = encode(image, fmt, **options)
    photo = process(sent, **LIMITS)
    assert pixels(photo.image) != pixels(sent) or fmt == "PNG" and photo.image[:2] == b"\xff\xd8"
    assert len(photo.image) <= 0.5 * photo.width * photo.height
    with Image.open(io.BytesIO(photo.image)) as stored:
        assert stored.format == "JPEG" and "icc_profile" not in stored.info and max(stored.size) <= 1600


def test_a_truncated_upright_jpeg_is_refused():
    sent = encode(scene(), "JPEG", quality=85)
    with pytest.raises(PhotoError, match="damaged or truncated"):
        process(sent[:len(sent) * 2 // 3], **LIMITS)


def test_a_cut_jpeg_that_cannot_be_read_is_refused_not_a_500(monkeypatch):
    monkeypatch.setattr("inspection.photos.processing.stripped", lambda data: b"\xff\xd8\xff\xd9")
    with pytest.raises(PhotoError, match="damaged or truncated"):
        process(encode(scene(64, 48), "JPEG"), **LIMITS)


def patched(data: bytes, marker: int, offset: int, value: bytes) -> bytes:
    """Return the JPEG with bytes replaced at an offset into the first segment with this marker."""
    position = data.index(bytes([0xFF, marker]), 2)
    start = position + 4 + offset
    return data[:start] + value + data[start + len(value):]


def test_only_plain_huffman_jpegs_are_cut():
    sent = encode(scene(64, 48), "JPEG")
    assert stripped(sent) is not None
    assert stripped(b"\x89PNG\r\n") is None and stripped(b"") is None
    assert stripped(sent[:-40]) is None  # the scan never ends
    assert stripped(sent.replace(b"\xff\xd9", b"")) is None
    assert stripped(patched(sent, 0xC0, 0, b"\x0c")) is None  # 12 bits a sample
    arithmetic = sent.replace(b"\xff\xc0", b"\xff\xc9", 1)  # the same frame, said to be arithmetic-coded
    assert stripped(arithmetic) is None
    adobe = sent[:2] + b"\xff\xee\x00\x0eAdobe\x00\x64\x00\x00\x00\x00\x01" + sent[2:]
    assert stripped(adobe) is None
    overlong = sent[:2] + b"\xff\xfe\xff\xf0comment" + sent[2:]  # a comment said to run past the end
    assert stripped(overlong) is None


def multipart(**files: bytes) -> bytes:
    parts = [b'--x\r\nContent-Disposition: form-data; name="%s"; filename="p.jpg"\r\n\r\n%s\r\n' % (name.encode(), data)
             for name, data in files.items()]
    return b"".join(parts) + b"--x--\r\n"  # encoded here: the test client would spool it to a file of its own


@pytest.mark.parametrize(("sizes", "in_memory"), [((600_000, 600_000), True), ((600_000, 9_000_000), False)])
def test_a_visits_photos_are_read_in_memory_and_a_bigger_requests_on_disk(app, sizes, in_memory):
    files = {f"photo{number}": bytes([number]) * size for number, size in enumerate(sizes)}
    body = multipart(**files)
    with app.test_request_context("/", method="POST", input_stream=io.BytesIO(body),
                                  content_type="multipart/form-data; boundary=x", content_length=len(body)):
        streams = [request.files[name].stream for name in files]
        assert all(isinstance(stream, io.BytesIO) == in_memory for stream in streams)
        assert all(request.files[name].read() == data for name, data in files.items())
        request.close()
