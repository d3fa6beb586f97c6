"""Configuration layers: defaults, then instance/config.py, then INSPECTION_* variables."""

from __future__ import annotations

import json
import os
from pathlib import Path

from flask import Flask

PROJECT_DIR = Path(__file__).resolve().parent.parent
ENV_PREFIX = "INSPECTION_"
INSECURE_DEV_KEY = "dev-only-insecure-key"
LOG_FORMATS = ("plain", "json")


# Customer surveys: public links, their abuse limits and follow-up cases.
SURVEY_DEFAULTS = {
    # Where customers reach the public survey pages (scheme and host, e.g. https://survey.example.com):
    # printed under a poster's QR code. Empty: the address the poster was asked for at, which behind a
    # proxy or on an intranet may not be one a customer's phone can reach.
    "PUBLIC_URL": "",
    # Customer survey answers: refused (429) beyond these, per client address (a hall's guest Wi-Fi or a
    # carrier's NAT puts many customers behind one) and per link; an answer sent sooner than MIN_SECONDS
    # after its page was served is refused as a script's.
    "SURVEY_RATE_PER_ADDRESS": "20 per hour",
    "SURVEY_RATE_PER_LINK": "300 per hour",
    "SURVEY_MIN_SECONDS": 8,
    # A response scoring below this (0-100), or with a comment and consent, opens a follow-up case due in DAYS.
    "SURVEY_FOLLOW_UP_BELOW": 60,
    "SURVEY_FOLLOW_UP_DAYS": 3,
    # At most this many follow-up cases a link opens in a day, so that a script cannot bury a branch in them.
    "SURVEY_FOLLOW_UPS_PER_LINK_DAY": 20,
}
# Evidence integrity (inspection.integrity): what counts as a photo far from the branch, a camera time outside
# the visit (minutes of tolerance either side), a near copy (bits of the perceptual hash that may differ) and a
# visit far shorter than expected (a share of the expected duration). Signals only: nothing is refused.
INTEGRITY_DEFAULTS = {
    "INTEGRITY_MAX_DISTANCE_M": 500,
    "INTEGRITY_TIME_SLACK_MINUTES": 30,
    "INTEGRITY_PHASH_DISTANCE": 6,
    "INTEGRITY_SHORT_RATIO": 0.33,
}
# Notification e-mail: off while SMTP_HOST is empty. Links in mails start with BASE_URL.
MAIL_DEFAULTS = {
    "SMTP_HOST": "", "SMTP_PORT": 25, "SMTP_USER": "", "SMTP_PASSWORD": "", "SMTP_FROM": "inspection@localhost",
    "SMTP_STARTTLS": False, "SMTP_SSL": False, "SMTP_TIMEOUT": 10, "MAIL_MAX_ATTEMPTS": 5, "MAIL_RETRY_MINUTES": 5,
    "BASE_URL": "http://127.0.0.1:5000",
}
# Where photos, thumbnails and cached scorecard PDFs are kept (inspection.media): "local", the folder MEDIA_DIR
# (a default below, under the instance folder), or "s3", an S3-compatible bucket. Credentials for S3 come from
# boto3's usual chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, an instance role), never from here.
MEDIA_DEFAULTS = {
    "MEDIA_STORAGE": "local",
    "S3_BUCKET": "",
    # Empty: AWS itself. Else the address of an S3-compatible server (MinIO, Ceph), reached with path-style URLs.
    "S3_ENDPOINT_URL": "",
    # Empty: boto3's own choice (AWS_DEFAULT_REGION, the profile's region, else us-east-1).
    "S3_REGION": "",
}
FAIRNESS_DEFAULTS = {
    # An evaluator whose kappa against the other evaluators' consensus is below this is flagged.
    "CALIBRATION_KAPPA": 0.6,
    # The branch side appeals a released visit until the end of the local day this many days after release.
    "APPEAL_DAYS": 7,
}
# Background jobs (inspection.jobs): on RQ when REDIS_URL is set (or QUEUE says "rq"), else on a few threads of
# the process that asked ("inline"), so that a development server needs nothing more.
JOBS_DEFAULTS = {
    "JOBS_QUEUE": "",  # "rq" or "inline"; empty: "rq" when REDIS_URL is set, else "inline"
    "JOBS_QUEUE_NAME": "inspection",  # the RQ queue: installations (or test runs) sharing a Redis each use their own
    "JOBS_THREADS": 2,  # threads running jobs in each process, inline only
    "JOBS_MAX_ATTEMPTS": 3,  # a job that fails this many times is failed, with its last error, for admins to see
    "JOBS_RETRY_SECONDS": [10, 60],  # the pause before the second, third... attempt (the last repeats)
    "JOBS_TIMEOUT": 1800,  # seconds one attempt may take before RQ stops it
    "JOBS_KEEP_HOURS": 24,  # a finished job's file is kept this long; asking again after that makes a new one
    "JOBS_BULK_BATCH": 10,  # scorecards per part of a bulk job: parts are what several workers share
    "JOBS_BULK_MAX": 1000,  # most scorecards one bulk job makes
    "EXPORT_JOB_ROWS": 20000,  # an export of more rows than this is made by a job, then downloaded
    "PLAN_JOB_VISITS": 2000,  # a plan of more visits than this is created by a job, with its progress shown
}
SERVING_DEFAULTS = {
    # The session cookie is Secure whenever a request arrives over HTTPS; true makes it Secure always
    # (behind a proxy that ends TLS and does not say so).
    "SESSION_COOKIE_SECURE": False,
    # How many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host. 0 trusts none; behind
    # one nginx, 1: else every customer shares the proxy's address and its rate limits.
    "PROXY_HOPS": 0,
    # "json": one JSON object a line with the request id (what `make serve` uses); "plain": Flask's own lines.
    "LOG_FORMAT": "plain",
    # The bearer token a Prometheus scraper sends to /metrics; empty: /metrics answers 404.
    "METRICS_TOKEN": "",
}


def defaults(instance_path: str) -> dict:
    """Return the built-in defaults; paths are under the instance folder."""
    instance = Path(instance_path)
    return {
        "SECRET_KEY": None,
        "DATABASE_URL": f"sqlite:///{instance / 'inspection.sqlite3'}",
        "MEDIA_DIR": str(instance / "media"),
        "CHECKLIST_DIR": str(PROJECT_DIR / "checklists"),
        "MAX_PHOTO_BYTES": 25 * 1024 * 1024,
        "MAX_PHOTO_PIXELS": 50_000_000,
        "MAX_PHOTOS_PER_VISIT": 60,
        "MIN_STAFF_SAMPLE": 3,
        "TIMEZONE": "Asia/Shanghai",
        "ACTION_DUE_DAYS": 7,
        # A whole request (photos included); a JSON document alone; one free text (note, comment, text answer).
        "MAX_CONTENT_LENGTH": 100 * 1024 * 1024,
        "MAX_JSON_BYTES": 2 * 1024 * 1024,
        "MAX_TEXT_CHARS": 4000,
        # Pixels of all the photos of one request together, read from their headers before any is decoded.
        "MAX_REQUEST_PIXELS": 400_000_000,
        "PASSWORD_HASH_PROFILE": "RFC_9106_LOW_MEMORY",
        "PASSWORD_HASH_SLOTS": 2,
        "SESSION_DAYS": 30,
        # Counted on failed sign-ins only, per e-mail address tried and per client address.
        "LOGIN_LIMIT_PER_ACCOUNT": "10 per 15 minutes",
        "LOGIN_LIMIT_PER_ADDRESS": "30 per 15 minutes",
        "REDIS_URL": "",
        "PASSWORD_HASH_WAIT": 10,
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "LANGUAGES": ["zh_CN", "en"],
        "ENV_NAME": "production",
        "SESSION_COOKIE_SAMESITE": "Lax",
        **MEDIA_DEFAULTS,
        **MAIL_DEFAULTS,
        **SURVEY_DEFAULTS,
        **INTEGRITY_DEFAULTS,
        **FAIRNESS_DEFAULTS,
        **SERVING_DEFAULTS,
        **JOBS_DEFAULTS,
    }


def load(app: Flask, overrides: dict | None) -> None:
    """Apply every layer to app.config and check what production needs."""
    base = defaults(app.instance_path)
    app.config.from_mapping(base)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(from_environment(os.environ, base))
    app.config.update(overrides or {})
    if not app.config["SECRET_KEY"]:
        if app.config["ENV_NAME"] == "production":
            raise RuntimeError(
                "INSPECTION_SECRET_KEY is not set: production needs a secret key "
                "(set INSPECTION_ENV_NAME=development to run with a throwaway one)"
            )
        app.config["SECRET_KEY"] = INSECURE_DEV_KEY
    if app.config["LOG_FORMAT"] not in LOG_FORMATS:
        raise RuntimeError(f"INSPECTION_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}")
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_url(app.config["DATABASE_URL"])
    app.config["JOBS_QUEUE"] = jobs_queue(app.config["JOBS_QUEUE"], app.config["REDIS_URL"])
    # Rate limits are kept in Redis when there is one (shared by every worker), else in this process.
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    # No X-RateLimit headers on every answer; a refusal says when to come back (web/errors.py).
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    # Files sent as streams (static scripts, photos, PDFs) go as they are: Flask-Compress would leave them open.
    app.config.setdefault("COMPRESS_STREAMS", False)


def jobs_queue(chosen: str, redis_url: str) -> str:
    """Return where jobs run: "rq" (on Redis) or "inline" (threads of the process); unset, RQ when Redis is there."""
    if chosen not in ("", "rq", "inline"):
        raise RuntimeError("INSPECTION_JOBS_QUEUE must be rq or inline")
    if chosen == "rq" and not redis_url:
        raise RuntimeError("INSPECTION_JOBS_QUEUE=rq needs INSPECTION_REDIS_URL")
    return chosen or ("rq" if redis_url else "inline")


def from_environment(environ: dict, base: dict) -> dict:
    """Read INSPECTION_* variables; settings whose default is not text are read as JSON."""
    values = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or name.startswith(ENV_PREFIX + "TEST_"):
            continue
        key = name[len(ENV_PREFIX):]
        default = base.get(key)
        if isinstance(default, (bool, int, float, list)):
            try:
                raw = json.loads(raw)
            except ValueError:
                raise RuntimeError(f"{name} must be JSON like its default {default!r}") from None
            # true is not 1, and 1 is not true: a setting keeps the type of its default.
            if isinstance(default, bool) != isinstance(raw, bool) or not isinstance(raw, type(default)):
                raise RuntimeError(f"{name} must be JSON like its default {default!r}, not {raw!r}")
        values[key] = raw
    return values


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given without a driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
