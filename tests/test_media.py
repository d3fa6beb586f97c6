"""`flask media check [--repair]`, and what readers get when a photo file is missing, on both media backends."""

from __future__ import annotations

import os
import time
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from inspection.actions.models import CorrectiveAction
from inspection.actions.services import advance
from inspection.db import write_transaction
from inspection.extensions import db, media_store
from inspection.media.store import TMP_PREFIX, TRASH_PREFIX
from inspection.photos import reconcile
from inspection.photos.processing import process
from inspection.photos.storage import content_name, photo_key, thumbnail_name, write_with_files
from inspection.review.services import review
from inspection.visits.services import submit_visit

from . import factories
from .conftest import storage_settings

HOURS_AGO = 2 * 3600  # past the default grace period of 60 minutes
# Partial writes and files set aside exist only in the local folder (an S3 PUT is whole or absent).
LOCAL_ONLY = pytest.mark.parametrize("media_settings", [{}], ids=["local"])


@pytest.fixture(params=["local", "s3"])
def media_settings(request):
    """Run every test of this module on both backends, unless marked LOCAL_ONLY."""
    return storage_settings(request)


@pytest.fixture
def visit(app, users):
    """Return a committed small-checklist visit with two photos and a failed critical item."""
    app.config["CHECKLIST_DIR"] = str(factories.FIXTURES)
    photos = [("overview", process(factories.jpeg_bytes(640, 480), 10**7, 10**8)),
              ("clean", process(factories.jpeg_bytes(480, 640, colour=(20, 90, 160)), 10**7, 10**8))]
    sub = factories.submission(answers={"clerk": "E1-S1", "clean": True, "greet": 7}, photos=photos)
    with write_with_files(media_store()) as files:
        created, _ = submit_visit(users["inspector"], factories.small_checklist(), sub, files)
    return created


@pytest.fixture
def action(app, visit, users):
    """Return the corrective action of the visit's failed critical item, closed with an evidence photo."""
    with write_transaction():
        review(users["manager"], visit, "release")
    found = db.session.scalars(select(CorrectiveAction)).one()
    photo = process(factories.jpeg_bytes(400, 300, colour=(90, 200, 90)), 10**7, 10**8)
    with write_with_files(media_store()) as files:
        advance(users["manager"], found, "start")
        advance(users["manager"], found, "close", note="已整改", photo=photo, files=files)
    return found


def media(app) -> Path:
    """Return the test's media folder (the local backend)."""
    return Path(app.config["MEDIA_DIR"])


def path_of(app, name: str) -> Path:
    """Return where the stored file `name` lives in the local folder."""
    return media(app) / photo_key(name)


def stored(name: str) -> bytes | None:
    """Return the bytes stored under a photo name, or None."""
    return media_store().get(photo_key(name))


def lose(name: str) -> None:
    """Remove a stored file behind the database's back, as a disk or bucket mishap would."""
    media_store().delete(photo_key(name))


def check(runner, *options: str):
    """Run `flask media check` with the options."""
    return runner.invoke(args=["media", "check", *options])


def backdate(path: Path, seconds: float = HOURS_AGO) -> None:
    """Make a local file look as old as a leftover of a crash long ago."""
    then = time.time() - seconds
    os.utime(path, (then, then))


def stage(app, name: str, data: bytes, suffix: str = "0badc0de") -> Path:
    """Leave a partial copy in tmp the way the old design (and a crash) did."""
    staged = media(app) / TMP_PREFIX / f"{name}.{suffix}.partial"
    staged.parent.mkdir(parents=True, exist_ok=True)
    staged.write_bytes(data)
    return staged


def orphan() -> str:
    """Store a file that no row names; return its name."""
    data = process(factories.jpeg_bytes(64, 64, colour=(1, 2, 3)), 10**7, 10**8).image
    name = content_name(data)
    media_store().put(photo_key(name), data)
    return name


def written_at(name: str) -> float:
    """Return when the store says a photo file was last written."""
    return reconcile.stored_files(media_store())[name]


def a_second_after(moment: float) -> None:
    """Wait until the clock has passed moment by a second: S3 keeps an object's time to the second only."""
    while time.time() < moment + 1:
        time.sleep(0.05)


# -- check and repair --------------------------------------------------------------------------

def test_a_consistent_media_store_is_clean_and_repair_keeps_every_named_file(app, runner, visit):
    result = check(runner)
    assert result.exit_code == 0, result.output
    assert "4 files named, 0 missing, 0 recovered, 0 unreferenced (0 removed)" in result.output
    files = reconcile.stored_files(media_store())
    assert len(files) == 4
    # No grace at all: every file counts as old, and named files are kept however old they are.
    repaired = check(runner, "--repair", "--grace-minutes", "0")
    assert repaired.exit_code == 0, repaired.output
    assert set(reconcile.stored_files(media_store())) == set(files)


def test_evidence_photos_count_as_named(app, runner, action):
    result = check(runner, "--repair", "--grace-minutes", "0")
    assert result.exit_code == 0 and "6 files named" in result.output, result.output
    assert stored(action.closing_photo) and stored(thumbnail_name(action.closing_photo))


def test_a_deleted_photo_is_reported_missing_and_repair_cannot_hide_it(app, runner, visit):
    name = visit.photos[0].stored_name
    lose(name)
    for options in ((), ("--repair",)):
        result = check(runner, *options)
        assert result.exit_code == 1, result.output
        assert f"missing: {name}" in result.output and "1 missing" in result.output


def test_repair_rebuilds_a_missing_thumbnail_from_its_photo(app, runner, visit):
    thumbnail = thumbnail_name(visit.photos[0].stored_name)
    lose(thumbnail)
    assert check(runner).exit_code == 1
    result = check(runner, "--repair")
    assert result.exit_code == 0 and f"recovered: {thumbnail}" in result.output, result.output
    with Image.open(BytesIO(stored(thumbnail))) as image:
        assert (image.format, image.size) == ("JPEG", (320, 240))
    assert check(runner).exit_code == 0


@LOCAL_ONLY
def test_repair_moves_a_complete_staged_copy_into_place(app, runner, visit):
    name = visit.photos[0].stored_name
    original = path_of(app, name).read_bytes()
    path_of(app, name).unlink()
    staged = stage(app, name, original)  # the legacy crash window: committed, never moved into place
    assert check(runner, "--repair").exit_code == 1  # young: maybe a writer's file being written, not taken
    assert staged.exists()
    backdate(staged)
    result = check(runner, "--repair")
    assert result.exit_code == 0 and f"recovered: {name}" in result.output, result.output
    assert path_of(app, name).read_bytes() == original
    assert not staged.exists()
    assert check(runner, "--grace-minutes", "0").exit_code == 0


@LOCAL_ONLY
def test_a_truncated_staged_copy_is_not_taken_for_the_photo(app, runner, visit):
    name = visit.photos[0].stored_name
    original = path_of(app, name).read_bytes()
    path_of(app, name).unlink()
    stage(app, name, original[: len(original) // 2])  # cut short by the crash
    result = check(runner, "--repair")
    assert result.exit_code == 1 and f"missing: {name}" in result.output, result.output
    assert not path_of(app, name).exists()


def test_orphans_are_removed_only_once_older_than_the_grace_period(app, runner, visit):
    name = orphan()
    young = check(runner, "--repair")  # it may belong to a transaction about to commit
    assert young.exit_code == 0 and "1 recent left alone" in young.output, young.output
    assert stored(name)
    found = check(runner, "--grace-minutes", "0")
    assert found.exit_code == 1 and f"unreferenced: {name}" in found.output, found.output
    assert stored(name)  # checking never deletes
    removed = check(runner, "--repair", "--grace-minutes", "0")
    assert removed.exit_code == 0 and "1 unreferenced (1 removed)" in removed.output, removed.output
    assert stored(name) is None
    assert list(media_store().leftovers()) == []  # nothing set aside is left behind
    assert check(runner).exit_code == 0


@LOCAL_ONLY
def test_stale_partials_are_reported_and_removed_but_fresh_ones_kept(app, runner, visit):
    name = visit.photos[0].stored_name
    stale = stage(app, name, b"\xff\xd8\xff half a photo", suffix="0000aaaa")
    backdate(stale)
    fresh = stage(app, name, b"\xff\xd8\xff being written", suffix="0000bbbb")
    found = check(runner)
    assert found.exit_code == 1 and f"stale partial: {stale.name}" in found.output, found.output
    assert fresh.name not in found.output
    repaired = check(runner, "--repair")
    assert repaired.exit_code == 0, repaired.output
    assert (stale.exists(), fresh.exists()) == (False, True)


@LOCAL_ONLY
def test_one_repair_leaves_no_drift_when_a_name_has_several_staged_copies(app, runner, visit):
    name = visit.photos[0].stored_name
    original = path_of(app, name).read_bytes()
    path_of(app, name).unlink()
    backdate(stage(app, name, original[:100], suffix="00000001"))  # an earlier attempt, cut short
    backdate(stage(app, name, original, suffix="00000002"), HOURS_AGO * 0.75)
    assert check(runner, "--repair").exit_code == 0
    assert check(runner).exit_code == 0


# -- the collector's race guard ----------------------------------------------------------------

@LOCAL_ONLY
def test_a_named_file_left_in_trash_by_a_killed_collector_is_put_back(app, runner, visit):
    name = visit.photos[0].stored_name
    original = path_of(app, name).read_bytes()
    trash = media(app) / TRASH_PREFIX
    trash.mkdir(exist_ok=True)
    os.replace(path_of(app, name), trash / name)  # killed between moving it aside and moving it back
    assert check(runner).exit_code == 1
    assert check(runner, "--repair").exit_code == 0
    assert path_of(app, name).read_bytes() == original and not list(trash.iterdir())
    assert check(runner).exit_code == 0


def test_a_file_rewritten_just_before_removal_is_kept(app, monkeypatch):
    store, name = media_store(), orphan()
    data, then = stored(name), written_at(name)
    real_delete = store.delete_if_older

    def rewritten_first(key, cutoff):
        store.put(key, data)  # a transaction about to name it writes it again
        return real_delete(key, cutoff)

    monkeypatch.setattr(store, "delete_if_older", rewritten_first)
    a_second_after(then)
    # The cutoff falls between the first write and the rewrite: old when listed, fresh when removed.
    report = reconcile.check(store, set(), grace_seconds=time.time() - then - 0.5, repair=True)
    assert (report.orphans, report.removed) == ([name], [])
    assert stored(name) == data
    assert list(store.leftovers()) == []


@LOCAL_ONLY
def test_a_file_rewritten_while_moved_aside_is_kept(app, monkeypatch):
    from inspection.media import local

    name = orphan()
    path = path_of(app, name)
    data = path.read_bytes()
    backdate(path)

    class RewriteAfterMove:
        """os, except that a writer puts the file back right after the collector moves it aside."""

        def __getattr__(self, attribute):
            return getattr(os, attribute)

        def replace(self, source, target):
            os.replace(source, target)
            if Path(source) == path:
                media_store().put(photo_key(name), data)

    monkeypatch.setattr(local, "os", RewriteAfterMove())
    reconcile.check(media_store(), set(), grace_seconds=3600, repair=True)
    assert path.read_bytes() == data
    assert list((media(app) / TRASH_PREFIX).iterdir()) == []


def test_an_old_unreferenced_file_is_collected_when_nobody_rewrites_it(app):
    name = orphan()
    report = reconcile.check(media_store(), set(), grace_seconds=0, repair=True)
    assert report.removed == [name] and stored(name) is None


# -- readers of a missing file ----------------------------------------------------------------

def test_a_photo_whose_file_is_gone_answers_404(app, client, users, visit):
    factories.login(client, users["inspector"])
    name = visit.photos[0].stored_name
    for url in (f"/photos/{name}", f"/photos/{thumbnail_name(name)}"):
        served = client.get(url)
        assert served.status_code == 200
        served.close()
    lose(name)
    lose(thumbnail_name(name))
    assert client.get(f"/photos/{name}").status_code == 404
    assert client.get(f"/photos/{thumbnail_name(name)}").status_code == 404


def test_evidence_whose_file_is_gone_answers_404(app, client, users, action):
    factories.login(client, users["manager"])
    served = client.get(f"/actions/{action.id}/evidence")
    assert served.status_code == 200
    served.close()
    lose(action.closing_photo)
    assert client.get(f"/actions/{action.id}/evidence").status_code == 404


def test_a_scorecard_still_prints_without_a_missing_photo(app, client, users, visit):
    factories.login(client, users["manager"])
    name = visit.photos[0].stored_name
    lose(name)
    lose(thumbnail_name(name))  # the scorecard prints thumbnails
    assert client.get(f"/visits/{visit.uuid}/scorecard").status_code == 200
    pdf = client.get(f"/visits/{visit.uuid}/scorecard.pdf")
    assert (pdf.status_code, pdf.mimetype) == (200, "application/pdf") and pdf.data.startswith(b"%PDF")


def cached_pdfs() -> list[str]:
    """Return the keys of the scorecard PDFs kept in the media store."""
    return [stored.key for stored in media_store().objects("scorecards/")]


def test_a_pdf_printed_without_a_photo_is_not_kept_until_the_file_is_back(app, client, runner, users, visit):
    factories.login(client, users["manager"])
    lose(thumbnail_name(visit.photos[0].stored_name))
    assert client.get(f"/visits/{visit.uuid}/scorecard.pdf").status_code == 200
    assert cached_pdfs() == []
    assert check(runner, "--repair").exit_code == 0  # the thumbnail is rebuilt from its photo
    assert client.get(f"/visits/{visit.uuid}/scorecard.pdf").status_code == 200
    assert len(cached_pdfs()) == 1
