"""The submitters of the scale run: visits with two photos each, to one instance or the other, retried, doubled."""

from __future__ import annotations

import random
import time
import uuid
from datetime import datetime, timedelta
from functools import partial

from load_client import Budget, Client, OutOfBudget, Record, together
from load_drafts import CHECKLIST, CHINA, PHOTO_ON_FAIL, Draft, answers, other_content
from load_scenario import Tracker
from load_server import Org, Person
from scale_photos import Camera, Scenes

# How the n-th visit of the run is sent, by n modulo 20 (so that any run of 20 visits has every kind): plain, sent
# once; retry (15 %): the answer is lost and the phone sends it again to whichever instance it reaches next; twin
# (5 %): the same visit reaches both instances at the same instant (a resend while the first is under way).
RETRIES, TWINS = (2, 9, 15), (12,)
CONFLICTS = (5, 18)  # 10 %: once accepted, the id is sent again with other content (a device bug): 409
HALL = (31.2304, 121.4737)  # where the branches are (they have no position of their own in the seeded data)


def visit(rng: random.Random, camera: Camera, org: Org, me: Person) -> Draft:
    """Return a new visit with two photos: the overview and one of a failed item, or one nobody asked for."""
    branch = rng.choice(org.branches[me.region])
    values = answers(rng, org.staff[branch])
    failed = [item for item in PHOTO_ON_FAIL if values[item] is False]
    values.update({item: True for item in failed[1:]})  # two photos a visit: at most one item failed for want of one
    finished = datetime.now(CHINA) - timedelta(minutes=rng.randint(1, 600))
    started = finished - timedelta(minutes=rng.randint(20, 90))
    place = (HALL[0] + rng.uniform(-3e-4, 3e-4), HALL[1] + rng.uniform(-3e-4, 3e-4))
    photos = [(item, camera.photo(started + (finished - started) * rng.random(), place))
              for item in ("overview-photo", failed[0] if failed else "floor-clean")]
    body = {"id": str(uuid.uuid4()), "checklist": CHECKLIST, "branch": branch,
            "started_at": started.isoformat(timespec="seconds"), "finished_at": finished.isoformat(timespec="seconds"),
            "answers": values, "notes": {"floor-clean": "地面有水渍"} if not values["floor-clean"] else {}}
    return Draft(body, photos)


def send(clients: list[Client], tracker: Tracker, me: Person, draft: Draft, mode: str, home: int) -> bool:
    """Send a new visit as the mode says; True if it was accepted, as one visit under its own id."""
    near, far = clients[home], clients[1 - home]
    if mode == "twin":
        records = together([partial(client.submit, "twin", me.token, draft) for client in (near, far)])
        statuses, wanted = sorted(record.status or 0 for record in records), [200, 201]
    else:
        records = [near.submit("submit", me.token, draft)]
        if mode == "retry":
            records.append(far.submit("retry", me.token, draft))
        statuses, wanted = [record.status for record in records], [201] if mode == "plain" else [201, 200]
    accepted = [record for record in records if record.status in (200, 201)]
    same = all(record.body.get("id") == draft.id for record in accepted)
    tracker.expect(statuses == wanted and same, f"{mode} submission of {draft.id}", records)
    tracker.count("retries answered 200", sum(record.status == 200 for record in records))
    if accepted and same:
        tracker.accept(draft, me, records)
    return bool(accepted and same)


def conflict(clients: list[Client], tracker: Tracker, rng: random.Random, me: Person, draft: Draft) -> Record:
    """Send other content under an accepted id to either instance: 409."""
    record = rng.choice(clients).submit("conflict", me.token, other_content(draft))
    tracker.expect(record.status == 409, f"other content under accepted id {draft.id}", [record])
    tracker.count("conflicts answered 409", record.status == 409)
    return record


def submitter(clients: list[Client], org: Org, tracker: Tracker, quota: Budget, shared: Scenes, index: int,
              me: Person, period: float, accepted_at: list[float]) -> None:
    """Send visits until the quota (a Budget of visits) is used up; even submitters reach instance 0 first, odd ones 1.

    A visit is started every `period` seconds (from a random phase, so that submitters do not send in step),
    or at once when the last one took longer; a period of 0 sends them back to back.
    """
    rng, camera, home = random.Random(f"s{index}"), Camera(shared, f"c{index}"), index % len(clients)
    due = time.monotonic() + rng.uniform(0, period)
    try:
        while True:
            time.sleep(max(0.0, min(due - time.monotonic(), quota.remaining())))
            due += period
            slot = quota.reserve(1) % 20
            draft = visit(rng, camera, org, me)
            mode = "retry" if slot in RETRIES else "twin" if slot in TWINS else "plain"
            if not send(clients, tracker, me, draft, mode, home):
                continue
            accepted_at.append(time.perf_counter())
            if slot in CONFLICTS:
                conflict(clients, tracker, rng, me, draft)
    except OutOfBudget:
        return
