"""A bulk scorecard job in Chromium: the page follows its progress by itself, then fetches the ZIP; axe finds
nothing wrong with it."""

from __future__ import annotations

import re
import threading
import zipfile

import pytest

from inspection.jobs.models import JobKind
from inspection.jobs.registry import TASKS, Task

from .conftest import login, screenshot
from .test_accessibility import axe_script, violations


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_the_job_page_shows_progress_then_downloads_the_zip(page, live_server, monkeypatch):
    gate, part = threading.Event(), TASKS[JobKind.BULK_PART]
    # The part waits until the page is seen waiting: what follows is the page's script alone.
    monkeypatch.setitem(TASKS, JobKind.BULK_PART, Task(lambda job: gate.wait(30) and part.run(job), part.after))
    login(page, live_server, "manager@example.com")
    page.goto(f"{live_server['url']}/performance/")
    page.locator("button", has_text="本期全部营业厅成绩单（ZIP）").click()
    page.wait_for_url(re.compile(r"/jobs/[0-9a-f]{32}$"))
    assert page.locator("#job-state strong").inner_text() in ("排队等候中", "进行中")
    assert page.locator("#job-download").is_hidden()
    screenshot(page, "job-waiting")
    with page.expect_download(timeout=60_000) as download:
        gate.set()
    assert zipfile.ZipFile(download.value.path()).namelist() == ["branch-SH01.pdf"]
    assert page.locator("#job-state strong").inner_text() == "已完成"
    assert page.locator("#job-count").inner_text() == "1 / 1" and page.locator("#job-download").is_visible()
    screenshot(page, "job-done")
    found = violations(page, axe_script())
    assert not found, "\n".join(found)
