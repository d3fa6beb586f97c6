"""Two people (or one client's retry) acting on the same visit at the same instant, on SQLite and PostgreSQL.

Threads are released together by a barrier; each race runs several rounds, since a race that is not
guarded shows up in most rounds on PostgreSQL (29 of 30 for a double release before the fix).
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter

import pytest
from sqlalchemy import func, select

from inspection.actions.models import CorrectiveAction
from inspection.catalog.models import ChecklistVersion
from inspection.catalog.services import freeze_all
from inspection.checklists import load_text
from inspection.extensions import db
from inspection.visits.models import Visit, VisitEvent

from . import factories

ROUNDS = 4


@pytest.fixture
def people(app, org, users):
    app.config["CHECKLIST_DIR"] = str(factories.FIXTURES)
    second = factories.make_user("manager", regions=("East",))
    db.session.commit()
    return {**users, "manager2": second}


def race(app, actors: list, call) -> list:
    """Sign each actor in on a client of its own, then run call(client, index) in all threads at once."""
    barrier = threading.Barrier(len(actors))
    results: list = [None] * len(actors)
    emails = [actor.email for actor in actors]  # read here: the threads have no session of this test's

    def run(index: int) -> None:
        try:
            client = app.test_client()
            response = client.post("/login", data={"email": emails[index], "password": factories.PASSWORD})
            assert response.status_code == 302
            barrier.wait(timeout=30)
            results[index] = call(client, index)
        except BaseException as error:  # noqa: BLE001 - handed to the main thread
            results[index] = error

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(actors))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    db.session.rollback()  # end this thread's snapshot so that the main session sees what they did
    return results


def _submitted(client, clean: bool = True) -> str:
    body = factories.api_visit(answers={"clerk": "E1-S1", "clean": clean, "greet": 9})  # a failed critical item
    response = client.post("/api/v1/visits", json=body)
    assert response.status_code == 201, response.get_json()
    return body["id"]


def _events(visit_id: str) -> list[tuple[str, str | None, str]]:
    visit = db.session.scalar(select(Visit).where(Visit.uuid == uuid.UUID(visit_id)))
    rows = db.session.execute(select(VisitEvent.action, VisitEvent.from_status, VisitEvent.to_status)
                              .where(VisitEvent.visit_id == visit.id).order_by(VisitEvent.id)).all()
    return [tuple(row) for row in rows]


def _statuses(responses) -> list[int]:
    return sorted(response.status_code for response in responses)


@pytest.mark.parametrize("actions", [("release", "release"), ("release", "return"), ("return", "return")])
def test_two_reviewers_at_once_make_one_transition(app, client, people, actions):
    factories.login(client, people["inspector"])
    for _ in range(ROUNDS):
        visit_id = _submitted(client)
        url = f"/api/v1/visits/{visit_id}/review"
        responses = race(app, [people["manager"], people["manager2"]],
                         lambda c, i, url=url: c.post(url, json={"action": actions[i], "comment": "请核对"}))
        assert _statuses(responses) == [200, 409], [r.get_json() for r in responses]
        events = _events(visit_id)
        assert len(events) == 2 and events[1][1] == "submitted", events
    # The release hook ran once per released visit: one action per failed critical item, never two.
    counts = db.session.execute(select(CorrectiveAction.visit_id, func.count()).group_by(CorrectiveAction.visit_id))
    assert all(count == 1 for _, count in counts)


def _returned(client, manager_client) -> str:
    visit_id = _submitted(client)
    response = manager_client.post(f"/api/v1/visits/{visit_id}/review", json={"action": "return", "comment": "计时"})
    assert response.status_code == 200
    return visit_id


@pytest.mark.parametrize("identical", [True, False])
def test_a_double_correction_stores_one_version(app, client, people, identical):
    factories.login(client, people["inspector"])
    manager = app.test_client()
    factories.login(manager, people["manager"])
    for _ in range(ROUNDS):
        visit_id = _returned(client, manager)
        bodies = [{"answers": {"clerk": "E1-S1", "clean": True, "greet": 2 if identical else 2 + i}}
                  for i in range(2)]
        responses = race(app, [people["inspector"]] * 2,
                         lambda c, i, url=f"/api/v1/visits/{visit_id}", bodies=bodies: c.put(url, json=bodies[i]))
        if identical:  # a retry racing its original: both succeed, one of them changed the visit
            assert _statuses(responses) == [200, 200]
            assert sorted(r.get_json()["changed"] for r in responses) == [False, True]
        else:
            assert _statuses(responses) == [200, 409], [r.get_json() for r in responses]
        assert [event[0] for event in _events(visit_id)] == ["submit", "return", "resubmit"]


@pytest.mark.parametrize("identical", [True, False])
def test_the_same_submission_twice_at_once_is_stored_once(app, people, identical):
    for _ in range(ROUNDS):
        body = factories.api_visit()
        bodies = [body, body if identical else {**body, "notes": {"clean": "另一份"}}]
        responses = race(app, [people["inspector"]] * 2,
                         lambda c, i, bodies=bodies: c.post("/api/v1/visits", json=bodies[i]))
        assert _statuses(responses) == ([200, 201] if identical else [201, 409]), [r.get_json() for r in responses]
        if identical:
            assert responses[0].get_json() == responses[1].get_json()
        assert db.session.scalar(select(func.count()).select_from(Visit).where(
            Visit.uuid == uuid.UUID(body["id"]))) == 1


def test_the_first_load_of_a_new_version_is_frozen_once(app, people):
    for round_number in range(ROUNDS):
        text = factories.SMALL_CHECKLIST.replace("title: 小检查表", f"title: 小检查表 {round_number}")
        checklist = load_text(text)

        def freeze(client, index, checklist=checklist):
            with app.app_context():  # as a second worker process would, with its own connection
                freeze_all([checklist])
                db.session.commit()
            return index

        assert sorted(race(app, [people["inspector"]] * 3, freeze)) == [0, 1, 2]
        stored = Counter(db.session.scalars(select(ChecklistVersion.version)))
        assert stored[checklist.version] == 1


def _released_with_actions(client, manager_client) -> str:
    visit_id = _submitted(client, clean=False)
    response = manager_client.post(f"/api/v1/visits/{visit_id}/review", json={"action": "release"})
    assert response.status_code == 200
    return visit_id


def test_two_managers_opening_the_same_action_open_one(app, client, people):
    factories.login(client, people["inspector"])
    manager = app.test_client()
    factories.login(manager, people["manager"])
    for _ in range(ROUNDS):
        visit_id = _released_with_actions(client, manager)  # "clean" failed too, without an action yet
        responses = race(app, [people["manager"], people["manager2"]], lambda c, i, url=f"/visits/{visit_id}/actions":
                         c.post(url, data={"item_id": "clean"}, follow_redirects=True))
        assert [r.status_code for r in responses] == [200, 200]
        visit = db.session.scalar(select(Visit).where(Visit.uuid == uuid.UUID(visit_id)))
        assert db.session.scalar(select(func.count()).select_from(CorrectiveAction).where(
            CorrectiveAction.visit_id == visit.id, CorrectiveAction.item_id == "clean")) == 1
        assert sum("flash-error" in r.get_data(as_text=True) for r in responses) == 1  # the other is told


def test_two_managers_moving_the_same_action_move_it_once(app, client, people):
    factories.login(client, people["inspector"])
    manager = app.test_client()
    factories.login(manager, people["manager"])
    for _ in range(ROUNDS):
        visit_id = _released_with_actions(client, manager)
        visit = db.session.scalar(select(Visit).where(Visit.uuid == uuid.UUID(visit_id)))
        action_id = db.session.scalar(select(CorrectiveAction.id).where(CorrectiveAction.visit_id == visit.id))
        responses = race(app, [people["manager"], people["manager2"]], lambda c, i, url=f"/actions/{action_id}":
                         c.post(url, data={"step": "start", "comment": f"第 {i} 位经理"}, follow_redirects=True))
        assert sum("flash-error" in r.get_data(as_text=True) for r in responses) == 1
        action = db.session.get(CorrectiveAction, action_id)
        db.session.refresh(action)
        # The refused step took its comment with it: one transaction for both.
        assert action.status == "in_progress" and len(action.comments) == 1
