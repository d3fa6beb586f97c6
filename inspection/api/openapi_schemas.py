"""The JSON Schemas of API v1 (OpenAPI 3.1 components): request bodies from their pydantic models, answers by hand.

Answers are described as `inspection.api` and `inspection.visits.serializers` build them; `tests/test_openapi.py`
checks real answers against these schemas, so a field added or renamed in the code fails until it is written here.
"""

from __future__ import annotations

from pydantic import BaseModel

from ..checklists.model import Checklist
from ..integrity.signals import WEIGHTS
from ..lifecycle import VisitStatus
from .assignments import AssignmentPayload
from .payload import CorrectionPayload, VisitPayload

REF = "#/components/schemas/{model}"
TEXT = {"type": "string"}
NUMBER_OR_NULL = {"type": ["number", "null"]}
STATUS = {"type": "string", "enum": [status.value for status in VisitStatus]}
DATE_TIME = {"type": "string", "format": "date-time"}


def ref(name: str) -> dict:
    return {"$ref": REF.format(model=name)}


def closed(properties: dict, required: list[str] | None = None, **more) -> dict:
    """An object with exactly these properties (all required unless told), and nothing else."""
    return {"type": "object", "properties": properties, "required": list(properties) if required is None else required,
            "additionalProperties": False, **more}


def mapping(values: dict) -> dict:
    """An object whose keys are ids (items, staff, dimensions) and whose values all have one schema."""
    return {"type": "object", "additionalProperties": values}


def from_models(*models: type[BaseModel], mode: str = "validation") -> dict:
    """Return each model's JSON Schema and the schemas it refers to, keyed by model name."""
    found: dict[str, dict] = {}
    for model in models:
        schema = model.model_json_schema(by_alias=True, mode=mode, ref_template=REF)
        found.update(schema.pop("$defs", {}))
        found[model.__name__] = schema
    return found


def error_schemas() -> dict:
    detail = closed({"item": {**TEXT, "description": "the checklist item at fault, or started_at / finished_at"},
                     "field": {**TEXT, "description": "the field of the request at fault (dotted path)"},
                     "code": {**TEXT, "description": "a stable name for the kind of problem, e.g. required"},
                     "message": {**TEXT, "description": "in English"},
                     "text": {**TEXT, "description": "in the caller's language"}},
                    required=["code", "message", "text"], anyOf=[{"required": ["item"]}, {"required": ["field"]}])
    error = closed({"error": {**TEXT, "description": "what went wrong, in English"},
                    "code": {**TEXT, "description": "a stable name for the kind of error, e.g. not_found"},
                    "title": {**TEXT, "description": "the kind of error, in the caller's language"},
                    "text": {**TEXT, "description": "what went wrong, in the caller's language"},
                    "details": {"type": "array", "items": ref("ErrorDetail")}})
    return {"Error": error, "ErrorDetail": detail}


def result_schema() -> dict:
    """A visit's result, as `Result.to_dict` writes it."""
    tally = closed({"score": NUMBER_OR_NULL, "earned": {"type": "number"}, "possible": {"type": "number"}})
    dimension = closed({"score": NUMBER_OR_NULL, "expectation": NUMBER_OR_NULL, "perception": NUMBER_OR_NULL,
                        "gap": NUMBER_OR_NULL})
    item = closed({"section": TEXT, "status": {"type": "string", "enum": ["scored", "unscored", "excluded"]},
                   "earned": {"type": "number"}, "possible": {"type": "number"}})
    section = closed({"id": TEXT, **tally["properties"]})
    return closed({
        "checklist": TEXT, "version": TEXT, "score": NUMBER_OR_NULL, "passed": {"type": ["boolean", "null"]},
        "rating": {"type": ["string", "null"]}, "critical_failures": {"type": "array", "items": TEXT},
        "sections": {"type": "array", "items": section}, "dimensions": mapping(dimension),
        "servqual_gap": NUMBER_OR_NULL, "staff": mapping(tally), "items": mapping(item),
    })


def visit_schemas() -> dict:
    summary_properties = {
        "id": {"type": "string", "format": "uuid"}, "score": NUMBER_OR_NULL, "passed": {"type": ["boolean", "null"]},
        "rating": {"type": ["string", "null"]}, "url": {**TEXT, "description": "the visit's page"},
    }
    photo = closed({"item": TEXT, "name": {**TEXT, "description": "the stored name, as keep_photos names it"},
                    "url": TEXT, "thumbnail": TEXT, "width": {"type": "integer"}, "height": {"type": "integer"},
                    "sha256": TEXT, "taken_at": {"type": ["string", "null"], "format": "date-time"}})
    shown_to_all = {
        **summary_properties, "checklist": TEXT, "version": {"type": "integer", "minimum": 1},
        "checklist_version": {**TEXT, "description": "SHA-256 of the checklist version the visit was scored with"},
        "branch": TEXT, "status": STATUS, "started_at": DATE_TIME, "finished_at": DATE_TIME,
        "answers": {"type": "object", "description": "item id to answer"}, "notes": mapping(TEXT),
        "photos": {"type": "array", "items": photo}, "result": ref("Result"),
    }
    signal = closed({"code": {"type": "string", "enum": list(WEIGHTS)},
                     "weight": {"type": "number", "description": "the share of trust it takes away"},
                     "params": {"type": "object", "description": "what the reason says: visit, photos, minutes..."}})
    visit = closed({
        **shown_to_all,
        "trust": {**NUMBER_OR_NULL, "description": "0-100, to reviewers only; null until assessed"},
        "integrity": {"type": ["array", "null"], "items": signal,
                      "description": "to reviewers only: the evidence integrity signals behind the trust"},
    }, required=list(shown_to_all))
    state = {**summary_properties, "status": STATUS, "version": {"type": "integer", "minimum": 1}}
    event = closed({"action": {"type": "string", "enum": ["start", "release", "return"]}, "from": STATUS,
                    "to": STATUS})
    return {
        "VisitSummary": closed(summary_properties), "Visit": visit, "Result": result_schema(),
        "ReviewAnswer": closed({**state, "event": event}),
        "CorrectionAnswer": closed({**state, "changed": {"type": "boolean",
                                                         "description": "false when this correction was stored"}}),
    }


def catalog_schemas() -> dict:
    listed = closed({"id": TEXT, "title": TEXT, "kind": {"type": "string",
                                                        "enum": ["inspection", "mystery_shop", "survey", "call_qc"]},
                     "version": TEXT, "items": {"type": "integer", "minimum": 1}})
    staff = closed({"code": TEXT, "name": TEXT, "position": TEXT})
    branch = closed({"code": TEXT, "name": TEXT, "region": TEXT, "address": TEXT,
                     "staff": {"type": "array", "items": staff, "description": "active staff"}})
    return {
        "ChecklistEntry": listed,
        "ChecklistAnswer": closed({"version": {**TEXT, "description": "SHA-256 of the canonical checklist"},
                                   "checklist": ref("Checklist")}),
        "Branch": branch,
    }


def performance_schemas() -> dict:
    weakest = closed({"checklist": TEXT, "text": TEXT, "times": {"type": "integer"}, "earned": {"type": "number"},
                      "possible": {"type": "number"}, "score": NUMBER_OR_NULL})
    interval = closed({"low": NUMBER_OR_NULL, "high": NUMBER_OR_NULL,
                       "confidence": {"type": "number", "const": 0.9}},
                      description="Student-t interval of the mean, cut to the 0–100 a score can take; low and high "
                                  "are null below two visits, or when every visit scored the same")
    count = {"type": "integer", "minimum": 0, "description": "visits the mean and its interval rest on"}
    trend = closed({"month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}, "visits": {"type": "integer"},
                    "score": NUMBER_OR_NULL, "interval": ref("Interval")})
    period = {"from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"}}
    common = {"visits": {"type": "integer"}, "score": {**NUMBER_OR_NULL, "description": "100 × earned / possible"},
              "count": count, "ranked": {"type": "boolean"}, "trend": {"type": "array", "items": trend},
              "weakest_items": {"type": "array", "items": weakest}}
    staff = closed({"staff": TEXT, **period, **common, "earned": {"type": "number"}, "possible": {"type": "number"},
                    "interval": {**ref("Interval"), "description": "of score"},
                    "minimum_sample": {"type": "integer"}, "dimensions": mapping(NUMBER_OR_NULL)})
    ranking = closed({"code": TEXT, "visits": {"type": "integer"}, "score": NUMBER_OR_NULL, "count": count,
                      "interval": {**ref("Interval"), "description": "of score"}, "ranked": {"type": "boolean"},
                      "shrunk": {**NUMBER_OR_NULL, "description": "the score pulled toward the branch's by empirical "
                                                                  "Bayes, which orders the ranked; null if unranked"}})
    failure = closed({"checklist": TEXT, "text": TEXT, "times": {"type": "integer"}})
    branch = closed({"branch": TEXT, **period, **common, "mean_visit_score": NUMBER_OR_NULL,
                     "interval": {**ref("Interval"), "description": "of mean_visit_score"},
                     "staff": {"type": "array", "items": ranking,
                               "description": "ranked staff by shrunk score, then the unranked"},
                     "critical_failures": {"type": "array", "items": failure}})
    return {"StaffPerformance": staff, "BranchPerformance": branch, "Interval": interval}


def plan_schemas() -> dict:
    count = {"type": "integer", "minimum": 0}
    states = ["assigned", "missed", "done", "declined", "cancelled"]
    assignment = closed({
        "id": {"type": "integer"}, "status": {"type": "string", "enum": states,
                                              "description": "missed: assigned, and the window is over"},
        "late": {"type": ["boolean", "null"], "description": "done outside its window (the visit's own times)"},
        "branch": TEXT, "branch_name": TEXT, "checklist": TEXT, "kind": TEXT,
        "assignee": {**TEXT, "description": "e-mail address"}, "window_start": DATE_TIME, "window_end": DATE_TIME,
        "scenario": TEXT, "brief": TEXT, "plan": {"type": ["integer", "null"]}})
    row = closed({"branch": TEXT, "name": TEXT, "region": TEXT, "planned": count, "done": count, "late": count,
                  "missed": count, "open": count})
    coverage = closed({"from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"},
                       "branches": {"type": "array", "items": ref("CoverageRow")}})
    return {"Assignment": assignment, "CoverageRow": row, "Coverage": coverage}


def calibration_schemas() -> dict:
    statistic = {"type": ["number", "null"]}
    item = closed({"item": TEXT, "kind": {"type": "string", "enum": ["categorical", "numeric"]},
                   "answers": {"type": "integer", "minimum": 0},
                   "agreement": {**statistic, "description": "share of the answers that equal the most frequent one"},
                   "consensus": {"type": ["string", "number", "boolean", "null"],
                                 "description": "the modal answer (categorical) or the median number; null: a tie"}})
    evaluator = closed({
        "number": {"type": "integer", "minimum": 1},
        "name": {"type": ["string", "null"], "description": "null: the caller may not know who"},
        "score": statistic, "deviation": {**statistic, "description": "score minus the median score"},
        "disagreements": {"type": "integer", "minimum": 0, "description": "items answered against the consensus"},
        "kappa": {**statistic, "description": "Cohen's kappa against the consensus of the other evaluators"},
        "flagged": {"type": "boolean", "description": "kappa below kappa_threshold"}})
    exercise = closed({
        "id": {"type": "integer"}, "title": TEXT, "target": TEXT, "status": {"type": "string",
                                                                          "enum": ["open", "closed"]},
        "checklist": TEXT, "checklist_version": TEXT, "branch": TEXT, "created_at": DATE_TIME,
        "closed_at": {"type": ["string", "null"], "format": "date-time"},
        "evaluators_chosen": {"type": "integer"}, "submitted": {"type": "integer"},
        "kappa_threshold": {"type": "number"},
        "fleiss_kappa": {**statistic, "description": "over the categorical items every evaluator answered"},
        "cohen_kappa": {**statistic, "description": "with exactly two evaluators"},
        "icc": {**statistic, "description": "ICC(2,1) of the items' earned / possible points"},
        "median_score": statistic, "items": {"type": "array", "items": item},
        "evaluators": {"type": "array", "items": evaluator}})
    return {"Calibration": exercise}


def multipart(payload: str, description: str) -> dict:
    """A multipart body: the JSON document in a `visit` part, photos in `photo.<item id>` parts."""
    return {
        "type": "object", "required": ["visit"], "description": description,
        "properties": {"visit": {"type": "string", "contentMediaType": "application/json",
                                 "contentSchema": ref(payload)}},
        "patternProperties": {r"^photo\.": {"type": "string", "format": "binary",
                                            "description": "a JPEG, PNG, WebP or HEIC photo of the item after "
                                                           "'photo.'; the part may be repeated"}},
    }


def schemas() -> dict:
    """Return every component schema of the document."""
    return {
        **from_models(VisitPayload, CorrectionPayload, AssignmentPayload),
        **from_models(Checklist, mode="serialization"), **plan_schemas(),
        **error_schemas(), **visit_schemas(), **catalog_schemas(), **performance_schemas(), **calibration_schemas(),
        "VisitMultipart": multipart("VisitPayload", "a visit with its photos"),
        "CorrectionMultipart": multipart("CorrectionPayload", "a correction with the photos it adds"),
    }
