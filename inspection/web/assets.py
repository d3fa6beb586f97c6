"""Fingerprinted static files: addresses carry a hash of the content, so browsers may keep them for a year."""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, Response, current_app, request

# Scripts keep plain addresses: they are ES modules that import each other by plain path ("./app.js"), and one
# module under two addresses would run twice. The service worker keeps them for the offline app instead.
FINGERPRINTED = (".css", ".png", ".ico", ".svg", ".webp", ".woff2")
YEAR_SECONDS = 365 * 24 * 3600
IMMUTABLE = f"public, max-age={YEAR_SECONDS}, immutable"


def register_static_fingerprints(app: Flask) -> None:
    app.url_defaults(add_fingerprint)
    app.after_request(cache_fingerprinted)


def fingerprint(filename: str) -> str | None:
    """Return a short hash of a static file's content, or None if it is not a file to fingerprint."""
    if not filename.endswith(FINGERPRINTED):
        return None
    # The static view has already refused a name outside the folder before cache_fingerprinted asks.
    path = Path(current_app.static_folder, filename)
    try:
        stat = path.stat()
    except (OSError, ValueError):
        return None
    # Keyed by time and size too, so that a file edited while `make run` serves gets a new address.
    key = (filename, stat.st_mtime_ns, stat.st_size)
    cache = current_app.extensions.setdefault("inspection_fingerprints", {})
    if key not in cache:
        cache[key] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return cache[key]


def add_fingerprint(endpoint: str, values: dict) -> None:
    """Give url_for('static', filename=...) a ?v= of the file's hash."""
    if endpoint == "static" and "v" not in values:
        version = fingerprint(values.get("filename", ""))
        if version:
            values["v"] = version


def cache_fingerprinted(response: Response) -> Response:
    """Let browsers and proxies keep a static answer for a year when its address names this very content."""
    if request.endpoint == "static" and response.status_code == 200 and request.args.get("v"):
        if request.args["v"] == fingerprint(request.view_args.get("filename", "")):
            response.headers["Cache-Control"] = IMMUTABLE
    return response
