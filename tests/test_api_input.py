"""The API against hostile and refused input: a clear 400 or 422, no 500, and nothing written."""

from __future__ import annotations

import io
import json

import pytest

from inspection.visits.models import Visit

from . import factories
from .factories import bearer, count, media_files


@pytest.mark.parametrize(("path", "method", "body"), [
    ("/api/v1/visits", "post", "[" * 100_000),
    ("/api/v1/visits", "post", {**factories.api_visit(), "answers": {"greet": 10**400, "clean": True}}),
    ("/api/v1/visits", "post", {**factories.api_visit(), "started_at": "0001-01-01T00:00:00+14:00"}),
    ("/api/v1/visits", "post", {**factories.api_visit(), "finished_at": "9999-12-31T23:59:59-12:00"}),
])
def test_hostile_bodies_get_an_error_that_names_the_problem(client, tokens, small, path, method, body):
    data = body if isinstance(body, str) else json.dumps(body)
    response = getattr(client, method)(path, data=data, content_type="application/json",
                                       headers=bearer(tokens["inspector"]))
    assert response.status_code in (400, 422), response.get_data(as_text=True)[:300]
    assert response.get_json()["error"]
    assert count(Visit) == 0


def test_hostile_review_and_correction_bodies_are_refused(client, tokens, small, users):
    body = factories.api_visit()
    client.post("/api/v1/visits", json=body, headers=bearer(tokens["inspector"]))
    review_url, visit_url = f"/api/v1/visits/{body['id']}/review", f"/api/v1/visits/{body['id']}"
    manager = bearer(tokens["manager"])
    assert client.post(review_url, json={"action": "return", "comment": ["a"]}, headers=manager).status_code == 400
    assert client.post(review_url, data="{" * 100_000, content_type="application/json",
                       headers=manager).status_code == 400
    assert client.post(review_url, json={"action": "return", "comment": "计时"}, headers=manager).status_code == 200
    mine = bearer(tokens["inspector"])
    for correction in ({"answers": [], "notes": {}}, {"answers": {}, "keep_photos": ["x.jpg"]},
                       {"answers": {}, "keep_photos": [{"item": "overview", "name": "0" * 32 + ".jpg"}]},
                       {"answers": {"greet": float("1e300") * 10}}):
        response = client.put(visit_url, data=json.dumps(correction), content_type="application/json",
                              headers=mine)
        assert response.status_code in (400, 422), (correction, response.get_data(as_text=True)[:300])


def test_exports_refuse_an_unknown_status(client, users):
    factories.login(client, users["manager"])
    response = client.get("/exports/visits.csv?status=approved")
    # The refusal names the states there are, in the user's language.
    assert response.status_code == 400 and "submitted, in_review, returned, released" in response.get_data(as_text=True)


def test_refused_submissions_and_corrections_write_no_file(app, client, tokens, small):
    photo = (io.BytesIO(factories.jpeg_bytes(64, 64)), "x.jpg")
    missing_answer = factories.api_visit(answers={"clean": True})  # the critical greeting is missing
    response = client.post("/api/v1/visits", data={"visit": json.dumps(missing_answer), "photo.overview": photo},
                           headers=bearer(tokens["inspector"]), content_type="multipart/form-data")
    assert response.status_code == 422 and media_files(app) == []
    body = factories.api_visit()
    created = client.post("/api/v1/visits", data={"visit": json.dumps(body), "photo.overview": (
        io.BytesIO(factories.jpeg_bytes(64, 64)), "x.jpg")}, headers=bearer(tokens["inspector"]),
        content_type="multipart/form-data")
    assert created.status_code == 201
    before = sorted(media_files(app))
    not_returned = client.put(f"/api/v1/visits/{body['id']}", headers=bearer(tokens["inspector"]),
                              data={"visit": json.dumps({"answers": body["answers"]}),
                                    "photo.clean": (io.BytesIO(factories.jpeg_bytes(80, 80)), "y.jpg")},
                              content_type="multipart/form-data")
    assert not_returned.status_code == 409
    assert sorted(media_files(app)) == before  # only the created visit's photo and thumbnail
