"""The installable field app with no signal: forms open offline, the outbox sends by itself, users stay apart."""

from __future__ import annotations

import json
import re
import time
from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect
from sqlalchemy import delete, func, select

from inspection.auth.models import User, UserSession
from inspection.extensions import db
from inspection.visits.models import Visit

from .conftest import SIZES, login, screenshot, sign_in_form
from .test_field_app import FORM, answer_everything, photo_file


def visit_count(live_server, email: str = "inspector@example.com") -> int:
    with live_server["app"].app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        count = db.session.scalar(select(func.count()).select_from(Visit).where(Visit.submitter_id == user.id))
        db.session.remove()
    return count


def wait_for_visits(live_server, expected: int, email: str = "inspector@example.com") -> None:
    deadline = time.monotonic() + 20
    while visit_count(live_server, email) != expected and time.monotonic() < deadline:
        time.sleep(0.2)
    assert visit_count(live_server, email) == expected


def ready_offline(page, live_server, email: str = "inspector@example.com") -> None:
    """Sign in online once, so that the service worker and the user's pages are on the device."""
    login(page, live_server, email)
    page.evaluate("navigator.serviceWorker.ready")
    page.reload()  # now controlled by the worker
    expect(page.locator("body")).to_have_attribute("data-user", re.compile(r"\d+"))
    # Polled with evaluate, which waits for a promise: wait_for_function would take the promise itself as true.
    eventually(page, "caches.open('user-pages').then(c => c.match('/offline/owner')).then(r => !!r)")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    kept = f"c => c.match('{FORM.split('?')[0]}', {{ ignoreVary: true }})"
    eventually(page, f"caches.open('user-pages').then({kept}).then(r => !!r)")


def page_fetches(live_server, since: int) -> list[str]:
    """Return the paths the server was asked for since request number `since`, leaving out worker update checks."""
    # The browser checks the worker's scripts for an update by itself, after a navigation, and Chromium's offline
    # emulation does not cover that check (a device really offline just fails it): only the pages' fetches count.
    return [path for path, dest in live_server["requests"][since:] if dest != "serviceworker"]


def eventually(page, expression: str, expected=True) -> None:
    """Wait until the expression gives `expected`, across the page reloading itself meanwhile."""
    deadline = time.monotonic() + 60
    while True:
        try:
            if page.evaluate(expression) == expected:
                return
        except PlaywrightError:  # the page was navigating: ask the next one
            pass
        assert time.monotonic() < deadline, (f"{expression} never gave {expected!r}", page.evaluate(
            "navigator.serviceWorker.getRegistration().then(r => [r.active?.scriptURL, r.waiting?.scriptURL,"
            " r.installing?.scriptURL, navigator.serviceWorker.controller?.scriptURL, location.href])"))
        time.sleep(0.2)


def fill_and_submit(page, tmp_path) -> None:
    answer_everything(page)
    page.locator("#item-greeting-time input").fill("3")
    page.locator("#item-overview-photo input[type=file]").set_input_files(photo_file(tmp_path))
    page.locator("#item-overview-photo .photo-thumb img").wait_for()
    page.locator("button[type=submit]").click()


def queue_offline(page, live_server, tmp_path) -> int:
    """Make the device ready, go offline and submit a visit to the outbox; return the server's count before."""
    ready_offline(page, live_server)
    before = visit_count(live_server)
    page.context.set_offline(True)
    page.goto(live_server["url"] + FORM)
    fill_and_submit(page, tmp_path)
    page.wait_for_url(re.compile(r".*/outbox$"))
    return before


def outbox_states(page) -> list[str]:
    return page.locator("#outbox-list .outbox-item").evaluate_all("items => items.map(i => i.dataset.state)")


def test_a_form_opened_and_submitted_offline_is_sent_once_when_the_network_returns(page, live_server, tmp_path):
    ready_offline(page, live_server)
    before = visit_count(live_server)
    page.context.set_offline(True)
    seen = len(live_server["requests"])
    page.goto(live_server["url"] + FORM)  # by navigation, with no network
    expect(page.locator("#branch-name")).to_have_text("上海人民广场营业厅")
    assert page.locator("select[data-staff]").first.locator("option").count() > 1  # staff from the kept scope
    assert page_fetches(live_server, seen) == []  # a kept form fetches nothing
    fill_and_submit(page, tmp_path)
    page.wait_for_url(re.compile(r".*/outbox$"))
    expect(page.locator("#outbox-list .outbox-item")).to_have_count(1)
    assert outbox_states(page) == ["waiting"]
    expect(page.locator("#outbox-count")).to_have_text("1")
    screenshot(page, "outbox-waiting")
    page.reload()  # still offline: the outbox is on the device, not in the page
    expect(page.locator("#outbox-list .outbox-item[data-state=waiting]")).to_have_count(1)
    expect(page.locator("#outbox-status")).to_have_text("没有网络：走访保留在这里，网络恢复后自动发送。")
    assert visit_count(live_server) == before
    page.context.set_offline(False)  # nothing pressed from here on
    expect(page.locator("#outbox-list .outbox-item[data-state=sent]")).to_have_count(1, timeout=20000)
    wait_for_visits(live_server, before + 1)
    expect(page.locator("#outbox-count")).to_be_hidden()
    expect(page.locator("#outbox-status")).to_be_hidden()  # "no network" is gone with the network's return
    screenshot(page, "outbox-sent")


def test_a_session_that_ended_offline_loses_nothing(page, live_server, tmp_path):
    before = queue_offline(page, live_server, tmp_path)
    end_sessions(live_server)
    page.context.set_offline(False)
    expect(page.locator("#signin-banner")).to_be_visible(timeout=20000)
    assert outbox_states(page) == ["waiting"]
    screenshot(page, "outbox-sign-in")
    page.locator("#signin-banner a").click()
    sign_in_form(page, "inspector@example.com")
    page.wait_for_url(re.compile(r".*/outbox$"))
    expect(page.locator("#outbox-list .outbox-item[data-state=sent]")).to_have_count(1, timeout=20000)
    wait_for_visits(live_server, before + 1)


def test_a_session_found_ended_elsewhere_is_shown_on_every_open_page(page, live_server, tmp_path):
    queue_offline(page, live_server, tmp_path)
    other = page.context.new_page()
    other.goto(live_server["url"] + "/outbox")  # a second tab, opened offline too
    expect(other.locator("#outbox-list .outbox-item[data-state=waiting]")).to_have_count(1)
    end_sessions(live_server)
    refused = []  # this tab's own checks fail, as on a network still joining; the other tab's reach the server

    def refuse(route):
        refused.append(route.request.url)
        route.abort("internetdisconnected")

    page.route("**/offline/session", refuse)
    page.context.set_offline(False)
    expect(other.locator("#signin-banner")).to_be_visible(timeout=20000)
    expect(page.locator("#signin-banner")).to_be_visible(timeout=20000)
    assert refused  # this page asked and got no answer: its banner is the other tab's finding
    assert outbox_states(page) == ["waiting"]
    other.close()


def _requeue(page, change: str) -> None:
    """Put the delivered visit back in the outbox with `change` made to it, as a second device might."""
    page.evaluate("""async (change) => {
      const store = await import('/static/js/store.js');
      const user = document.body.dataset.user;
      const [record] = (await store.visitsOf(user)).filter((r) => r.state === 'sent');
      const visit = { ...record.request.visit, notes: { 'floor-clean': change } };
      await store.updateVisit(record.uuid, ['sent'], { state: 'waiting', request: { ...record.request, visit } });
    }""", change)


def _lose_the_answer(route) -> None:
    """Let the visit reach the server, then drop the connection before its answer arrives."""
    route.fetch()
    route.abort("connectionreset")


def test_a_replayed_visit_is_stored_once_and_a_conflicting_one_is_kept_for_attention(page, live_server, tmp_path):
    ready_offline(page, live_server)
    before = visit_count(live_server)
    page.route("**/api/v1/visits", _lose_the_answer)  # the page's request; the worker may resend: a replay too
    page.goto(live_server["url"] + FORM)
    fill_and_submit(page, tmp_path)
    page.wait_for_url(re.compile(r".*/outbox$"))
    page.unroute("**/api/v1/visits")
    wait_for_visits(live_server, before + 1)  # stored, though the device never heard so
    expect(page.locator("#outbox-list .outbox-item[data-state=sent]")).to_have_count(1, timeout=40000)
    assert visit_count(live_server) == before + 1  # the replay stored nothing new
    _requeue(page, "同一编号，不同内容")
    page.locator("#send-now").click()
    attention = page.locator("#outbox-list .outbox-item[data-state=attention]")
    expect(attention).to_have_count(1)
    expect(attention.locator(".item-error")).not_to_be_empty()
    screenshot(page, "outbox-conflict")
    page.reload()
    expect(attention).to_have_count(1)  # kept, with its reason, until the user decides
    assert visit_count(live_server) == before + 1


def test_one_users_draft_and_outbox_are_invisible_to_the_next_user_of_the_device(page, live_server, tmp_path):
    ready_offline(page, live_server)
    page.goto(live_server["url"] + FORM)
    page.locator("#item-signage .chip-choice span").nth(1).click()
    page.locator("#item-signage .note-toggle").click()
    page.locator("textarea[name='note.signage']").fill("私人备注：招牌灯不亮")
    page.locator("#item-signage input[type=file]").set_input_files(photo_file(tmp_path, "sign.jpg"))
    page.locator("#item-signage .photo-thumb img").wait_for()
    page.context.set_offline(True)
    page.goto(live_server["url"] + "/checklists/call-qc/new?branch=SH01")
    answer_everything(page)
    page.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/outbox$"))
    alerts: list[str] = []
    page.once("dialog", lambda dialog: (alerts.append(dialog.message), dialog.accept()))
    page.locator("#logout-form button").click()  # offline: only the server can end a session
    expect(page.locator("#outbox-list")).to_be_visible()
    assert alerts and alerts[0].startswith("退出登录需要网络连接")
    # Refused by the server, say: it stays unsent (and is not resent) until its user decides.
    page.evaluate("""import('/static/js/store.js').then(async (store) => {
      for (const r of await store.visitsOf(document.body.dataset.user)) {
        await store.updateVisit(r.uuid, ['waiting'], { state: 'attention', reason: '需要补充' });
      }
    })""")
    page.context.set_offline(False)
    page.goto(live_server["url"] + "/")
    expect(page.locator("#drafts li")).to_have_count(1)
    warnings: list[str] = []
    page.once("dialog", lambda dialog: (warnings.append(dialog.message), dialog.accept()))
    page.locator("#logout-form button").click()
    page.wait_for_url(re.compile(r".*/login.*"))
    assert warnings and warnings[0].startswith("此设备上有 1 条走访尚未发送")
    login(page, live_server, "inspector2@example.com")
    expect(page.locator("#drafts")).to_be_hidden()
    expect(page.locator("#outbox-count")).to_be_hidden()
    page.goto(live_server["url"] + FORM)
    expect(page.locator("#draft-status")).to_be_hidden()
    expect(page.locator("textarea[name='note.signage']")).to_have_value("")
    expect(page.locator("#item-signage .photo-thumb")).to_have_count(0)
    assert not page.locator("#item-signage input[value=false]").is_checked()
    page.goto(live_server["url"] + "/outbox")
    expect(page.locator("#outbox-list .outbox-item")).to_have_count(0)
    screenshot(page, "other-user-outbox")


def end_sessions(live_server, email: str = "inspector@example.com") -> str:
    """End every session of the user on the server (expired, or ended elsewhere); return the user's id."""
    with live_server["app"].app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == email))
        db.session.execute(delete(UserSession).where(UserSession.user_id == user_id))
        db.session.commit()
        db.session.remove()
    return str(user_id)


def test_a_new_service_worker_keeps_the_visits_waiting(page, live_server, tmp_path):
    before = queue_offline(page, live_server, tmp_path)
    page.goto(live_server["url"] + "/checklists/call-qc/new?branch=SH01")
    answer_everything(page)
    page.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/outbox$"))
    user_id = end_sessions(live_server)  # so that nothing is sent while the new version comes in
    page.context.set_offline(False)
    assert not page.evaluate("navigator.serviceWorker.controller.scriptURL").endswith("v=deployed-again")
    live_server["app"].config["SHELL_VERSION"] = "deployed-again"  # as a deployment with new files would
    try:
        page.goto(live_server["url"] + "/outbox")  # to sign-in; the page reloads itself when the new version is in
        eventually(page, "navigator.serviceWorker.controller?.scriptURL.endsWith('v=deployed-again')")
        eventually(page, "caches.keys().then(names => names.filter(n => n.startsWith('shell-')).join())",
                   "shell-deployed-again")
        waiting = f"import('/static/js/store.js').then(s => s.visitsOf('{user_id}')).then(v => v.map(r => r.state))"
        eventually(page, waiting, ["waiting", "waiting"])
        sign_in_form(page, "inspector@example.com")
        page.wait_for_url(re.compile(r".*/outbox$"))
        expect(page.locator("#outbox-list .outbox-item[data-state=sent]")).to_have_count(2, timeout=20000)
        wait_for_visits(live_server, before + 2)
    finally:
        live_server["app"].config.pop("SHELL_VERSION")


def test_unsent_visits_saved_to_a_file_are_sent_from_another_device(page, browser, live_server, tmp_path):
    before = queue_offline(page, live_server, tmp_path)
    with page.expect_download() as download:
        page.locator("#export-file").click()
    saved = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert saved["format"] == "inspection-outbox" and len(saved["visits"]) == 1
    assert len(saved["visits"][0]["photos"]) == 1
    other = browser.new_context(viewport=SIZES["phone"], locale="zh-CN")
    try:
        device = other.new_page()
        login(device, live_server, "inspector2@example.com")
        device.goto(live_server["url"] + "/outbox")
        device.locator("#import-file").set_input_files(download.value.path())
        expect(device.locator("#outbox-status")).to_have_text("此文件中是其他用户的走访，只有该用户本人可以导入。")
        device.locator("#import-file").set_input_files(files=[{"name": "x.json", "mimeType": "application/json",
                                                               "buffer": b"{not json"}])
        expect(device.locator("#outbox-status")).to_have_text("此文件不是未发送走访的导出文件。")
        other.clear_cookies()
        login(device, live_server, "inspector@example.com")
        device.goto(live_server["url"] + "/outbox")
        device.locator("#import-file").set_input_files(download.value.path())
        expect(device.locator("#outbox-list .outbox-item[data-state=sent]")).to_have_count(1, timeout=20000)
        wait_for_visits(live_server, before + 1)
        device.locator("#import-file").set_input_files(download.value.path())  # once more: nothing new
        expect(device.locator("#outbox-status")).to_contain_text("1 条已在此设备上")
    finally:
        other.close()
    page.context.set_offline(False)
    expect(page.locator("#outbox-list .outbox-item[data-state=sent]")).to_have_count(1, timeout=20000)
    assert visit_count(live_server) == before + 1  # both devices sent it: stored once


def test_a_running_stopwatch_and_prefilled_times_survive_a_reload(page, live_server):
    login(page, live_server, "shopper@example.com")
    page.goto(live_server["url"] + "/checklists/mystery-shop/new?branch=SH01")
    expect(page.locator("input[name=visit-date]")).not_to_have_value("")  # filled once the draft is made
    today = page.locator("input[name=visit-date]").input_value()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", today) and page.locator("input[name=time-in]").input_value()
    timer = page.locator(".stopwatch").first
    timer.locator(".stopwatch-toggle").click()
    page.wait_for_timeout(1500)
    page.reload()
    expect(page.locator(".stopwatch-toggle.running")).to_have_count(1)
    page.wait_for_timeout(300)
    assert float(page.locator(".stopwatch input").first.input_value()) >= 1.5  # counting since before the reload
    page.locator(".stopwatch .stopwatch-toggle").first.click()
    next_year = (date.fromisoformat(today) + timedelta(days=366)).isoformat()  # a year on, valid from a 29 February too
    page.locator("input[name=visit-date]").fill(next_year)
    page.locator("input[name=time-out]").fill("00:00")
    page.locator("input[name=time-in]").fill("23:00")
    page.locator("button[type=submit]").click()
    expect(page.locator(".item-error[data-field=time-out]")).to_have_text("离开时间早于到达时间。")
    page.locator("input[name=time-out]").fill("23:30")
    page.locator("button[type=submit]").click()
    expect(page.locator(".item-error[data-field=visit-date]")).to_have_text("到访结束时间不能晚于现在。")
    screenshot(page, "future-visit")


def test_the_phones_first_form_is_small(browser, live_server):
    """Measure bytes over the network of a first visit to a form, before any worker keeps anything."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", service_workers="block")
    page = context.new_page()
    login(page, live_server, "shopper@example.com")
    sizes: list[int] = []
    page.on("requestfinished", lambda request: sizes.append(
        request.sizes()["responseBodySize"] + request.sizes()["responseHeadersSize"]))
    page.goto(live_server["url"] + "/checklists/mystery-shop/new?branch=SH01")
    page.wait_for_load_state("networkidle")
    first_load = sum(sizes)
    context.close()
    print(json.dumps({"first_form_load_bytes": first_load, "requests": len(sizes)}))
    assert first_load < 100 * 1024


