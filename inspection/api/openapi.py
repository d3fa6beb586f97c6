"""The OpenAPI 3.1 document of API v1, served at /api/v1/openapi.json.

Kept true by `tests/test_openapi.py`: every route of the `api` blueprint is here and nothing else is, real
answers are checked against these schemas, and schemathesis sends generated requests to every operation.
"""

from __future__ import annotations

from .openapi_schemas import ref, schemas

ERRORS = {
    "400": ("BadRequest", "malformed: not JSON, a field missing or of the wrong type, a date that is not a date, "
                          "or a path part, query field or text holding a NUL character (on every operation)"),
    "401": ("Unauthorized", "nobody signed in, and no valid bearer token"),
    "403": ("Forbidden", "signed in, but this step is not yours to take"),
    "404": ("NotFound", "no such thing, or not in the caller's scope (which is not told apart)"),
    "409": ("Conflict", "the state does not allow this, or the id already holds other content"),
    "413": ("TooLarge", "too many photos, too many pixels, or a body too large"),
    "422": ("Invalid", "read but not acceptable: every problem is listed in details"),
}
DESCRIPTION = (
    "Service-quality inspection: checklists, branches, visit submission, review, correction, performance and "
    "calibration. "
    "Errors are `{\"error\", \"text\", \"details\"}`: `error` in English, `text` in the caller's language; each "
    "detail names the `item` (or `field`), a stable `code`, an English `message` and a translated `text`."
)


def document() -> dict:
    """Return the OpenAPI 3.1 document of API v1."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Service inspection API", "version": "1", "description": DESCRIPTION},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerToken": []}, {"browserSession": []}],
        "paths": paths(),
        "components": {
            "schemas": schemas(),
            "responses": {name: _error_response(text) for name, text in ERRORS.values()},
            "securitySchemes": {
                "bearerToken": {"type": "http", "scheme": "bearer",
                                "description": "`flask --app app token create EMAIL` prints one"},
                "browserSession": {"type": "apiKey", "in": "cookie", "name": "session",
                                   "description": "a signed-in browser; requests other than GET also send the "
                                                  "X-CSRFToken header"},
            },
        },
    }


def paths() -> dict:
    return {
        "/openapi.json": {"get": _openapi_operation()},
        "/checklists": {"get": _operation("checklists", "The checklists the caller may fill in",
                                          {"200": _json("the checklists", _list("ChecklistEntry"))}, [])},
        "/checklists/{checklist_id}": {"get": _operation(
            "checklist", "One checklist, parsed, with its version",
            {"200": _json("the checklist", ref("ChecklistAnswer"))}, ["404"], [_path("checklist_id")])},
        "/branches": {"get": _operation("branches", "The branches in the caller's scope, with their active staff",
                                        {"200": _json("the branches", _list("Branch"))}, [])},
        "/visits": {"post": _create_visit()},
        "/visits/{visit_uuid}": {"get": _get_visit(), "put": _correct_visit()},
        "/visits/{visit_uuid}/review": {"post": _review_visit()},
        "/staff/{code}/performance": {"get": _performance("staff_performance", "A staff member", "StaffPerformance")},
        "/branches/{code}/performance": {"get": _performance("branch_performance", "A branch", "BranchPerformance")},
        "/assignments": {"post": _create_assignment(), "get": _list_assignments()},
        "/coverage": {"get": _coverage()},
        "/calibrations/{calibration_id}": {"get": _operation(
            "calibration", "A calibration exercise: agreement per item, kappas, ICC and each evaluator's deviation "
            "(managers; its evaluators once it is closed)", {"200": _json("the exercise", ref("Calibration"))},
            ["403", "404"], [_path("calibration_id")])},
    }


def _create_assignment() -> dict:
    return _operation(
        "create_assignment", "Give a visit to an inspector or shopper: branch, checklist and time window",
        {"201": _json("made; the assignee is notified", ref("Assignment"))}, ["403", "413", "422"],
        body={"required": True, "content": {"application/json": {"schema": ref("AssignmentPayload")}}})


def _list_assignments() -> dict:
    status = {"name": "status", "in": "query", "required": False, "schema": {
        "type": "string", "enum": ["assigned", "missed", "done", "declined", "cancelled", "open"]},
        "description": "open: assigned, whether its window is over or not"}
    page = {"name": "page", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1},
            "description": "200 a page; a Link header names the next one"}
    return _operation("list_assignments", "The caller's own assignments, or those of a manager's branches",
                      {"200": _json("soonest window first", _list("Assignment"))}, [],
                      [status, *_period("windows starting on or after this day", "on or before this day"), page])


def _coverage() -> dict:
    region = {"name": "region", "in": "query", "required": False, "schema": {"type": "string"}}
    return _operation("coverage", "Planned, done, late, missed and open visits per branch (managers)",
                      {"200": _json("one row per branch with work planned", ref("Coverage"))}, ["403"],
                      [*_period("first day; default: the first of the month", "last day; default: the month's last"),
                       region])


def _period(first: str, last: str) -> list[dict]:
    return [{"name": name, "in": "query", "required": False, "description": f"{description} (YYYY-MM-DD)",
             "schema": {"type": "string", "format": "date"}} for name, description in (("from", first), ("to", last))]


def _operation(operation_id: str, summary: str, answers: dict, errors: list[str], parameters=(), body=None,
               secured: bool = True) -> dict:
    operation = {"operationId": operation_id, "summary": summary, "responses": {**answers}}
    if parameters:
        operation["parameters"] = list(parameters)
    if body is not None:
        operation["requestBody"] = body
    for status in ["400", *(["401"] if secured else []), *errors]:
        operation["responses"][status] = {"$ref": f"#/components/responses/{ERRORS[status][0]}"}
    return operation


def _openapi_operation() -> dict:
    operation = _operation("openapi", "This document; readable without signing in", {"200": _json(
        "the OpenAPI document", {"type": "object", "required": ["openapi", "info", "paths"]})}, [], secured=False)
    operation["security"] = []
    return operation


def _create_visit() -> dict:
    return _operation(
        "create_visit", "Submit a visit (JSON, or multipart with photos)",
        {"201": _json("stored", ref("VisitSummary")),
         "200": _json("an identical retry: the stored visit", ref("VisitSummary"))},
        ["403", "404", "409", "413", "422"], body=_visit_body("VisitPayload", "VisitMultipart"))


def _get_visit() -> dict:
    return _operation("get_visit", "A visit: answers, notes, photo links and the full result",
                      {"200": _json("the visit", ref("Visit"))}, ["404"], [_path("visit_uuid", "uuid")])


def _correct_visit() -> dict:
    return _operation(
        "correct_visit", "Correct a returned visit as its next version (JSON, or multipart with new photos)",
        {"200": _json("stored as the next version, or this very correction was already stored (changed: false)",
                      ref("CorrectionAnswer"))},
        ["403", "404", "409", "413", "422"], [_path("visit_uuid", "uuid")],
        _visit_body("CorrectionPayload", "CorrectionMultipart"))


def _review_visit() -> dict:
    body = {"type": "object", "required": ["action"], "properties": {
        "action": {"type": "string", "enum": ["start", "release", "return"]},
        "comment": {"type": ["string", "null"], "description": "returning needs a comment or item comments"},
        "item_comments": {"type": ["object", "null"], "additionalProperties": {"type": "string"},
                          "description": "item id to comment"}}}
    return _operation(
        "review_visit", "Take a review step: start, release or return",
        {"200": _json("the step taken", ref("ReviewAnswer"))}, ["403", "404", "409", "413", "422"],
        [_path("visit_uuid", "uuid")], {"required": True, "content": {"application/json": {"schema": body}}})


def _performance(operation_id: str, whose: str, schema: str) -> dict:
    period = [{"name": name, "in": "query", "required": False, "description": description,
               "schema": {"type": "string", "format": "date"}}
              for name, description in (("from", "first day (YYYY-MM-DD); default: 90 days before `to`"),
                                        ("to", "last day (YYYY-MM-DD); default: today"))]
    return _operation(operation_id, f"{whose}'s released visits over a period",
                      {"200": _json("the figures", ref(schema))}, ["404"], [_path("code"), *period])


def _visit_body(payload: str, parts: str) -> dict:
    return {"required": True, "content": {
        "application/json": {"schema": ref(payload)},
        "multipart/form-data": {"schema": ref(parts), "encoding": {"visit": {"contentType": "application/json"}}},
    }}


def _path(name: str, format_: str | None = None) -> dict:
    schema = {"type": "string", **({"format": format_} if format_ else {})}
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _json(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _list(name: str) -> dict:
    return {"type": "array", "items": ref(name)}


def _error_response(description: str) -> dict:
    return _json(description, ref("Error"))
