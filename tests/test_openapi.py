"""API v1's OpenAPI document: valid OpenAPI 3.1, complete, true of real answers and of generated requests."""

from __future__ import annotations

import copy
import io
import json
import re
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from inspection.api.openapi import document

from . import factories
from .factories import bearer

PREFIX = "/api/v1"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
DOCUMENT = document()
OPERATIONS = [(method.upper(), path) for path, item in DOCUMENT["paths"].items() for method in item]
PERIOD = "from=2026-11-01&to=2026-11-30"
# At most this many generated requests per operation, role and backend; derandomized, so every run sends the same.
MAX_EXAMPLES = 25
FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES, deadline=timedelta(seconds=5), derandomize=True, database=None,
    phases=[Phase.generate, Phase.shrink], print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)


@pytest.fixture
def api(app):
    """Return the document as schemathesis reads it from the running app (anonymously)."""
    return schemathesis.openapi.from_wsgi(f"{PREFIX}/openapi.json", app)


def conforms(api, method: str, path: str, response) -> None:
    """Fail unless the answer's status, content type and body are the ones the document gives."""
    case = api[path][method].Case()
    case.validate_response(response, checks=CHECKS)


# -- the document itself ------------------------------------------------------------------------

def test_the_served_document_is_valid_openapi_3_1_and_public(client):
    response = client.get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    served = response.get_json()
    assert served["openapi"].startswith("3.1") and served == json.loads(json.dumps(DOCUMENT))
    validate(served)


def test_every_route_of_the_api_blueprint_is_documented_and_nothing_else(app):
    routes = {(method, rule.rule) for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(method, PREFIX + re.sub(r"\{(\w+)\}", r"<\1>", path)) for method, path in OPERATIONS}
    assert routes == documented


def test_request_bodies_refuse_unknown_fields_as_the_server_does():
    schemas = DOCUMENT["components"]["schemas"]
    for name in ("VisitPayload", "CorrectionPayload", "KeptPhoto"):
        assert schemas[name]["additionalProperties"] is False, name


def test_an_answer_the_document_does_not_describe_fails_the_check(api, client, tokens, small):
    listed = client.get(f"{PREFIX}/checklists", headers=bearer(tokens["inspector"]))
    conforms(api, "GET", "/checklists", listed)
    altered = copy.copy(listed)
    altered.set_data(json.dumps([{**listed.get_json()[0], "surprise": 1}]))
    with pytest.raises(FailureGroup):
        conforms(api, "GET", "/checklists", altered)


# -- real answers conform ---------------------------------------------------------------------

def test_reading_answers_conform(api, client, users, tokens, small):
    inspector = bearer(tokens["inspector"])
    conforms(api, "GET", "/checklists", client.get(f"{PREFIX}/checklists", headers=inspector))
    conforms(api, "GET", "/checklists/{checklist_id}", client.get(f"{PREFIX}/checklists/small", headers=inspector))
    for checklist in ("branch-inspection", "mystery-shop", "call-qc", "servqual-survey"):
        app_checklist = client.get(f"{PREFIX}/checklists/{checklist}", headers=bearer(tokens["admin"]))
        conforms(api, "GET", "/checklists/{checklist_id}", app_checklist)
    conforms(api, "GET", "/branches", client.get(f"{PREFIX}/branches", headers=inspector))
    factories.login(client, users["manager"])  # the browser session, the document's other way in
    conforms(api, "GET", "/branches", client.get(f"{PREFIX}/branches"))


def test_submission_review_correction_and_performance_answers_conform(api, client, tokens, small):
    inspector, manager = bearer(tokens["inspector"]), bearer(tokens["manager"])
    body = factories.api_visit()
    data = {"visit": json.dumps(body), "photo.overview": (io.BytesIO(factories.jpeg_bytes(64, 48)), "o.jpg")}
    created = client.post(f"{PREFIX}/visits", data=data, headers=inspector, content_type="multipart/form-data")
    assert created.status_code == 201, created.get_json()
    conforms(api, "POST", "/visits", created)
    retry = client.post(f"{PREFIX}/visits", data={"visit": json.dumps(body), "photo.overview": (
        io.BytesIO(factories.jpeg_bytes(64, 48)), "o.jpg")}, headers=inspector, content_type="multipart/form-data")
    assert retry.status_code == 200
    conforms(api, "POST", "/visits", retry)
    other = client.post(f"{PREFIX}/visits", json={**body, "notes": {}}, headers=inspector)
    assert other.status_code == 409
    conforms(api, "POST", "/visits", other)

    url = f"{PREFIX}/visits/{body['id']}"
    visit = client.get(url, headers=manager)
    assert visit.status_code == 200 and len(visit.get_json()["photos"]) == 1
    conforms(api, "GET", "/visits/{visit_uuid}", visit)

    review = "/visits/{visit_uuid}/review"
    for step in ({"action": "start"}, {"action": "return", "comment": "计时", "item_comments": {"greet": "复核"}}):
        answer = client.post(f"{url}/review", json=step, headers=manager)
        assert answer.status_code == 200, answer.get_json()
        conforms(api, "POST", review, answer)
    photo = visit.get_json()["photos"][0]
    correction = {"answers": {**body["answers"], "greet": 2}, "notes": {},
                  "keep_photos": [{"item": photo["item"], "name": photo["name"]}]}
    for changed in (True, False):
        answer = client.put(url, json=correction, headers=inspector)
        assert (answer.status_code, answer.get_json()["changed"]) == (200, changed)
        conforms(api, "PUT", "/visits/{visit_uuid}", answer)
    for step in ("start", "release"):
        answer = client.post(f"{url}/review", json={"action": step}, headers=manager)
        assert answer.status_code == 200
        conforms(api, "POST", review, answer)
    conforms(api, "GET", "/visits/{visit_uuid}", client.get(url, headers=inspector))

    staff = client.get(f"{PREFIX}/staff/E1-S1/performance?{PERIOD}", headers=manager)
    assert staff.status_code == 200 and staff.get_json()["visits"] == 1
    conforms(api, "GET", "/staff/{code}/performance", staff)
    branch = client.get(f"{PREFIX}/branches/E1/performance?{PERIOD}", headers=manager)
    assert branch.status_code == 200 and branch.get_json()["visits"] == 1
    conforms(api, "GET", "/branches/{code}/performance", branch)


@pytest.mark.parametrize(("method", "path", "template", "role", "body", "status"), [
    ("GET", "/checklists", "/checklists", None, None, 401),
    ("GET", "/checklists/nope", "/checklists/{checklist_id}", "inspector", None, 404),
    ("GET", "/checklists/a%00b", "/checklists/{checklist_id}", "inspector", None, 400),
    ("POST", "/visits", "/visits", "inspector", {"surprise": 1}, 400),
    ("POST", "/visits", "/visits", "inspector", factories.api_visit(answers={"clean": "yes"}), 422),
    ("POST", "/visits", "/visits", "shopper", factories.api_visit(), 403),
    ("POST", "/visits", "/visits", "inspector", factories.api_visit(branch="ZZ"), 404),
    ("GET", "/staff/E1-S1/performance?from=2026-13-01", "/staff/{code}/performance", "manager", None, 400),
    ("GET", "/branches/W1/performance", "/branches/{code}/performance", "manager", None, 404),
])
def test_error_answers_conform(api, client, tokens, small, method, path, template, role, body, status):
    headers = bearer(tokens[role]) if role else {}
    response = client.open(PREFIX + path, method=method, json=body, headers=headers)
    assert response.status_code == status, response.get_json()
    conforms(api, method, template, response)
    if status == 422:
        assert {"item", "code", "message", "text"} <= set(response.get_json()["details"][0])


def test_too_large_and_out_of_turn_answers_conform(app, api, client, tokens, small):
    app.config["MAX_PHOTOS_PER_VISIT"] = 1
    photos = [(io.BytesIO(factories.jpeg_bytes(32, 32)), f"{i}.jpg") for i in range(2)]
    too_many = client.post(f"{PREFIX}/visits", data={"visit": json.dumps(factories.api_visit()),
                                                      "photo.overview": photos},
                           headers=bearer(tokens["inspector"]), content_type="multipart/form-data")
    assert too_many.status_code == 413
    conforms(api, "POST", "/visits", too_many)
    body = factories.api_visit()
    client.post(f"{PREFIX}/visits", json=body, headers=bearer(tokens["inspector"]))
    for status in (200, 409):  # the second start finds the visit in review already
        start = client.post(f"{PREFIX}/visits/{body['id']}/review", json={"action": "start"},
                            headers=bearer(tokens["manager"]))
        assert start.status_code == status
        conforms(api, "POST", "/visits/{visit_uuid}/review", start)
    app.config["MAX_JSON_BYTES"] = 64
    long = client.post(f"{PREFIX}/visits/{body['id']}/review", json={"action": "return", "comment": "x" * 100},
                       headers=bearer(tokens["manager"]))
    assert long.status_code == 413
    conforms(api, "POST", "/visits/{visit_uuid}/review", long)


# -- generated requests ---------------------------------------------------------------------------

@pytest.fixture
def world(client, tokens, small):
    """Seed a submitted visit (to review) and a returned one (to correct); return what requests aim at."""
    inspector, manager = bearer(tokens["inspector"]), bearer(tokens["manager"])
    submitted, returned = factories.api_visit(), factories.api_visit()
    for body in (submitted, returned):
        assert client.post(f"{PREFIX}/visits", json=body, headers=inspector).status_code == 201
    for step in ({"action": "start"}, {"action": "return", "comment": "请复核"}):
        assert client.post(f"{PREFIX}/visits/{returned['id']}/review", json=step, headers=manager).status_code == 200
    return {"visit_uuid": submitted["id"], "returned": returned["id"], "checklist_id": "small",
            "staff_code": "E1-S1", "branch_code": "E1"}


def aim(case, world: dict) -> None:
    """Point a generated request at seeded rows, so that it reaches past the 404s."""
    params = case.path_parameters or {}
    if "visit_uuid" in params:
        params["visit_uuid"] = world["returned"] if case.method == "PUT" else world["visit_uuid"]
    if "checklist_id" in params:
        params["checklist_id"] = world["checklist_id"]
    if "code" in params:
        params["code"] = world["staff_code" if case.path.startswith("/staff") else "branch_code"]
    if not isinstance(case.body, dict):
        return
    if case.operation.path == "/visits" and case.media_type == "application/json":
        case.body.update(checklist="small", branch="E1")  # other fields as generated: mostly 422
    elif case.media_type == "multipart/form-data":
        visit = factories.api_visit()
        content = visit if case.method == "POST" else {"answers": visit["answers"], "notes": visit["notes"]}
        case.body["visit"] = json.dumps(content)


def strategy(operation):
    modes = [GenerationMode.POSITIVE]
    if operation.path_parameters or operation.query or operation.body:
        modes.append(GenerationMode.NEGATIVE)
    return st.one_of(*(operation.as_strategy(generation_mode=mode) for mode in modes))


@pytest.mark.parametrize("role", ["inspector", "manager"])
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_schemathesis_finds_no_server_error_and_no_answer_outside_the_document(
        app, api, world, tokens, role, method, path):
    operation = api[path][method]
    # Schemathesis' WSGI transport keeps a gzip body as it came; an HTTP client would have unpacked it.
    headers = {**bearer(tokens[role]), "Accept-Encoding": "identity"}

    @FUZZ_SETTINGS
    @given(case=strategy(operation), aimed=st.booleans())
    def run(case, aimed):
        if aimed:
            aim(case, world)
        response = case.call(app=app, headers=headers)
        case.validate_response(response, checks=CHECKS)

    run()
