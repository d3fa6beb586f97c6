"""Turn problems and HTTP errors into answers: JSON under /api/ and /offline/, a page elsewhere."""

from __future__ import annotations

from flask import Flask, current_app, jsonify, make_response, render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..checklists import AnswerError
from ..labels import HTTP_TEXTS, PROBLEM_TEXTS, problem_text, problem_title
from ..media.store import MediaError
from ..problems import Invalid, Problem, TooManyRequests, Unavailable


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(Problem, problem_response)
    app.register_error_handler(AnswerError, lambda error: problem_response(
        Invalid("some answers cannot be scored", error.problems)))
    app.register_error_handler(HTTPException, http_response)
    app.register_error_handler(MediaError, storage_response)


def storage_response(error: MediaError):
    """Answer 503 when the media storage failed; a write's transaction was rolled back, so it may be sent again."""
    current_app.logger.error("media storage failed: %s", error)
    return problem_response(Unavailable("the photo storage is not reachable just now; try again in a moment"))


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


def problem_message(problem: Problem) -> str:
    """Return what went wrong in the user's language: the message's translation, or its one detail's text."""
    if len(problem.details) == 1 and isinstance(problem.details[0], dict):
        detail = problem.details[0]
        if detail.get("message") == problem.message and detail.get("code") in PROBLEM_TEXTS:
            return details(problem.details)[0]["text"]
    return sentence(translated(problem))


def said(error) -> str:
    """Return an error raised with an English template as a sentence in the user's language."""
    return sentence(translated(error))


def translated(error) -> str:
    """Return an error raised with an English template (a Problem, a PhotoError) in the user's language."""
    params = {name: translated(value) if hasattr(value, "template") else value
              for name, value in error.params.items()}
    return gettext(error.template, **params)


def sentence(text: str) -> str:
    """Start a message with a capital letter: messages are written as fragments, shown as sentences."""
    return text[:1].upper() + text[1:]


def wants_json() -> bool:
    # The field app's own calls (/offline/...) are read by scripts, like the API.
    return request.path.startswith(("/api/", "/offline/"))


def problem_response(problem: Problem):
    if wants_json():
        response = jsonify({"error": str(problem), "code": problem.code, "title": problem_title(problem.status),
                            "text": problem_message(problem), "details": details(problem.details)})
    else:
        response = _page(problem.status, problem_message(problem), details(problem.details))
    response.status_code = problem.status
    if isinstance(problem, TooManyRequests | Unavailable):
        response.headers["Retry-After"] = str(problem.retry_after)
    return response


def http_response(error: HTTPException):
    if error.code is None or error.code < 400:
        return error  # redirects, such as a missing trailing slash
    if wants_json():
        title = problem_title(error.code)
        body = {"error": error.description or error.name, "code": _http_code(error), "title": title, "text": title,
                "details": []}
        response = make_response(jsonify(body), error.code)
    else:
        response = _page(error.code, _http_text(error), [])
    response.headers.extend(header for header in error.get_headers() if header[0] != "Content-Type")
    limit = getattr(error, "limit", None)  # Flask-Limiter's refusal: come back when its window has passed
    if error.code == 429 and limit is not None:
        response.headers["Retry-After"] = str(limit.limit.get_expiry())
    return response


def _http_code(error: HTTPException) -> str:
    # The outbox fetches a fresh token and sends again on "csrf".
    return "csrf" if isinstance(error, CSRFError) else error.name.lower().replace(" ", "_")


def _http_text(error: HTTPException) -> str:
    """Return what a refused request means to a user; Werkzeug's and Flask-WTF's sentences are English only."""
    if isinstance(error, CSRFError):
        return str(_l("The form had expired. Go back, reload the page and send it again."))
    return str(HTTP_TEXTS.get(error.code, ""))


def _page(status: int, message: str, problems: list[dict]):
    page = render_template("error.html", status=status, title=problem_title(status), message=message,
                           problems=problems)
    return make_response(page, status)
