"""Pages offer exactly what the access policy allows: every button shown works, and nothing allowed is hidden."""

from __future__ import annotations

import io
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from inspection import access
from inspection.actions.models import CorrectiveAction
from inspection.actions.services import advance
from inspection.extensions import db, media_store
from inspection.photos.processing import process
from inspection.photos.storage import write_with_files
from inspection.review.services import review
from inspection.visits.services import submit_visit

from . import factories

SKIPPED_FORMS = ("/logout", "/language")
STATES = {"submitted": [], "in_review": ["start"], "returned": ["return"], "released": ["release"]}


class Controls(HTMLParser):
    """Collect a page's post forms (action, hidden fields, buttons) and its links."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method") == "post":
            self.forms.append({"action": attrs.get("action"), "buttons": [], "hidden": {}})
        elif tag == "button" and self.forms and attrs.get("name"):
            self.forms[-1]["buttons"].append((attrs["name"], attrs.get("value", "")))
        elif tag == "input" and self.forms and attrs.get("type") == "hidden" and attrs.get("name"):
            self.forms[-1]["hidden"][attrs["name"]] = attrs.get("value", "")
        elif tag == "a" and attrs.get("href", "").startswith("/"):
            self.links.append(attrs["href"])


def controls(client, path: str) -> Controls:
    response = client.get(path)
    assert response.status_code == 200, path
    parsed = Controls()
    parsed.feed(response.get_data(as_text=True))
    return parsed


@pytest.fixture
def people(app, org, users):
    app.config["CHECKLIST_DIR"] = str(factories.FIXTURES)
    extra = {"west_manager": factories.make_user("manager", regions=("West",)),
             "manager2": factories.make_user("manager", regions=("East",)),
             "branch": factories.make_user("branch", branches=("E1",))}
    db.session.commit()
    return {**users, **extra}


def _visit(people, state: str):
    """Return a visit of the inspector's with a failed critical item, moved to the given state."""
    sub = factories.submission(answers={"clerk": "E1-S1", "clean": False, "greet": 9})
    visit, _ = submit_visit(people["inspector"], factories.small_checklist(), sub)
    for action in STATES[state]:
        review(people["manager"], visit, action, "请补充")
    db.session.commit()
    return visit


def _signed_in(app, user):
    client = app.test_client()
    factories.login(client, user)
    return client


VISIT_STEPS = [  # who sees which review steps and links on the visit page, by visit state
    ("manager", "submitted", {"start", "release", "return"}),
    ("admin", "in_review", {"release", "return"}),
    ("manager", "released", set()),
    ("manager", "returned", set()),
    ("inspector", "submitted", set()),
    ("inspector", "returned", {"correct"}),
    ("branch", "released", set()),
]


@pytest.mark.parametrize(("role", "state", "expected"), VISIT_STEPS)
def test_the_visit_page_shows_the_steps_of_the_lifecycle_table(app, people, role, state, expected):
    visit = _visit(people, state)
    page = controls(_signed_in(app, people[role]), f"/visits/{visit.uuid}")
    shown = {value for form in page.forms for name, value in form["buttons"] if name == "action"}
    if f"/visits/{visit.uuid}/correct" in page.links:
        shown.add("correct")
    allowed = {"correct" if step == "resubmit" else step for step in access.steps(people[role], "visit", visit)}
    assert shown == expected == allowed


@pytest.mark.parametrize("role", ["admin", "manager", "manager2", "inspector", "west_manager", "shopper", "branch"])
@pytest.mark.parametrize("state", sorted(STATES))
def test_every_button_and_link_on_a_visit_page_works_for_who_sees_it(app, people, role, state):
    client = _signed_in(app, people[role])
    visit = _visit(people, state)
    response = client.get(f"/visits/{visit.uuid}")
    hidden = role in ("west_manager", "shopper") or (role == "branch" and state != "released")
    if hidden:  # outside their scope, or not released to the branch: the visit does not exist for them
        assert response.status_code == 404
        return
    page = controls(client, f"/visits/{visit.uuid}")
    for link in page.links:
        assert client.get(link).status_code not in (403, 404, 500), link
    for form in (form for form in page.forms if form["action"] not in SKIPPED_FORMS):
        for name, value in form["buttons"] or [("", "")]:
            fresh = _visit(people, state)  # each button is pressed on a visit of its own
            action = form["action"].replace(str(visit.uuid), str(fresh.uuid))
            data = {**form["hidden"], "comment": "请补充", **({name: value} if name else {})}
            response = client.post(action, data=data, follow_redirects=True)
            # Pressed as offered, every button succeeds: no refusal, and no refused step shown as a message.
            assert response.status_code == 200, (form, name, value)
            assert "flash-error" not in response.get_data(as_text=True), (form, name, value)


def _action(app, people):
    visit = _visit(people, "released")  # releasing opened an action for the failed critical item
    return db.session.scalar(select(CorrectiveAction).where(CorrectiveAction.visit_id == visit.id))


ACTION_STEPS = [
    ("manager", "open", {"start", "close"}, True),
    ("manager", "done_by_manager", {"reopen"}, True),  # who closed it does not verify it
    ("manager2", "done_by_manager", {"verify", "reopen"}, True),
    ("inspector", "open", set(), False),  # reads the action, manages nothing
    ("admin", "done_by_manager", {"verify", "reopen"}, True),
    ("admin", "done_by_admin", {"reopen"}, True),  # an admin who closed it does not verify it either
]


@pytest.mark.parametrize(("role", "state", "expected", "comments"), ACTION_STEPS)
def test_the_action_page_shows_exactly_the_allowed_steps(app, people, role, state, expected, comments):
    action = _action(app, people)
    if state.startswith("done_by_"):
        photo = process(factories.jpeg_bytes(64, 64), 10**7, 10**8)
        with write_with_files(media_store()) as files:
            advance(people[state.removeprefix("done_by_")], action, "close", "已整改", photo, files)
    client = _signed_in(app, people[role])
    page = controls(client, f"/actions/{action.id}")
    shown = {value for form in page.forms for name, value in form["buttons"] if name == "step"}
    assert shown == expected == set(access.steps(people[role], "action", action))
    html = client.get(f"/actions/{action.id}").get_data(as_text=True)
    assert ('name="comment"' in html) is comments
    if expected:  # one step changes the state; that the others are offered is checked above
        data = {"step": sorted(expected)[0], "note": "已整改", "photo": (io.BytesIO(factories.jpeg_bytes()), "p.jpg")}
        response = client.post(f"/actions/{action.id}", data=data, content_type="multipart/form-data",
                               follow_redirects=True)
        assert response.status_code == 200 and "flash-error" not in response.get_data(as_text=True)


@pytest.mark.parametrize(("role", "links"), [
    ("admin", {"/performance/", "/actions", "/admin/branches", "/admin/staff"}),
    ("manager", {"/performance/", "/actions"}),
    ("inspector", {"/performance/", "/actions"}),
    ("shopper", set()),
    ("branch", {"/performance/", "/actions"}),
])
def test_the_navigation_offers_what_the_policy_allows(app, people, role, links):
    client = _signed_in(app, people[role])
    page = controls(client, "/")
    offered = {link for link in page.links if link in {"/performance/", "/actions", "/admin/branches", "/admin/staff"}}
    assert offered == links
    for path in {"/performance/", "/actions", "/admin/branches", "/admin/staff"}:
        assert (client.get(path).status_code == 200) is (path in links), path
