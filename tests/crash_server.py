"""Test-only server for tests/test_crash.py: the app on a loopback port, optionally paused mid-submission.

Run as `python -m tests.crash_server PORT_FILE`. The app reads its settings from INSPECTION_* variables.
With CRASH_PAUSE_AT set, the first POST /api/v1/visits that stores a visit stops at that instant, creates
the file named by CRASH_MARKER and sleeps, so that the test can kill the process exactly there:

- before_commit: the submission's transaction is about to commit (its photo files should be on disk);
- after_commit: the database has just committed, nothing after it has run yet;
- before_response: the request is done, its response not yet sent.

None of this is part of the application: it lives in tests/ and only this script installs it.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from inspection import create_app
from inspection.visits.models import Visit

PAUSE_POINTS = ("before_commit", "after_commit", "before_response")
PAUSE_SECONDS = 60  # far longer than the test waits; bounded so that a stray server ends on its own


def pause(marker: Path) -> None:
    """Tell the test we are at the instant, then wait to be killed."""
    marker.write_text(str(os.getpid()), encoding="utf-8")
    time.sleep(PAUSE_SECONDS)


def _submitting(session: Session) -> bool:
    """Tell the submission's own transaction from the catalog's and from savepoints."""
    if not has_request_context() or (request.method, request.path) != ("POST", "/api/v1/visits"):
        return False
    if session.in_nested_transaction():  # savepoints fire the commit events too
        return False
    return any(isinstance(obj, Visit) for obj in session.identity_map.values())


def install_pause(app: Flask, point: str, marker: Path) -> None:
    """Make the first submission stop at `point` (one of PAUSE_POINTS)."""
    if point not in PAUSE_POINTS:
        raise SystemExit(f"CRASH_PAUSE_AT must be one of {', '.join(PAUSE_POINTS)}")

    @event.listens_for(Session, "before_commit")
    def before_commit(session):
        if _submitting(session):
            session.info["crash_submitting"] = True
            if point == "before_commit":
                pause(marker)

    @event.listens_for(Session, "after_commit")
    def after_commit(session):
        if point == "after_commit" and session.info.pop("crash_submitting", False):
            pause(marker)

    @app.after_request
    def before_response(response):
        if point == "before_response" and (request.method, request.path) == ("POST", "/api/v1/visits"):
            pause(marker)
        return response


def main(port_file: Path) -> None:
    """Serve the app on 127.0.0.1 and publish the chosen port in `port_file`."""
    app = create_app()
    if os.environ.get("CRASH_PAUSE_AT"):
        install_pause(app, os.environ["CRASH_PAUSE_AT"], Path(os.environ["CRASH_MARKER"]))
    server = make_server("127.0.0.1", 0, app)
    # Write then rename, so that the test never reads half a number.
    partial = port_file.with_suffix(".tmp")
    partial.write_text(str(server.server_port), encoding="utf-8")
    partial.replace(port_file)
    server.serve_forever()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
