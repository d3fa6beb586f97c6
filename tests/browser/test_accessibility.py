"""axe-core (installed from the npm registry by `make install`) finds no violation on the main pages, at phone
and tablet size: every control named, landmarks named, one h1, errors tied to their fields."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from inspection.actions.models import CorrectiveAction
from inspection.actions.services import create_action
from inspection.auth.models import User
from inspection.db import write_transaction
from inspection.extensions import db
from inspection.review.services import review
from inspection.visits.models import Visit

from .conftest import login, store_inspection

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# The rules of WCAG 2.1 A and AA plus axe's best practices (landmarks, headings, regions).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def axe_script() -> str:
    """Return axe-core's source, as `make install` put it under node_modules."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make test` runs npm ci", pytrace=False)
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def axe_source() -> str:
    return axe_script()


def violations(page, axe_source: str) -> list[str]:
    """Run axe on the page as it stands; return one line per violation and element."""
    page.evaluate(axe_source)
    found = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
                          ".then(result => result.violations)", TAGS)
    return [f"{v['id']} ({v['impact']}): {node['target']} {node['failureSummary'][:160]}"
            for v in found for node in v["nodes"]]


def check(page, axe_source: str, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    found = violations(page, axe_source)
    assert not found, f"{url} at {page.size_name}:\n" + "\n".join(found)


@pytest.fixture(scope="module")
def released_action(live_server) -> tuple[str, int]:
    """Return a released inspection with a failed item, and the corrective action opened on it."""
    app = live_server["app"]
    visit_id = store_inspection(app, greeting=9.0)  # over the limit: the greeting item fails
    with app.app_context():
        manager = db.session.scalar(select(User).where(User.email == "manager@example.com"))
        visit = db.session.scalar(select(Visit).where(Visit.uuid == uuid.UUID(visit_id)))
        with write_transaction():
            review(manager, visit, "start")
            review(manager, visit, "release")  # opens actions for the critical failures
            action = db.session.scalar(select(CorrectiveAction).where(CorrectiveAction.visit_id == visit.id)) \
                or create_action(manager, visit, "greeting-time")
        action_id = action.id
        db.session.remove()
    return visit_id, action_id


def test_the_sign_in_page(page, live_server, axe_source):
    check(page, axe_source, live_server["url"] + "/login")


@pytest.mark.parametrize("path", ["/", "/checklists/branch-inspection/new?branch=SH01", "/visits"])
def test_the_inspectors_pages(page, live_server, axe_source, path):
    login(page, live_server, "inspector@example.com")
    check(page, axe_source, live_server["url"] + path)


@pytest.mark.parametrize("path", ["/", "/checklists/mystery-shop/new?branch=SH01",
                                  "/checklists/servqual-survey/new?branch=SH01"])
def test_the_shoppers_pages(page, live_server, axe_source, path):
    login(page, live_server, "shopper@example.com")
    check(page, axe_source, live_server["url"] + path)


@pytest.mark.parametrize("path", ["/", "/visits", "/performance/leaderboard", "/performance/",
                                  "/actions/", "/assignments", "/coverage"])
def test_the_managers_pages(page, live_server, axe_source, path):
    login(page, live_server, "manager@example.com")
    check(page, axe_source, live_server["url"] + path)


def test_the_visit_page_and_the_action_page(page, live_server, axe_source, released_action):
    visit_id, action_id = released_action
    login(page, live_server, "manager@example.com")
    check(page, axe_source, f"{live_server['url']}/visits/{visit_id}")
    check(page, axe_source, f"{live_server['url']}/actions/{action_id}")


def test_a_refused_form_ties_each_error_to_its_field(page, live_server, axe_source):
    login(page, live_server, "inspector@example.com")
    page.goto(live_server["url"] + "/checklists/branch-inspection/new?branch=SH01")
    page.wait_for_load_state("networkidle")
    page.locator(".submitbar button[type=submit]").click()
    page.locator(".item .item-error:not([hidden])").first.wait_for()
    described = page.evaluate("""() => {
        const item = document.querySelector('.item .item-error:not([hidden])').closest('.item');
        const fields = [...document.querySelectorAll('[name^="answer."][aria-describedby]')];
        const shown = new Set([...document.querySelectorAll('.item-error:not([hidden])')].map(slot => slot.id));
        return {focused: item.contains(document.activeElement), fields: fields.length,
                dangling: fields.filter(field => !shown.has(field.getAttribute('aria-describedby'))).length};
    }""")
    assert described["focused"], "focus moves to the first item at fault"
    assert described["fields"] > 0 and described["dangling"] == 0, described
    found = violations(page, axe_source)
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)
