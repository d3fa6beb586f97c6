"""Evidence integrity: each signal on crafted photos, the trust score, who sees it, and branches' coordinates."""

from __future__ import annotations

import base64
import io
import json
import os
import random
import shutil
import subprocess
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import ExifTags, Image, ImageDraw, ImageOps
from sqlalchemy import select, update

from inspection.checklists import ChecklistError, load_text
from inspection.extensions import db
from inspection.integrity import signals
from inspection.org.models import Branch
from inspection.photos.processing import process
from inspection.review.services import review
from inspection.visits.models import Photo, Visit
from inspection.visits.services import submit_visit

from . import factories
from .conftest import BOTH_STORAGES

E1 = (31.2304, 121.4737)  # where branch E1 stands in these tests
CST = timezone(timedelta(hours=8))
STARTED = datetime(2026, 11, 2, 10, 0, tzinfo=CST)  # factories.api_visit's times: 10:00-10:20 in Shanghai
LIMITS = {"max_bytes": 25 * 1024 * 1024, "max_pixels": 50_000_000}
NODE = shutil.which("node")
EXIF_SEGMENT_JS = Path(__file__).resolve().parent / "js" / "exif_segment.mjs"


# -- crafted photos -------------------------------------------------------------------------------------------------

def scene(seed: int, size=(1200, 900)) -> Image.Image:
    """Draw a scene of shapes that differs from every other seed's, as two real photos differ."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, tuple(rng.randint(120, 240) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(10):
        left, top = rng.randint(0, size[0] - 100), rng.randint(0, size[1] - 100)
        box = (left, top, left + rng.randint(60, size[0] // 2), top + rng.randint(60, size[1] // 2))
        draw.rectangle(box, fill=tuple(rng.randint(0, 255) for _ in range(3)))
    return image


def camera_jpeg(image: Image.Image, taken_at: datetime | None = STARTED + timedelta(minutes=10),
                place: tuple[float, float] | None = E1, orientation: int = 1, quality: int = 90) -> bytes:
    """Encode a photo as a phone does: capture time (local, no offset) and GPS in its EXIF."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    if taken_at is not None:
        stamp = taken_at.astimezone(CST).strftime("%Y:%m:%d %H:%M:%S")
        exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = stamp
    if place is not None:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[ExifTags.GPS.GPSLatitudeRef], gps[ExifTags.GPS.GPSLatitude] = "N", _dms(place[0])
        gps[ExifTags.GPS.GPSLongitudeRef], gps[ExifTags.GPS.GPSLongitude] = "E", _dms(place[1])
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, exif=exif)
    return out.getvalue()


def bare_jpeg(image: Image.Image) -> bytes:
    """Encode a photo with no metadata at all, as a screenshot or an edited picture comes."""
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def _dms(degrees: float) -> tuple[float, float, float]:
    minutes = (degrees % 1) * 60
    return float(int(degrees)), float(int(minutes)), round((minutes % 1) * 60, 3)


def resized(data: bytes, scale: float = 0.5) -> bytes:
    """Return a smaller re-encoded copy without metadata, as a forwarded picture is."""
    with Image.open(io.BytesIO(data)) as image:
        smaller = image.resize((int(image.width * scale), int(image.height * scale)))
    out = io.BytesIO()
    smaller.save(out, "JPEG", quality=60)
    return out.getvalue()


# -- helpers --------------------------------------------------------------------------------------------------------

@pytest.fixture
def placed(org):
    """Give branch E1 its coordinates."""
    org.branches["E1"].latitude, org.branches["E1"].longitude = E1
    db.session.commit()
    return org


def send(client, token: str, photos: list[bytes], **changes) -> str:
    """Submit a visit of the small checklist through the API with these overview photos; return its id."""
    body = factories.api_visit(**changes)
    data = {"visit": json.dumps(body), "photo.overview": [(io.BytesIO(p), f"{n}.jpg") for n, p in enumerate(photos)]}
    response = client.post("/api/v1/visits", data=data, headers=factories.bearer(token),
                           content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    return body["id"]


def stored(visit_id: str) -> Visit:
    db.session.expire_all()
    return db.session.scalar(select(Visit).where(Visit.uuid == uuid.UUID(visit_id)))


def codes(visit_id: str) -> list[str]:
    return [signal["code"] for signal in stored(visit_id).integrity]


# -- each signal ----------------------------------------------------------------------------------------------------

def test_an_honest_visit_raises_nothing(client, tokens, small, placed):
    visit = stored(send(client, tokens["inspector"], [camera_jpeg(scene(1)), camera_jpeg(scene(2))]))
    assert (visit.integrity, visit.trust) == ([], 100.0)
    assert {photo.phash for photo in visit.photos} == {process(camera_jpeg(scene(n)), **LIMITS).phash for n in (1, 2)}


def test_the_same_file_in_two_visits_names_each_other(client, tokens, small, placed):
    photo = camera_jpeg(scene(3))
    first = send(client, tokens["inspector"], [photo])
    second = send(client, tokens["admin"], [photo, camera_jpeg(scene(4))])  # another person, same branch
    assert stored(second).integrity == [{"code": "duplicate_file", "weight": signals.WEIGHTS["duplicate_file"],
                                         "params": {"visit": first, "photos": 1}}]
    assert stored(second).trust == 50.0
    # The older visit learns of the copy too.
    assert stored(first).integrity[0]["params"] == {"visit": second, "photos": 1}


def test_a_resized_copy_is_a_near_duplicate_and_another_scene_is_not(client, tokens, small, placed):
    original = camera_jpeg(scene(5))
    first = send(client, tokens["inspector"], [original])
    copy = send(client, tokens["inspector"], [resized(original)])
    other = send(client, tokens["inspector"], [camera_jpeg(scene(6))], branch="E2")  # same submitter: compared
    near = stored(copy).integrity[0]
    assert (near["code"], near["params"]["visit"], near["params"]["photos"]) == ("near_duplicate", first, 1)
    assert near["params"]["distance"] <= 2
    assert "duplicate_file" not in codes(copy) and codes(other) == []


def test_a_camera_time_outside_the_visit_but_not_one_within_the_slack(client, tokens, small, placed):
    shifted = send(client, tokens["inspector"], [camera_jpeg(scene(7), taken_at=STARTED - timedelta(hours=3))])
    signal = stored(shifted).integrity[0]
    assert (signal["code"], signal["params"]) == ("camera_time", {"photos": 1, "minutes": 180})
    early = send(client, tokens["inspector"], [camera_jpeg(scene(8), taken_at=STARTED - timedelta(minutes=25))])
    assert codes(early) == []


def test_gps_far_from_the_branch_only_when_the_branch_has_a_place(client, tokens, small, placed):
    far = (E1[0] + 0.045, E1[1])  # about 5 km north
    visit = send(client, tokens["inspector"], [camera_jpeg(scene(9), place=far), camera_jpeg(scene(10))])
    signal = stored(visit).integrity[0]
    assert signal["code"] == "far_gps" and signal["params"]["photos"] == 1
    assert 4900 < signal["params"]["metres"] < 5100
    unplaced = send(client, tokens["inspector"], [camera_jpeg(scene(11), place=far)], branch="E2")
    assert codes(unplaced) == []


def test_photos_with_no_camera_metadata(client, tokens, small, placed):
    bare = send(client, tokens["inspector"], [bare_jpeg(scene(12)), camera_jpeg(scene(20), place=None)])
    assert stored(bare).integrity[0]["params"] == {"photos": 1}  # a camera time alone is metadata enough
    assert codes(bare) == ["no_metadata"]


def test_a_short_visit_against_the_checklists_expected_minutes(app, client, tokens, placed, tmp_path):
    text = factories.SMALL_CHECKLIST.replace("kind: inspection", "kind: inspection\nexpected_minutes: 30")
    (tmp_path / "small.yaml").write_text(text, encoding="utf-8")
    app.config["CHECKLIST_DIR"] = str(tmp_path)
    quick = send(client, tokens["inspector"], [], finished_at="2026-11-02T10:05:00+08:00")
    assert stored(quick).integrity[0]["params"] == {"minutes": 5.0, "expected": 30.0, "source": "checklist"}
    enough = send(client, tokens["inspector"], [], finished_at="2026-11-02T10:12:00+08:00")
    assert codes(enough) == []


def test_a_short_visit_against_the_median_of_five_earlier_released_ones(client, tokens, small, users):
    finished = datetime(2026, 11, 1, 10, 0, tzinfo=timezone.utc)
    for day, minutes in enumerate((18, 20, 22, 25, 40)):
        end = finished - timedelta(days=day)
        visit, _ = submit_visit(users["inspector"], factories.small_checklist(), factories.submission(
            started_at=end - timedelta(minutes=minutes), finished_at=end))
        review(users["manager"], visit, "start")
        review(users["manager"], visit, "release")
        if day == 3:  # four released so far: too few for a median
            db.session.commit()
            assert codes(send(client, tokens["inspector"], [], finished_at="2026-11-02T10:04:00+08:00")) == []
    db.session.commit()
    quick = send(client, tokens["inspector"], [], finished_at="2026-11-02T10:04:00+08:00")
    assert stored(quick).integrity[0]["params"] == {"minutes": 4.0, "expected": 22.0, "source": "median"}


# -- the score, the page, the inbox, the API ------------------------------------------------------------------------

def test_trust_counts_each_kind_once_and_combines_kinds():
    copy = signals.Signal("duplicate_file", 0.5, {})
    assert signals.trust([]) == 100.0
    assert signals.trust([copy, copy, signals.Signal("duplicate_file", 0.2, {})]) == 50.0
    assert signals.trust([copy, signals.Signal("no_metadata", 0.1, {})]) == 45.0
    assert round(signals.haversine_m((31.2304, 121.4737), (39.9042, 116.4074)) / 1000) == 1067  # Shanghai-Beijing
    assert round(signals.haversine_m((0, 0), (1, 0))) == 111_195  # a degree of a meridian on the mean sphere
    assert signals.expected_minutes(None, [10, 20, 30, 40]) is None
    assert signals.expected_minutes(None, [10, 20, 30, 40, 50]) == (30, "median")
    assert signals.expected_minutes(12, [1, 2, 3, 4, 5]) == (12, "checklist")


def test_reviewers_see_the_reasons_and_the_inbox_sorts_by_trust(client, tokens, small, placed, users):
    photo = camera_jpeg(scene(13))
    first = send(client, tokens["inspector"], [photo])
    bare = send(client, tokens["inspector"], [bare_jpeg(scene(21))])
    copied = send(client, tokens["inspector"], [photo, bare_jpeg(scene(22))])
    honest = send(client, tokens["inspector"], [camera_jpeg(scene(14))])
    factories.login(client, users["manager"])
    page = client.get(f"/visits/{copied}").get_data(as_text=True)
    assert "证据可信度" in page and "可信度 45 / 100" in page
    assert f'<a href="/visits/{first}">{first[:8]}</a>' in page and "1 张照片与访查" in page
    assert "1 张照片既无拍摄时间也无 GPS 位置" in page
    inbox = client.get("/visits?sort=trust").get_data(as_text=True)
    order = [inbox.index(f"/visits/{key}") for key in (copied, first, bare, honest)]
    assert order == sorted(order) and "可信度最低的优先" in inbox and '<td data-label="可信度" class="num">' in inbox
    api = client.get(f"/api/v1/visits/{copied}").get_json()
    assert api["trust"] == 45.0 and [s["code"] for s in api["integrity"]] == ["duplicate_file", "no_metadata"]
    client.post("/logout")
    factories.login(client, users["inspector"])
    assert "证据可信度" not in client.get(f"/visits/{copied}").get_data(as_text=True)
    assert client.get("/visits?sort=trust").status_code == 403
    assert "可信度" not in client.get("/visits").get_data(as_text=True)
    assert "trust" not in client.get(f"/api/v1/visits/{copied}").get_json()


def test_every_reason_reads_as_a_sentence(client, tokens, small, placed, users):
    other = send(client, tokens["admin"], [], branch="W1")  # outside the manager's region: no link
    key = send(client, tokens["inspector"], [])
    visit = stored(key)
    visit.integrity = [signal.to_dict() for signal in (
        signals.Signal("duplicate_file", 0.5, {"visit": other, "photos": 2}),
        signals.Signal("near_duplicate", 0.35, {"visit": other, "photos": 1, "distance": 3}),
        signals.Signal("far_gps", 0.3, {"photos": 1, "metres": 5230}),
        signals.Signal("camera_time", 0.25, {"photos": 3, "minutes": 1500}),
        signals.Signal("short_visit", 0.25, {"minutes": 4.0, "expected": 22.5, "source": "median"}),
        signals.Signal("no_metadata", 0.1, {"photos": 1}))]
    visit.trust = signals.trust([signals.Signal(**signal) for signal in visit.integrity])
    db.session.commit()
    factories.login(client, users["manager"])
    page = client.get(f"/visits/{key}").get_data(as_text=True)
    for sentence in (f"2 张照片与访查 {other[:8]} 的照片是同一文件。", f"1 张照片是访查 {other[:8]} 照片的近似副本",
                     "最远 5.2 km（GPS）", "最多相差 25 小时（相机时间）", "用时中位数为 22.5 分钟",
                     "1 张照片既无拍摄时间也无 GPS 位置", "可信度 12 / 100"):
        assert sentence in page
    assert f"/visits/{other}" not in page
    client.post("/language", data={"locale": "en"})
    page = client.get(f"/visits/{key}").get_data(as_text=True)
    assert "3 photos were taken outside the visit's times, by up to 25 hours (camera time)." in page
    assert "1 photo was taken up to 5.2 km from the branch (GPS)." in page


def test_a_correction_that_drops_the_copied_photo_clears_both_visits(client, tokens, small, placed, users):
    photo = camera_jpeg(scene(15))
    first = send(client, tokens["inspector"], [photo])
    second = send(client, tokens["inspector"], [photo])
    visit = stored(second)
    review(users["manager"], visit, "start")
    review(users["manager"], visit, "return", "照片重复")
    db.session.commit()
    body = {"answers": factories.api_visit()["answers"], "notes": {}, "keep_photos": []}
    data = {"visit": json.dumps(body), "photo.overview": (io.BytesIO(camera_jpeg(scene(16))), "new.jpg")}
    response = client.put(f"/api/v1/visits/{second}", data=data, headers=factories.bearer(tokens["inspector"]),
                          content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    assert codes(second) == [] and codes(first) == []


@BOTH_STORAGES
def test_recompute_fills_missing_hashes_from_the_stored_files(client, tokens, small, placed, runner):
    first = send(client, tokens["inspector"], [camera_jpeg(scene(17))])
    second = send(client, tokens["inspector"], [resized(camera_jpeg(scene(17)))])
    hashes = dict(db.session.execute(select(Photo.id, Photo.phash)).all())
    db.session.execute(update(Photo).values(phash=None))
    db.session.execute(update(Visit).values(trust=None, integrity=None))
    db.session.commit()
    result = runner.invoke(args=["integrity", "recompute", "--batch", "1"])
    assert result.exit_code == 0, result.output
    assert "hashed 2 photos (0 unreadable), assessed 2 visits" in result.output
    refilled = dict(db.session.execute(select(Photo.id, Photo.phash)).all())
    assert all(bits_apart(refilled[key], hashes[key]) <= 2 for key in hashes)  # read back from the JPEG
    assert codes(first) == ["near_duplicate"] and codes(second) == ["near_duplicate", "no_metadata"]


# -- checklists and branches ----------------------------------------------------------------------------------------

def test_expected_minutes_is_checked_and_leaves_older_versions_alone():
    plain = factories.small_checklist()
    assert load_text(factories.SMALL_CHECKLIST).version == plain.version
    timed = load_text(factories.SMALL_CHECKLIST.replace("kind: inspection", "kind: inspection\nexpected_minutes: 25"))
    assert timed.expected_minutes == 25 and timed.version != plain.version
    with pytest.raises(ChecklistError) as refused:
        load_text(factories.SMALL_CHECKLIST.replace("kind: inspection", "kind: inspection\nexpected_minutes: 0"))
    assert refused.value.problems == ["<checklist>:5: expected_minutes: input should be greater than 0, got 0"]


@pytest.mark.parametrize(("latitude", "longitude", "error"), [
    ("abc", "121.47", "纬度是 -90 到 90 之间的度数。"),
    ("95", "121.47", "纬度是 -90 到 90 之间的度数。"),
    ("31.2", "nan", "经度是 -180 到 180 之间的度数。"),
    ("31.2", "", "请同时填写纬度和经度，或都不填。"),
])
def test_the_branch_form_checks_coordinates(client, users, org, latitude, longitude, error):
    factories.login(client, users["admin"])
    form = {"code": "N1", "name": "新厅", "region": "North", "address": "", "latitude": latitude,
            "longitude": longitude}
    response = client.post("/admin/branches/new", data=form)
    assert response.status_code == 200 and error in response.get_data(as_text=True)
    assert db.session.scalar(select(Branch).where(Branch.code == "N1")) is None


def test_the_branch_form_saves_coordinates_or_none(client, users, org):
    factories.login(client, users["admin"])
    base = {"code": "N1", "name": "新厅", "region": "North", "address": ""}
    assert client.post("/admin/branches/new", data={**base, "latitude": "0", "longitude": "-0.5"}).status_code == 302
    branch = db.session.scalar(select(Branch).where(Branch.code == "N1"))
    assert (branch.latitude, branch.longitude) == (0.0, -0.5)
    assert 'value="-0.5"' in client.get(f"/admin/branches/{branch.id}").get_data(as_text=True)
    client.post(f"/admin/branches/{branch.id}", data={**base, "latitude": "", "longitude": ""})
    db.session.refresh(branch)
    assert (branch.latitude, branch.longitude) == (None, None)


def test_the_branch_import_reads_optional_coordinates(client, users, org):
    factories.login(client, users["admin"])

    def upload(text: str):
        return client.post("/admin/branches/import", data={"file": (io.BytesIO(text.encode()), "b.csv")},
                           content_type="multipart/form-data")

    header = "code,name,region,address,latitude,longitude\n"
    assert upload(header + "E1,Branch E1,East,,31.2304,121.4737\n").status_code == 302
    e1 = db.session.scalar(select(Branch).where(Branch.code == "E1"))
    assert (e1.latitude, e1.longitude) == E1
    assert upload("code,name,region,address\nE1,新名,East,\n").status_code == 302  # older files keep the place
    db.session.refresh(e1)
    assert (e1.name, e1.latitude) == ("新名", E1[0])
    for row, error in (("E1,x,East,,91,121", "第 2 行：“latitude”必须是 -90 到 90 之间的数字"),
                       ("E1,x,East,,31,东经", "第 2 行：“longitude”必须是 -180 到 180 之间的数字"),
                       ("E1,x,East,,,121", "第 2 行：请同时给出纬度和经度，或都不给")):
        refused = upload(header + row + "\n")
        assert refused.status_code == 422 and error in refused.get_data(as_text=True)
    db.session.refresh(e1)
    assert (e1.name, e1.latitude) == ("新名", E1[0])


# -- the field app keeps the camera's metadata ----------------------------------------------------------------------

def _carried_segment(jpeg: bytes) -> bytes:
    assert NODE, "CI needs node to test the field app's photo code"
    run = subprocess.run([NODE, str(EXIF_SEGMENT_JS)], input=jpeg, capture_output=True, timeout=60, check=True)
    return base64.b64decode(run.stdout)


@pytest.mark.skipif(NODE is None and not os.environ.get("CI"), reason="node is not installed")
def test_the_field_app_carries_camera_time_and_gps_over_its_shrunk_copy():
    original = camera_jpeg(scene(30, (2400, 1800)), orientation=6)
    segment = _carried_segment(original)
    # What the browser's canvas makes of it: upright, shrunk, and no metadata at all.
    upright = ImageOps.exif_transpose(Image.open(io.BytesIO(original)))
    upright.thumbnail((1600, 1600))
    canvas = bare_jpeg(upright)
    photo = process(canvas[:2] + segment + canvas[2:], **LIMITS, local_zone=ZoneInfo("Asia/Shanghai"))
    assert photo.taken_at == STARTED + timedelta(minutes=10)
    assert photo.gps == pytest.approx(E1, abs=1e-5)
    assert (photo.width, photo.height) == (1200, 1600)  # turned upright once, by the canvas
    assert _carried_segment(canvas) == b""


def bits_apart(first: str, second: str) -> int:
    """Return how many bits of two hex hashes differ."""
    return (int(first, 16) ^ int(second, 16)).bit_count()
