"""The traffic of the load run: submitters with retries and conflicts, racing managers, raced corrections."""

import queue
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import partial

from load_client import TIMEOUT, Budget, Client, OutOfBudget, Record, together
from load_drafts import Draft, correction, digest, new_draft, other_content
from load_server import Org, Person

SUBMIT_MODES, SUBMIT_WEIGHTS = ("plain", "retry", "twin"), (55, 25, 20)
CONFLICT_SHARE, REVIEW_SHARE = 0.15, 0.6
CORRECTION_COPIES = 3
COUNTS = ("retries answered 200", "conflicts answered 409", "race wins", "race losses", "corrections applied",
          "correction copies answered 200 unchanged", "correction copies answered 409")
# Pairs of steps of which only one can happen: after either, the other is not allowed any more.
RACES = {"submitted": (("release", "release"), ("return", "return"), ("release", "return"), ("start", "start")),
         "in_review": (("release", "release"), ("return", "return"), ("release", "return"))}
TARGETS = {"start": "in_review", "release": "released", "return": "returned"}


@dataclass
class Expected:
    """What the database must hold for one accepted visit, as its clients saw it."""

    owner: int
    answers: dict
    photos: list[str]  # digests of the current version's photos
    steps: list[str] = field(default_factory=lambda: ["submit"])
    created: int = 0  # 201 answers for this id: more than one means it was created twice


class Tracker:
    """Everything the clients saw: each request, the accepted visits, counts and broken expectations."""

    def __init__(self):
        self.records: list[Record] = []
        self.visits: dict[str, Expected] = {}
        self.counts: Counter = Counter(dict.fromkeys(COUNTS, 0))
        self.violations: list[str] = []
        self._lock = threading.Lock()

    def log(self, record: Record) -> None:
        with self._lock:
            self.records.append(record)

    def count(self, name: str, amount: int = 1) -> None:
        with self._lock:
            self.counts[name] += amount

    def expect(self, condition: bool, what: str, records: list[Record]) -> bool:
        """Keep a broken expectation with the requests that broke it; return the condition."""
        if not condition:
            with self._lock:
                self.violations.append(f"{what}: " + "; ".join(str(record) for record in records))
        return condition

    def accept(self, draft: Draft, owner: Person, records: list[Record]) -> None:
        with self._lock:
            expected = self.visits.setdefault(
                draft.id, Expected(owner.user_id, draft.body["answers"], draft.photo_digests()))
            expected.created += sum(record.status == 201 for record in records)

    def step(self, visit_id: str, action: str, photos: list[str] = ()) -> None:
        with self._lock:
            expected = self.visits[visit_id]
            expected.steps.append(action)
            expected.photos = sorted([*expected.photos, *photos])


@dataclass
class Traffic:
    client: Client
    budget: Budget
    org: Org
    tracker: Tracker
    reviews: queue.Queue = field(default_factory=queue.Queue)
    submitting_done: threading.Event = field(default_factory=threading.Event)


def drafts(org: Org, me: Person, count: int, seed: str) -> list[Draft]:
    """Make a submitter's visits ahead of time, so that making JPEGs is not timed."""
    rng = random.Random(seed)
    branches = [rng.choice(org.branches[me.region]) for _ in range(count)]
    return [new_draft(rng, branch, org.staff[branch]) for branch in branches]


def submit(traffic: Traffic, me: Person, draft: Draft, mode: str) -> bool:
    """Send a new visit once, twice in a row (a retry), or twice at the same instant; True if accepted."""
    client, single = traffic.client, mode in ("plain", "baseline")
    traffic.budget.reserve(1 if single else 2)
    if mode == "twin":
        records = together([partial(client.submit, "twin", me.token, draft)] * 2)
        statuses, wanted = sorted(record.status or 0 for record in records), [200, 201]
    else:
        records = [client.submit("baseline" if mode == "baseline" else "submit", me.token, draft)]
        if mode == "retry":  # the answer was lost on the way: the device sends it again
            records.append(client.submit("retry", me.token, draft))
        statuses, wanted = [record.status for record in records], [201] if single else [201, 200]
    accepted = [record for record in records if record.status in (200, 201)]
    same = all(record.body.get("id") == draft.id for record in accepted)
    traffic.tracker.expect(statuses == wanted and same, f"{mode} submission of {draft.id}", records)
    if not single:
        traffic.tracker.count("retries answered 200", sum(record.status == 200 for record in records))
    if accepted and same:
        traffic.tracker.accept(draft, me, records)
    return bool(accepted and same)


def reuse_id(traffic: Traffic, rng: random.Random, me: Person, draft: Draft) -> None:
    """Send other content under an accepted id, as its submitter or as another inspector: 409."""
    sender = rng.choice([me, rng.choice(traffic.org.inspectors)])
    traffic.budget.reserve(1)
    record = traffic.client.submit("conflict", sender.token, other_content(draft))
    traffic.tracker.expect(record.status == 409, f"other content under accepted id {draft.id}", [record])
    traffic.tracker.count("conflicts answered 409", record.status == 409)


def submitter(traffic: Traffic, me: Person, mine: list[Draft], seed: str) -> None:
    """Send one submitter's visits with retries and conflicts; hand some accepted ones to the managers."""
    rng = random.Random(seed)
    try:
        for draft in mine:
            if not submit(traffic, me, draft, rng.choices(SUBMIT_MODES, SUBMIT_WEIGHTS)[0]):
                continue
            if rng.random() < CONFLICT_SHARE:
                reuse_id(traffic, rng, me, draft)
            if rng.random() < REVIEW_SHARE:
                traffic.reviews.put((draft, me))
    except OutOfBudget:
        return


def race(traffic: Traffic, rng: random.Random, visit_id: str, state: str) -> str | None:
    """Send both managers' steps at the same instant; exactly one may win. Return the state it led to."""
    actions = rng.choice(RACES[state])
    traffic.budget.reserve(2)
    calls = [partial(traffic.client.review, manager.token, visit_id, action)
             for manager, action in zip(traffic.org.managers, actions, strict=True)]
    records = together(calls)
    winners = [record for record in records if record.status == 200]
    for winner in winners:  # whatever happened, the trail must show exactly these steps
        traffic.tracker.step(visit_id, winner.step)
    fair = sorted(record.status or 0 for record in records) == [200, 409]
    if not traffic.tracker.expect(fair, f"race {'/'.join(actions)} on {visit_id} ({state})", records):
        return None
    traffic.tracker.count("race wins")
    traffic.tracker.count("race losses")
    target = TARGETS[winners[0].step]
    traffic.tracker.expect(winners[0].body.get("status") == target, f"race winner's status on {visit_id}", winners)
    return target


def correct(traffic: Traffic, rng: random.Random, draft: Draft, owner: Person) -> bool:
    """Send the submitter's correction from three threads at once: it applies once; then other content: 409."""
    document, photos = correction(rng, draft)
    traffic.budget.reserve(CORRECTION_COPIES + 1)
    send = partial(traffic.client.correct, "correct", owner.token, draft.id, document, photos)
    records = together([send] * CORRECTION_COPIES)
    applied = [record for record in records if record.status == 200 and record.body.get("changed") is True]
    repeats = sum(record.status == 200 and record.body.get("changed") is False for record in records)
    refused = sum(record.status == 409 for record in records)
    for _ in applied:
        traffic.tracker.step(draft.id, "resubmit", [digest(data) for _, data in photos])
    traffic.tracker.count("corrections applied", len(applied))
    traffic.tracker.count("correction copies answered 200 unchanged", repeats)
    traffic.tracker.count("correction copies answered 409", refused)
    fine = len(applied) == 1 and len(applied) + repeats + refused == CORRECTION_COPIES
    if not traffic.tracker.expect(fine, f"concurrent identical corrections of {draft.id}", records):
        return False
    posture = document["answers"]["posture"] % 5 + 1
    other = dict(document, answers=dict(document["answers"], posture=posture))
    record = traffic.client.correct("correct-conflict", owner.token, draft.id, other, [])
    traffic.tracker.expect(record.status == 409, f"other correction after one applied to {draft.id}", [record])
    traffic.tracker.count("conflicts answered 409", record.status == 409)
    return True


def review(traffic: Traffic, rng: random.Random, draft: Draft, owner: Person) -> None:
    """Race the managers over a visit; a returned one is corrected by its submitter and raced once more."""
    state = race(traffic, rng, draft.id, "submitted")
    if state == "in_review":
        state = race(traffic, rng, draft.id, "in_review")
    if state == "returned" and correct(traffic, rng, draft, owner):
        race(traffic, rng, draft.id, "submitted")


def reviewer(traffic: Traffic, seed: str) -> None:
    """Take accepted visits from the queue and race over them until the submitters are done."""
    rng = random.Random(seed)
    try:
        while True:
            try:
                draft, owner = traffic.reviews.get(timeout=0.1)
            except queue.Empty:
                if traffic.submitting_done.is_set():
                    return
                continue
            review(traffic, rng, draft, owner)
    except OutOfBudget:
        return


def run_traffic(traffic: Traffic, work: list[tuple[Person, list[Draft]]], reviewers: int) -> tuple[float, float]:
    """Run the submitters and the race runners to their end; return (submitting, total) seconds."""
    started = time.perf_counter()
    senders = [threading.Thread(target=submitter, args=(traffic, me, mine, f"s{index}"), daemon=True)
               for index, (me, mine) in enumerate(work)]
    racers = [threading.Thread(target=reviewer, args=(traffic, f"r{index}"), daemon=True) for index in range(reviewers)]
    for thread in senders + racers:
        thread.start()
    _join(senders, traffic.budget)
    submitting = time.perf_counter() - started
    traffic.submitting_done.set()
    _join(racers, traffic.budget)
    hung = [thread for thread in senders + racers if thread.is_alive()]
    traffic.tracker.expect(not hung, f"{len(hung)} client threads still running after the caps", [])
    return submitting, time.perf_counter() - started


def _join(threads: list[threading.Thread], budget: Budget) -> None:
    # Nothing starts after the deadline, and what is under way ends within its timeouts.
    end = time.monotonic() + budget.remaining() + 4 * TIMEOUT
    for thread in threads:
        thread.join(timeout=max(0.0, end - time.monotonic()))


def baseline(traffic: Traffic, mine: list[Draft]) -> float:
    """Send visits one after another from one submitter, the same-run yardstick; return the seconds taken."""
    started = time.perf_counter()
    try:
        for draft in mine:
            submit(traffic, traffic.org.inspectors[0], draft, "baseline")
    except OutOfBudget:
        pass  # the traffic that follows finds the budget spent too, and the summary says so
    return time.perf_counter() - started


def warm_up(traffic: Traffic, workers: int) -> None:
    """Have every worker load the catalog (and race to freeze it) before anything is timed."""
    token = traffic.org.inspectors[0].token
    try:
        for _ in range(3):
            traffic.budget.reserve(2 * workers)
            together([partial(traffic.client.call, "warm-up", "GET", "/api/v1/checklists", token)] * (2 * workers))
    except OutOfBudget:
        pass  # the summary says the budget was hit
