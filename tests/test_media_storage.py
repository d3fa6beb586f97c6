"""The media store's one interface, kept alike by the local folder and by S3 (moto's server on loopback)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from inspection import create_app
from inspection.extensions import db
from inspection.media.local import LocalMedia
from inspection.media.s3 import S3Media
from inspection.media.store import MediaError
from inspection.photos.processing import process
from inspection.photos.storage import thumbnail_name, write_with_files
from inspection.visits.services import submit_visit

from . import factories, s3_server
from .conftest import BOTH_STORAGES, _test_config

PROJECT_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    """Return an empty store of each backend, outside any app."""
    if request.param == "local":
        return LocalMedia(tmp_path / "media")
    url = request.getfixturevalue("moto_s3")
    return S3Media(s3_server.new_bucket(url), url, s3_server.REGION)


def test_a_stored_object_reads_back_whole_and_is_listed_with_its_time(store):
    data = bytes(range(256)) * 1000
    store.put("ab/ab01.jpg", data)
    store.put("scorecards/v1-zh.pdf", b"%PDF-1.7")
    assert store.get("ab/ab01.jpg") == data and store.exists("ab/ab01.jpg")
    opened = store.open("ab/ab01.jpg")
    with opened.stream:
        assert (opened.stream.read(), opened.size) == (data, len(data))
    listed = list(store.objects())
    assert [stored.key for stored in listed] == ["ab/ab01.jpg", "scorecards/v1-zh.pdf"]
    assert all(stored.modified == pytest.approx(opened.modified, abs=5) for stored in listed)
    assert [stored.key for stored in store.objects("scorecards/")] == ["scorecards/v1-zh.pdf"]


def test_a_missing_object_reads_as_none_and_deleting_it_is_no_error(store):
    assert (store.get("ab/none.jpg"), store.open("ab/none.jpg"), store.exists("ab/none.jpg")) == (None, None, False)
    store.put("ab/gone.jpg", b"x")
    store.delete("ab/gone.jpg")
    store.delete("ab/gone.jpg")
    assert store.get("ab/gone.jpg") is None and list(store.objects()) == []


def test_a_rewrite_replaces_the_object_and_the_probe_is_never_listed(store):
    store.put("ab/same.jpg", b"first")
    store.put("ab/same.jpg", b"second")
    store.check()  # the readiness probe writes where the store keeps its own things
    assert store.get("ab/same.jpg") == b"second"
    assert [stored.key for stored in store.objects()] == ["ab/same.jpg"]
    assert list(store.leftovers()) == []


def test_an_old_object_is_removed_and_a_fresh_one_kept(store):
    store.put("ab/old.jpg", b"old")
    [stored] = store.objects()
    assert store.delete_if_older("ab/old.jpg", cutoff=stored.modified - 3600) is False  # written after the cutoff
    assert store.delete_if_older("ab/old.jpg", cutoff=stored.modified + 1) is True
    assert store.get("ab/old.jpg") is None
    assert store.delete_if_older("ab/old.jpg", cutoff=stored.modified + 1) is False  # gone already


@pytest.mark.parametrize("key", ["", "/etc/passwd", "../x.jpg", "ab/../../x.jpg", "ab//x.jpg", "./x.jpg", "ab/"])
def test_keys_cannot_leave_the_store(store, key):
    with pytest.raises(ValueError):
        store.put(key, b"x")
    with pytest.raises(ValueError):
        store.get(key)


def test_a_store_that_takes_no_files_fails_its_check(tmp_path, moto_s3):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the media folder should be")
    for broken in (LocalMedia(blocker), S3Media("no-such-bucket-here", moto_s3, s3_server.REGION)):
        with pytest.raises(MediaError):
            broken.check()
        with pytest.raises(MediaError):
            broken.put("ab/x.jpg", b"x")


# -- the app's settings ------------------------------------------------------------------------

@pytest.mark.parametrize("settings, message", [
    ({"MEDIA_STORAGE": "nfs"}, "INSPECTION_MEDIA_STORAGE must be one of local, s3, not 'nfs'"),
    ({"MEDIA_STORAGE": "s3"}, "INSPECTION_S3_BUCKET must name an S3 bucket"),
    ({"MEDIA_STORAGE": "s3", "S3_BUCKET": "Media_Bucket"}, "INSPECTION_S3_BUCKET must name an S3 bucket"),
    ({"MEDIA_STORAGE": "s3", "S3_BUCKET": "media", "S3_ENDPOINT_URL": "127.0.0.1:9000"},
     "INSPECTION_S3_ENDPOINT_URL must be an http:// or https:// address"),
])
def test_settings_that_cannot_work_stop_the_start(database, tmp_path, settings, message):
    with pytest.raises(RuntimeError, match=message):
        create_app(_test_config({**database, **settings}, tmp_path / "media"))


def test_the_local_folder_needs_no_aws_sdk(tmp_path):
    code = ("import sys; from inspection import create_app; "
            "create_app({'SECRET_KEY': 'x', 'DATABASE_URL': 'sqlite://'}).test_client().get('/readyz'); "
            "print(sorted(name for name in sys.modules if name.split('.')[0] in ('boto3', 'botocore')))")
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True, text=True,
                            check=True, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT_DIR),
                                             "INSPECTION_MEDIA_DIR": str(tmp_path / "media")})
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("bucket, status", [("made", 200), ("no-such-bucket-here", 503)])
def test_readiness_asks_the_bucket(database, tmp_path, moto_s3, bucket, status):
    name = s3_server.new_bucket(moto_s3) if bucket == "made" else bucket
    app = create_app(_test_config({**database, "MEDIA_STORAGE": "s3", "S3_BUCKET": name,
                                   "S3_ENDPOINT_URL": moto_s3, "S3_REGION": s3_server.REGION}, tmp_path / "media"))
    response = app.test_client().get("/readyz")
    assert (response.status_code, response.get_json()["checks"]["storage"]) == (status, "ok" if status == 200
                                                                                  else "failed")
    with app.app_context():
        db.engine.dispose()


# -- photos served after the access check ------------------------------------------------------

@BOTH_STORAGES
def test_a_photo_streams_from_the_store_privately_cached_and_revalidated_by_its_content(app, client, users):
    app.config["CHECKLIST_DIR"] = str(factories.FIXTURES)
    photo = process(factories.jpeg_bytes(640, 480), 10**7, 10**8)
    submission = factories.submission(answers={"clerk": "E1-S1", "clean": True, "greet": 7},
                                      photos=[("overview", photo)])
    with write_with_files(app.extensions["inspection.media"]) as files:
        visit, _ = submit_visit(users["inspector"], factories.small_checklist(), submission, files)
    name = visit.photos[0].stored_name
    assert client.get(f"/photos/{name}").status_code in (302, 401)  # signed out: not served
    factories.login(client, users["inspector"])
    with client.get(f"/photos/{name}") as served:
        assert (served.status_code, served.mimetype, served.data) == (200, "image/jpeg", photo.image)
        assert served.headers["Cache-Control"] == "private, max-age=3600"
        assert served.content_length == len(photo.image) and served.headers["ETag"] == f'"{name[:-4]}"'
    with client.get(f"/photos/{name}", headers={"If-None-Match": served.headers["ETag"]}) as again:
        assert (again.status_code, again.data) == (304, b"")
    with client.get(f"/photos/{thumbnail_name(name)}") as thumbnail:
        assert (thumbnail.status_code, thumbnail.data) == (200, photo.thumbnail)
