"""Security headers on every response, and a session cookie that is Secure whenever the request was HTTPS."""

from __future__ import annotations

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user

# No inline script anywhere (JSON data blocks are not run); styles inline in charts are allowed.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data: blob:",
    "font-src 'self'", "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'",
    "frame-ancestors 'none'",
])


class SessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure when configured so, and always when the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def register_security_headers(app: Flask) -> None:
    app.session_interface = SessionInterface()
    app.after_request(add_security_headers)


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")  # for browsers that ignore frame-ancestors
    # Pages for a signed-in user hold private data: no cache keeps them, unless the view chose (photos, PDFs).
    if request.endpoint != "static" and "Cache-Control" not in headers and current_user.is_authenticated:
        headers["Cache-Control"] = "no-store"
    return response
