"""Turn problems and HTTP errors into answers: JSON under /api/ and /offline/, a page elsewhere."""

from __future__ import annotations

from flask import Flask, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..checklists import AnswerError
from ..labels import problem_text, problem_title
from ..problems import Invalid, Problem, TooManyRequests


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(Problem, problem_response)
    app.register_error_handler(AnswerError, lambda error: problem_response(Invalid(str(error), error.problems)))
    app.register_error_handler(HTTPException, http_response)


def details(problems: list) -> list[dict]:
    """Describe each problem: its item or field, a stable code and message, and a text in the user's language."""
    described = []
    for problem in problems:
        if isinstance(problem, dict):
            described.append({**problem, "text": problem.get("text") or problem_text(problem.get("code", ""),
                                                                                     problem.get("message", ""))})
        else:
            described.append({"item": problem.item, "code": problem.code, "message": problem.message,
                              "text": problem_text(problem.code, problem.message)})
    return described


def wants_json() -> bool:
    # The field app's own calls (/offline/...) are read by scripts, like the API.
    return request.path.startswith(("/api/", "/offline/"))


def problem_response(problem: Problem):
    if wants_json():
        body = {"error": str(problem), "text": problem_title(problem.status), "details": details(problem.details)}
        response = jsonify(body)
    else:
        response = _page(problem.status, str(problem), details(problem.details))
    response.status_code = problem.status
    if isinstance(problem, TooManyRequests):
        response.headers["Retry-After"] = str(problem.retry_after)
    return response


def http_response(error: HTTPException):
    if error.code is None or error.code < 400:
        return error  # redirects, such as a missing trailing slash
    if wants_json():
        body = {"error": error.description or error.name, "text": problem_title(error.code), "details": []}
        if isinstance(error, CSRFError):
            body["code"] = "csrf"  # the outbox fetches a fresh token and sends again
        response = make_response(jsonify(body), error.code)
    else:
        # Werkzeug's stock sentences are English; a page says only its translated title then.
        stock = error.description == type(error).description
        response = _page(error.code, "" if stock else error.description or "", [])
    response.headers.extend(header for header in error.get_headers() if header[0] != "Content-Type")
    limit = getattr(error, "limit", None)  # Flask-Limiter's refusal: come back when its window has passed
    if error.code == 429 and limit is not None:
        response.headers["Retry-After"] = str(limit.limit.get_expiry())
    return response


def _page(status: int, message: str, problems: list[dict]):
    page = render_template("error.html", status=status, title=problem_title(status), message=message,
                           problems=problems)
    return make_response(page, status)
