"""Refuse, before any work, text no table or page can hold: NUL characters, lone surrogates, deep JSON."""

from __future__ import annotations

from typing import Any

from flask import request

from ..problems import BadRequest

MAX_JSON_DEPTH = 20


def text_problem(value: str) -> str | None:
    """Say what makes a text unstorable, or return None."""
    if "\x00" in value:
        return "contains a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone surrogate, which is not text"
    return None


def _refuse(where: str, key: str, problem: str):
    name = key if text_problem(key) is None else repr(key)[:40]
    raise BadRequest.about(name, "bad_text", "the %(where)s '%(name)s' %(problem)s", where=where, name=name,
                           problem=problem)


def check_request_text() -> None:
    """Refuse a request whose path, query or form fields hold unstorable text (PostgreSQL refuses NUL)."""
    sources = (("path part", (request.view_args or {}).items()), ("query field", request.args.items(multi=True)),
               ("form field", request.form.items(multi=True) if request.method != "GET" else ()))
    for where, items in sources:
        for key, value in items:
            problem = text_problem(str(key)) or (text_problem(value) if isinstance(value, str) else None)
            if problem:
                _refuse(where, str(key), problem)


def check_json(document: Any, depth: int = 0) -> None:
    """Refuse JSON nested deeper than any visit needs, or holding unstorable text in a key or value."""
    if depth > MAX_JSON_DEPTH:
        raise BadRequest("the JSON is nested deeper than %(depth)d levels", depth=MAX_JSON_DEPTH)
    if isinstance(document, str):
        problem = text_problem(document)
        if problem:
            _refuse("JSON text", document[:20], problem)
    elif isinstance(document, dict):
        for key, value in document.items():
            problem = text_problem(key)
            if problem:
                _refuse("JSON key", key, problem)
            check_json(value, depth + 1)
    elif isinstance(document, list):
        for value in document:
            check_json(value, depth + 1)
