"""Calibration exercises: set up, scored apart, closed; results, flags, independence, and never counted as visits."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import schemathesis
from sklearn.metrics import cohen_kappa_score
from sqlalchemy import select
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import fleiss_kappa as statsmodels_fleiss

from inspection import access
from inspection.agreement import icc
from inspection.auth.models import User
from inspection.auth.services import add_user
from inspection.calibration import services
from inspection.calibration.models import CalibrationScore
from inspection.calibration.results import Sheet, compute, total_score_icc
from inspection.catalog.services import get_catalog
from inspection.checklists import load_file
from inspection.checklists import score as score_answers
from inspection.db import write_transaction
from inspection.extensions import db, media_store
from inspection.performance.branches import branch_report
from inspection.photos.processing import process
from inspection.photos.storage import thumbnail_name, write_with_files
from inspection.problems import Conflict, Forbidden, Invalid, NotFound
from inspection.visits.models import Visit
from inspection.visits.services import submit_visit

from . import factories
from .factories import bearer
from .test_openapi import conforms

CHECKLIST = "branch-inspection"
AGREEING = ("floor-clean", "grooming")  # what the two careful evaluators both find wanting
OUTLIER = ("signage", "self-service-ok", "uniform-badge", "standard-greeting", "tariff-matches")


SHIPPED = load_file(Path(__file__).resolve().parent.parent / "checklists" / f"{CHECKLIST}.yaml")


def sheet(failed=(), **changes) -> dict:
    """Return answers to the shipped branch inspection: every standard met but the failed ones."""
    answers = {item.id: item.id not in failed for _, item in SHIPPED.items()
               if item.type == "yes_no" and item.points and item.show_if is None}
    answers.update({"duty-staff": "E1-S1", "reception-staff": "E1-S2", "room-temperature": 22, "posture": 5,
                    "greeting-time": 3.0, "queue-wait": 120, "slip-errors": 0, "had-complaint": False})
    answers.update(changes)
    return answers


@pytest.fixture
def evaluators(users):
    """Return three inspectors of region East: two careful ones and one who sees things differently."""
    careful = add_user("careful@example.com", "细心的质检员", "inspector", factories.PASSWORD, regions=("East",))
    outlier = add_user("outlier@example.com", "另类的质检员", "inspector", factories.PASSWORD, regions=("East",))
    return users["inspector"], careful, outlier


def open_exercise(manager, people, **changes):
    draft = services.Draft(title="大厅检查校准", checklist_id=CHECKLIST, branch_code="E1", target="上午 10 点的大厅",
                           evaluators=[person.email for person in people])
    for name, value in changes.items():
        setattr(draft, name, value)
    with write_transaction():
        return services.create(manager, draft)


def score(person, exercise, answers) -> None:
    with write_transaction():
        services.submit(person, exercise, answers)


@pytest.fixture
def scored(users, evaluators):
    """Return an open exercise that all three evaluators have scored, the third one out of line."""
    exercise = open_exercise(users["manager"], evaluators)
    first, second, third = evaluators
    score(first, exercise, sheet(AGREEING))
    score(second, exercise, sheet(AGREEING + ("leaflets-current",)))
    score(third, exercise, sheet(OUTLIER))
    return exercise


def signed_in(app, user):
    client = app.test_client()
    factories.login(client, user)
    return client


# -- results -----------------------------------------------------------------------------------------

def test_three_evaluators_give_fleiss_kappa_icc_and_flag_the_outlier(app, users, evaluators, scored, tokens):
    answer = app.test_client().get(f"/api/v1/calibrations/{scored.id}", headers=bearer(tokens["manager"]))
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    first, second, third = body["evaluators"]  # in the order they were chosen (their accounts')
    assert [row["name"] for row in body["evaluators"]] == [person.name for person in evaluators]
    assert [row["flagged"] for row in (first, second, third)] == [False, False, True]
    assert third["kappa"] < 0.6 <= second["kappa"] < first["kappa"] == pytest.approx(1.0)
    assert third["disagreements"] == len(AGREEING + OUTLIER) and first["disagreements"] == 0
    assert second["disagreements"] == 1 and third["deviation"] < 0 < first["deviation"]
    assert second["deviation"] == 0  # the median total score is the second one's
    # The same κs as statsmodels and scikit-learn over the yes/no and rating items every evaluator answered.
    checklist = get_catalog().checklists[CHECKLIST]
    sheets = [row.answers for row in scored.scores]
    table = [[str(answers[item.id]) for answers in sheets] for _, item in checklist.items()
             if item.type in ("yes_no", "rating") and item.show_if is None]
    assert body["fleiss_kappa"] == pytest.approx(statsmodels_fleiss(aggregate_raters(table)[0]))
    for index, row in enumerate(body["evaluators"]):
        # Leave one out: where the two others agree, their answer is the consensus.
        pairs = [(labels[index], others[0]) for labels in table
                 for others in [labels[:index] + labels[index + 1:]] if others[0] == others[1]]
        assert row["kappa"] == pytest.approx(cohen_kappa_score(*zip(*pairs, strict=True)))
    assert body["cohen_kappa"] is None and body["icc"] is not None and body["kappa_threshold"] == 0.6
    floor = next(row for row in body["items"] if row["item"] == "floor-clean")
    assert floor == {"item": "floor-clean", "kind": "categorical", "answers": 3, "agreement": pytest.approx(2 / 3),
                     "consensus": False}
    timer = next(row for row in body["items"] if row["item"] == "greeting-time")
    assert timer["kind"] == "numeric" and timer["agreement"] == 1 and timer["consensus"] == 3.0


def test_the_api_answers_as_its_document_says(app, users, tokens, scored):
    api = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    path = f"/api/v1/calibrations/{scored.id}"
    for role, status in (("manager", 200), ("inspector", 403), ("shopper", 404)):  # the inspector evaluates it
        answer = app.test_client().get(path, headers=bearer(tokens[role]))
        assert answer.status_code == status
        conforms(api, "GET", "/calibrations/{calibration_id}", answer)
    with write_transaction():
        services.close(users["manager"], scored)
    for role in ("manager", "inspector"):
        answer = app.test_client().get(path, headers=bearer(tokens[role]))
        assert answer.status_code == 200 and answer.get_json()["closed_at"]
        conforms(api, "GET", "/calibrations/{calibration_id}", answer)
    for wrong in ("0", "x", str(2**31)):
        answer = app.test_client().get(f"/api/v1/calibrations/{wrong}", headers=bearer(tokens["manager"]))
        assert answer.status_code == 404 and answer.get_json()["code"] == "not_found"


def test_the_threshold_comes_from_the_settings(app, users, tokens, scored):
    manager = bearer(tokens["manager"])
    app.config["CALIBRATION_KAPPA"] = -1.0
    assert not any(row["flagged"] for row in app.test_client().get(
        f"/api/v1/calibrations/{scored.id}", headers=manager).get_json()["evaluators"])
    app.config["CALIBRATION_KAPPA"] = 0.9
    flags = [row["flagged"] for row in app.test_client().get(
        f"/api/v1/calibrations/{scored.id}", headers=manager).get_json()["evaluators"]]
    assert flags == [False, True, True]  # the second one's 0.75 falls below 0.9 too


def test_two_evaluators_get_cohens_kappa(users, evaluators):
    exercise = open_exercise(users["manager"], evaluators[:2])
    score(evaluators[0], exercise, sheet(AGREEING))
    score(evaluators[1], exercise, sheet(("floor-clean", "signage")))
    results = services.results(exercise)
    # Over 17 categorical items: 15 agree; the first fails 2, the second fails 2, one of them in common.
    assert results.cohen_kappa is not None and results.cohen_kappa == results.evaluators[0].kappa
    assert results.fleiss_kappa is not None and results.fleiss_kappa < results.cohen_kappa + 0.1


# -- independence and closing ----------------------------------------------------------------------

def test_evaluators_never_see_each_other_before_closing_and_see_results_after(app, users, evaluators, scored,
                                                                               tokens):
    first, _, third = evaluators
    page = signed_in(app, first).get(f"/calibrations/{scored.id}").get_data(as_text=True)
    assert 'id="results"' not in page and third.name not in page
    form = signed_in(app, first).get(f"/calibrations/{scored.id}/score").get_data(as_text=True)
    # Their own answers come back to change; the outlier's failed items stay unticked.
    assert 'name="answer.floor-clean" value="false" checked' in form
    assert 'name="answer.signage" value="true" checked' in form
    api = app.test_client().get(f"/api/v1/calibrations/{scored.id}", headers=bearer(create_token(first)))
    assert api.status_code == 403 and "closed" in api.get_json()["error"]
    manager_page = signed_in(app, users["manager"]).get(f"/calibrations/{scored.id}").get_data(as_text=True)
    assert 'id="results"' in manager_page and third.name in manager_page  # as the scores come in

    with write_transaction():
        services.close(users["manager"], scored)
    after = signed_in(app, first).get(f"/calibrations/{scored.id}").get_data(as_text=True)
    assert 'id="results"' in after and first.name in after and third.name not in after  # the others unnamed
    body = app.test_client().get(f"/api/v1/calibrations/{scored.id}", headers=bearer(create_token(first))).get_json()
    assert sorted(row["name"] is None for row in body["evaluators"]) == [False, True, True]
    assert signed_in(app, third).get(f"/calibrations/{scored.id}/score").status_code == 403


def create_token(user) -> str:
    from inspection.api.tokens import create_token as make

    with write_transaction():
        return make(user)[1]


def test_a_manager_who_evaluates_sees_no_results_before_closing(users, evaluators):
    manager = users["manager"]
    exercise = open_exercise(manager, [manager, evaluators[0]])
    assert not services.access.can(manager, "calibration.results", exercise)
    with write_transaction():
        services.close(manager, exercise)
    assert services.access.can(manager, "calibration.results", exercise)


def test_closing_twice_conflicts_and_only_the_branchs_manager_closes(users, evaluators, scored):
    with pytest.raises(Forbidden):
        services.close(evaluators[0], scored)
    with write_transaction():
        services.close(users["admin"], scored)
    with pytest.raises(Conflict):
        services.close(users["manager"], scored)
    with pytest.raises(Forbidden):  # no more scores once closed
        services.submit(evaluators[0], scored, sheet())


def test_an_evaluator_changes_their_score_until_the_exercise_closes(app, evaluators, users):
    exercise = open_exercise(users["manager"], evaluators)
    client = signed_in(app, evaluators[0])
    fields = {f"answer.{item}": str(value).lower() if isinstance(value, bool) else str(value)
              for item, value in sheet().items()}
    first = client.post(f"/calibrations/{exercise.id}/score", data=fields)
    assert first.status_code == 302
    # The page shows every item: an answer to one that had-complaint = false hides is dropped.
    changed = client.post(f"/calibrations/{exercise.id}/score", data={**fields, "answer.floor-clean": "false",
                                                                       "answer.complaint-logged": "true"})
    assert changed.status_code == 302
    [row] = CalibrationScore.query.filter_by(exercise_id=exercise.id).all()
    assert row.answers["floor-clean"] is False and row.answers["greeting-time"] == 3.0 and row.score < 100
    assert "complaint-logged" not in row.answers


def test_the_form_names_each_item_at_fault(app, evaluators, users):
    exercise = open_exercise(users["manager"], evaluators)
    response = signed_in(app, evaluators[0]).post(f"/calibrations/{exercise.id}/score", data={
        "answer.signage": "true", "answer.room-temperature": "warm", "answer.duty-staff": "W1-S1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="error-floor-clean"' in page and 'id="error-room-temperature"' in page
    assert 'id="error-duty-staff"' in page  # a staff member of another branch
    assert 'name="answer.signage" value="true" checked' in page  # what was sent stays
    assert CalibrationScore.query.count() == 0


# -- never a visit -----------------------------------------------------------------------------------

def test_calibration_scores_never_count_as_visits(app, users, scored, tokens):
    with write_transaction():
        services.close(users["manager"], scored)
    assert factories.count(Visit) == 0
    report = branch_report(scored.branch, date(2000, 1, 1), date(2100, 1, 1))
    assert report.count == 0
    manager = bearer(tokens["manager"])
    performance = app.test_client().get("/api/v1/branches/E1/performance?from=2000-01-01&to=2100-01-01",
                                        headers=manager).get_json()
    assert performance["visits"] == 0
    export = signed_in(app, users["manager"]).get("/exports/answers.csv?from=2000-01-01&to=2100-01-01&header=ids")
    assert export.status_code == 200 and len(export.get_data(as_text=True).strip().splitlines()) == 1
    leaderboard = signed_in(app, users["manager"]).get("/performance/leaderboard?from=2000-01-01&to=2100-01-01")
    assert "E1-S1" not in leaderboard.get_data(as_text=True)


# -- setting up ----------------------------------------------------------------------------------------

def test_setting_up_refuses_what_cannot_be_calibrated(users, evaluators):
    manager = users["manager"]
    refusals = [
        ({"evaluators": [evaluators[0].email]}, "calibration_evaluators"),
        ({"evaluators": [evaluators[0].email, users["shopper"].email]}, "not_an_evaluator"),  # not their work
        ({"evaluators": [evaluators[0].email, "nobody@example.com"]}, "unknown_user"),
        ({"title": " "}, "calibration_title"),
        ({"checklist_id": "servqual-survey"}, "unknown_checklist"),  # customers answer surveys
        ({"visit": "not-a-visit"}, "calibration_visit"),
    ]
    for changes, code in refusals:
        with pytest.raises(Invalid) as refused:
            open_exercise(manager, evaluators, **changes)
        assert refused.value.details[0]["code"] == code, changes
    with pytest.raises(NotFound):
        open_exercise(manager, evaluators, branch_code="W1")  # not their branch
    other = factories.make_user("manager", regions=("West",))
    with pytest.raises(Invalid):  # out of the branch's scope
        open_exercise(manager, [evaluators[0], other])
    with pytest.raises(Forbidden):
        open_exercise(evaluators[0], evaluators)


def test_a_visits_photos_are_the_shared_evidence(app, users, evaluators):
    checklist = get_catalog().checklists[CHECKLIST]
    photo = process(factories.jpeg_bytes(64, 48), 10**7, 10**8)
    submission = factories.submission(checklist_id=CHECKLIST, answers=sheet(), photos=[("overview-photo", photo)],
                                      notes={"floor-clean": "入口处有水渍"})
    with write_with_files(media_store(), [photo]) as files:
        visit, _ = submit_visit(users["inspector"], checklist, submission, files)
    exercise = open_exercise(users["manager"], evaluators, visit=str(visit.uuid), branch_code="")
    assert exercise.branch.code == "E1"
    [stored] = visit.photos
    client = signed_in(app, evaluators[1])
    form = client.get(f"/calibrations/{exercise.id}/score").get_data(as_text=True)
    assert "入口处有水渍" in form and thumbnail_name(stored.stored_name) in form
    for name in (stored.stored_name, thumbnail_name(stored.stored_name)):
        status, data = fetched(client, f"/calibrations/{exercise.id}/photos/{name}")
        assert status == 200 and data[:2] == b"\xff\xd8"  # a JPEG
    assert fetched(client, f"/calibrations/{exercise.id}/photos/{'0' * 32}.jpg")[0] == 404
    stranger = signed_in(app, users["shopper"])
    assert fetched(stranger, f"/calibrations/{exercise.id}/photos/{stored.stored_name}")[0] == 404


def fetched(client, path: str) -> tuple[int, bytes]:
    """Return the status and body of a GET, the file it sent closed."""
    response = client.get(path)
    data = response.get_data()
    response.close()
    return response.status_code, data


# -- pages -----------------------------------------------------------------------------------------------

def test_a_manager_sets_one_up_on_the_page_and_reads_the_trend(app, users, evaluators):
    client = signed_in(app, users["manager"])
    elsewhere = factories.make_user("inspector", regions=("West",))
    form = client.get("/calibrations/new").get_data(as_text=True)
    assert all(person.email in form for person in evaluators) and elsewhere.email not in form
    made = client.post("/calibrations/new", data={"title": "第一次", "checklist": CHECKLIST, "branch": "E1",
                                                  "evaluators": [person.email for person in evaluators]})
    assert made.status_code == 302
    refused = client.post("/calibrations/new", data={"title": "", "checklist": CHECKLIST, "branch": "E1"})
    assert refused.status_code == 200 and "flash-error" in refused.get_data(as_text=True)
    exercises = [services.visible_exercise(users["manager"], int(made.headers["Location"].rsplit("/", 1)[1])),
                 open_exercise(users["manager"], evaluators)]
    for number, exercise in enumerate(exercises):
        for person, failed in zip(evaluators, (AGREEING, AGREEING[:number + 1], OUTLIER), strict=True):
            score(person, exercise, sheet(failed, **{"greeting-time": 3.0 + number}))
        with write_transaction():
            services.close(users["manager"], exercise)
    listed = client.get("/calibrations").get_data(as_text=True)
    assert "第一次" in listed and "3 / 3" in listed
    trend = client.get("/calibrations/trend")
    page = trend.get_data(as_text=True)
    assert trend.status_code == 200 and page.count("<svg") == 3 and 'id="score-icc"' in page
    # The evaluator's home shows where they have a score to give.
    waiting = open_exercise(users["manager"], evaluators)
    assert '<span class="count">1</span>' in signed_in(app, evaluators[2]).get("/").get_data(as_text=True)
    score(evaluators[2], waiting, sheet())
    assert "calibrations" not in signed_in(app, evaluators[2]).get("/").get_data(as_text=True)


# -- the results, pure -------------------------------------------------------------------------------

def sheets(*answer_sets) -> list[Sheet]:
    return [Sheet(number, answers, score_answers(SHIPPED, answers).to_dict(), score_answers(SHIPPED, answers).score)
            for number, answers in enumerate(answer_sets, 1)]


def test_one_sheet_gives_no_statistic():
    results = compute(SHIPPED, sheets(sheet()), 0.6)
    assert not results.enough and results.fleiss_kappa is results.icc is None and results.items == []


def test_na_is_an_answer_of_its_own_and_hidden_items_are_no_disagreement():
    complaint = {"had-complaint": True, "complaint-logged": True, "complaint-reply": True}
    results = compute(SHIPPED, sheets(sheet(**complaint), sheet(**complaint),
                                      sheet(**{"writing-desk": "na", "complaint-logged": False})), 0.6)
    desk = next(row for row in results.items if row.item.id == "writing-desk")
    assert desk.agreement == pytest.approx(2 / 3) and desk.consensus is True
    logged = next(row for row in results.items if row.item.id == "complaint-logged")
    assert logged.answers == 2 and logged.agreement == 1.0  # hidden from the third evaluator, answered or not
    assert [row.disagreements for row in results.evaluators] == [0, 0, 2]  # the desk, and had-complaint


def test_numbers_agree_on_what_they_earn_and_the_consensus_is_their_median():
    results = compute(SHIPPED, sheets(sheet(**{"greeting-time": 3.2}), sheet(**{"greeting-time": 4.9}),
                                      sheet(**{"greeting-time": 7.0})), 0.6)
    greeting = next(row for row in results.items if row.item.id == "greeting-time")
    assert greeting.agreement == pytest.approx(2 / 3) and greeting.consensus == 4.9


def test_the_icc_of_total_scores_takes_the_evaluators_who_share_exercises():
    totals = [{"a": 80.0, "b": 82.0, "c": 60.0}, {"a": 70.0, "b": 71.0}, {"a": 90.0, "b": 88.0, "c": 75.0},
              {"d": 50.0}]
    value, rows, chosen = total_score_icc(totals)
    assert (rows, chosen) == ([0, 2], ["a", "b", "c"])
    assert value == pytest.approx(icc([[80.0, 82.0, 60.0], [90.0, 88.0, 75.0]]))
    assert total_score_icc([{"a": 80.0, "b": 70.0}, {"a": 60.0, "c": 50.0}]) == (None, [], [])


def test_the_evaluators_offered_are_exactly_those_the_policy_allows(users, evaluators, branch_lead):
    """The new-exercise page asks SQL (access.evaluator_filter); it must agree with the rule, person by person."""
    west = add_user("west@example.com", "西区质检", "inspector", factories.PASSWORD, regions=("West",))
    gone = add_user("gone@example.com", "离职质检", "inspector", factories.PASSWORD, regions=("East",))
    gone.active = False
    branches = db.session.scalars(access.scoped_branches(users["manager"])).all()
    allowed = {person.email for person in db.session.scalars(select(User)) if any(
        access.can(person, "calibration.evaluate", access.Fill(kind, branch))
        for branch in branches for kind in access.CALIBRATION_KINDS)}
    offered = {person.email for person in services.candidates(users["manager"])}
    assert offered == allowed
    assert west.email not in offered and gone.email not in offered and branch_lead.email not in offered
    assert {users["inspector"].email, users["manager"].email, users["admin"].email} <= offered
