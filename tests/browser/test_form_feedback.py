"""What the form says while it is filled: a provisional score, a critical failure as failing, progress over the
required items, the verdict apart from the rating band, a one-line SERVQUAL scale, and lists as cards on phones."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from inspection.catalog.services import get_catalog

from .conftest import login, screenshot, store_inspection
from .test_field_app import FORM, answer_everything


def _required_items(live_server, checklist_id: str) -> int:
    """Count the items the form needs before it is complete: required and shown from the start."""
    with live_server["app"].app_context():
        checklist = get_catalog().checklists[checklist_id]
        return sum(1 for _, item in checklist.items()
                   if (item.is_required or item.type == "servqual") and not item.show_if)


def test_the_live_score_is_provisional_until_complete_and_a_critical_failure_fails(page, live_server, tmp_path):
    login(page, live_server, "inspector@example.com")
    page.goto(live_server["url"] + FORM)
    required = _required_items(live_server, "branch-inspection")
    expect(page.locator("#live-label")).to_have_text("暂定得分")
    expect(page.locator("#live-progress")).to_have_text(f"已答 0 / {required} 项")
    page.locator("#item-tariff-matches .chip-choice span").nth(1).click()  # a critical item not met
    expect(page.locator("#live-verdict")).to_have_text("未通过：关键项不达标")
    expect(page.locator("#live-verdict")).to_have_class("bad")
    screenshot(page, "form-critical")
    answer_everything(page)
    page.locator("#item-tariff-matches .chip-choice span").first.click()
    page.locator("#item-greeting-time input[type=number]").fill("3")
    # An optional remark left empty does not keep the form from being complete.
    expect(page.locator("#live-label")).to_have_text("得分")
    expect(page.locator("#live-progress")).to_have_text("")
    expect(page.locator("#live-verdict")).to_have_text(re.compile(r"^通过( · 评级：.+)?$"))
    screenshot(page, "form-complete")


def test_the_servqual_scale_fits_one_line_with_its_anchors(page, live_server):
    login(page, live_server, "shopper@example.com")
    page.goto(live_server["url"] + "/checklists/servqual-survey/new?branch=SH01")
    row = page.locator("#item-t1 .servqual-row").first
    tops = row.locator(".chip-choice").evaluate_all("chips => chips.map(chip => chip.getBoundingClientRect().top)")
    heights = row.locator(".chip-choice span").evaluate_all("spans => spans.map(s => s.getBoundingClientRect().height)")
    assert len(tops) == 7 and len(set(round(top) for top in tops)) == 1, tops
    assert min(heights) >= 44, heights
    expect(row.locator(".scale-anchors")).to_have_text(re.compile("1 非常不同意.*7 非常同意"))
    # A survey is done when its statements are rated, though each may be skipped.
    statements = _required_items(live_server, "servqual-survey")
    assert statements >= 22
    expect(page.locator("#live-progress")).to_have_text(f"已答 0 / {statements} 项")
    screenshot(page, "servqual-scale")


def test_visit_lists_are_cards_on_a_phone_and_a_whole_card_opens_its_visit(page, live_server):
    store_inspection(live_server["app"], greeting=3.0)
    login(page, live_server, "manager@example.com")
    page.goto(live_server["url"] + "/visits")
    card = page.locator("table.card-table tbody tr").first
    target = card.locator("a.row-link").get_attribute("href")
    screenshot(page, "visit-cards")
    if page.size_name != "phone":
        return  # a table at tablet size, where the date is the link
    card.scroll_into_view_if_needed()
    box = card.bounding_box()
    assert box["width"] > 300 and box["height"] > 80, box  # a card, not a squeezed row
    expect(card.locator(".card-badge .status")).to_be_visible()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] - 12)  # far from the date link
    page.wait_for_url(re.compile(re.escape(target) + "$"))
