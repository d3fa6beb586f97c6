"""The field app's shrunk photos keep what evidence integrity reads: the camera's time and GPS, and no double turn."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from inspection.db import write_transaction
from inspection.extensions import db
from inspection.integrity.services import assess_with_linked
from inspection.visits.models import Visit

from ..test_integrity import camera_jpeg, scene
from .conftest import login, store_inspection
from .test_accessibility import axe_script, check
from .test_field_app import FORM, answer_everything

PLACE = (31.2304, 121.4737)


def test_a_shrunk_camera_photo_arrives_with_its_time_and_place(page, live_server, tmp_path):
    taken_at = datetime.now(timezone.utc).replace(microsecond=0)
    path = tmp_path / "camera.jpg"
    # A phone's portrait photo: stored landscape, with orientation 6 (turn a quarter) in its EXIF.
    path.write_bytes(camera_jpeg(scene(40, (2400, 1800)), taken_at=taken_at, place=PLACE, orientation=6))
    login(page, live_server, "inspector@example.com")
    page.goto(live_server["url"] + FORM)
    answer_everything(page)
    page.locator("#item-greeting-time input[type=number]").fill("3")
    page.locator("#item-overview-photo input[type=file]").set_input_files(str(path))
    page.locator("#item-overview-photo .photo-thumb img").wait_for()
    page.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/visits/[0-9a-f-]{36}$"), timeout=10000)
    with live_server["app"].app_context():
        visit = db.session.scalar(select(Visit).order_by(Visit.id.desc()).limit(1))
        photo = visit.photos[0]
        assert abs(photo.taken_at - taken_at) < timedelta(seconds=1)
        assert (round(photo.latitude, 4), round(photo.longitude, 4)) == PLACE
        assert (photo.width, photo.height) == (1200, 1600)  # upright once: by the browser, not again by the server
        assert photo.size < len(path.read_bytes())  # the shrunk copy went, not the original
        assert not {"no_metadata", "camera_time"} & {signal["code"] for signal in visit.integrity}
        db.session.remove()


@pytest.fixture(scope="module")
def axe_source() -> str:
    return axe_script()


def test_the_trust_panel_and_the_trust_column_pass_axe(page, live_server, axe_source):
    app = live_server["app"]
    visit_id = store_inspection(app, greeting=3.0)  # its photo carries no camera metadata: one reason
    with app.app_context(), write_transaction():
        assess_with_linked(db.session.scalar(select(Visit).where(Visit.uuid == uuid.UUID(visit_id))))
    with app.app_context():
        db.session.remove()
    login(page, live_server, "manager@example.com")
    check(page, axe_source, f"{live_server['url']}/visits/{visit_id}")
    assert page.locator("#integrity li").count() >= 1
    check(page, axe_source, live_server["url"] + "/visits?sort=trust")
