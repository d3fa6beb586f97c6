"""Typed problems that services raise and the web layer turns into HTTP answers.

Pure Python: the domain says what went wrong (not found, forbidden, conflict, invalid), the web
layer decides how to show it (a JSON body for the API, a page or a flash message for browsers).
"""

from __future__ import annotations


class Problem(Exception):
    """Something the caller asked for that cannot be done; `details` names each field or item at fault.

    `message` is an English template and a key of the translation catalogue; `params` fill it in English
    here and in the reader's language when the web layer shows it, so that one raise says both.
    """

    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: list | None = None, **params):
        self.template, self.params = message, params
        self.message = message % params if params else message
        super().__init__(self.message)
        self.details = list(details or [])

    @classmethod
    def about(cls, field: str, code: str, message: str, /, **params) -> Problem:
        """Return a problem with one field at fault, whose detail says the same message under a stable code."""
        # Positional-only, so that a message may fill in a %(field)s of its own (check_length's does).
        problem = cls(message, **params)
        problem.details.append({"field": field, "code": code, "message": problem.message})
        return problem


class BadRequest(Problem):
    """A request that is malformed: a missing field, an unknown action, a date that is not a date."""


class Unauthorized(Problem):
    """Nobody is signed in, and the request carries no valid token."""

    status, code = 401, "unauthorized"


class Forbidden(Problem):
    status, code = 403, "forbidden"


class NotFound(Problem):
    status, code = 404, "not_found"


class Conflict(Problem):
    """The resource is not in a state that allows this, or someone changed it meanwhile."""

    status, code = 409, "conflict"


class TooLarge(Problem):
    status, code = 413, "too_large"


class TooManyRequests(Problem):
    """Too many attempts, or too much work at once: try again after `retry_after` seconds."""

    status, code = 429, "too_many_requests"

    def __init__(self, message: str, retry_after: int = 60, **params):
        super().__init__(message, **params)
        self.retry_after = retry_after


class Unavailable(Problem):
    """A service the request needs (the media storage) did not answer: nothing was kept, send it again later."""

    status, code = 503, "unavailable"

    def __init__(self, message: str, retry_after: int = 30, **params):
        super().__init__(message, **params)
        self.retry_after = retry_after


class Invalid(Problem):
    """Content that was read but cannot be accepted; `details` lists every problem at once."""

    status, code = 422, "invalid"
