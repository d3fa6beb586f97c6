"""Request ids, JSON logs and Prometheus metrics of every request."""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid
from datetime import datetime, timezone

from flask import Flask, Response, current_app, g, has_request_context, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

REQUEST_ID_HEADER = "X-Request-ID"
# A proxy's id is kept only if it is short and cannot forge a log line or a header.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# Fields a request's log line carries besides the message; passed as `extra` by log_request.
REQUEST_FIELDS = ("method", "path", "status", "duration_ms")
# Libraries whose INFO records are progress reports, not events (WeasyPrint logs every CSS it parses).
QUIET_LOGGERS = ("weasyprint", "fontTools")
UNMATCHED = "<unmatched>"  # the endpoint label of a 404: raw paths would make a series per scanner's guess
SCRAPED = "inspection.scraped_metrics"  # in app.extensions: collectors read when /metrics is asked

# Module level: prometheus_client keeps one series per process (or per worker file in multiprocess mode).
REQUESTS = Counter("inspection_http_requests_total", "HTTP requests answered",
                   ("method", "endpoint", "status"))
LATENCY = Histogram("inspection_http_request_duration_seconds", "Time from a request's start to its answer",
                    ("method", "endpoint"))
access_log = logging.getLogger("inspection.access")


def request_id(header: str | None) -> str:
    """Return the caller's request id when it is safe to repeat, else a new one."""
    if header and SAFE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    """Write each record as one JSON object on one line, with the request id of the request it belongs to."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
                 "level": record.levelname, "logger": record.name, "message": record.getMessage(),
                 "request_id": g.get("request_id") if has_request_context() else None}
        entry.update({name: getattr(record, name) for name in REQUEST_FIELDS if hasattr(record, name)})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def register_observability(app: Flask) -> None:
    """Give every request an id and a measured time; log and count it; switch to JSON logs if configured."""
    if app.config["LOG_FORMAT"] == "json":
        use_json_logs(app)
    app.before_request(start_request)
    app.after_request(finish_request)


def use_json_logs(app: Flask) -> None:
    """Send every logger through one JSON handler on stderr, unless one is there already (gunicorn's config)."""
    from flask.logging import default_handler

    app.logger.removeHandler(default_handler)
    root = logging.getLogger()
    if not any(isinstance(handler.formatter, JsonFormatter) for handler in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def start_request() -> None:
    g.request_id = request_id(request.headers.get(REQUEST_ID_HEADER))
    g.request_started = time.perf_counter()


def finish_request(response: Response) -> Response:
    """Name the request in its answer, count it and, with JSON logs, write its access line."""
    response.headers[REQUEST_ID_HEADER] = g.get("request_id") or request_id(None)
    started = g.get("request_started")
    if started is None:  # a hook before ours refused the request
        return response
    seconds = time.perf_counter() - started
    endpoint = request.url_rule.rule if request.url_rule else UNMATCHED
    REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
    LATENCY.labels(request.method, endpoint).observe(seconds)
    access_log.info("%s %s %s", request.method, request.path, response.status_code,
                    extra={"method": request.method, "path": request.path, "status": response.status_code,
                           "duration_ms": round(seconds * 1000, 1)})
    return response


def read_at_scrape(app: Flask, collector) -> None:
    """Have /metrics ask this collector at every scrape (figures kept elsewhere: the database, Redis)."""
    app.extensions.setdefault(SCRAPED, []).append(collector)


def metrics_text() -> tuple[bytes, str]:
    """Return every series in Prometheus' text format: all workers' when gunicorn runs several, then those
    read at the scrape, which are the same whichever worker answers."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    scraped = CollectorRegistry(auto_describe=False)
    for collector in current_app.extensions.get(SCRAPED, ()):
        scraped.register(collector)
    return generate_latest(registry) + generate_latest(scraped), CONTENT_TYPE_LATEST
