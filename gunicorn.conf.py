"""gunicorn settings for `make serve`: the same app as `make run`, in several worker processes.

INSPECTION_BIND (default 127.0.0.1:8000) and INSPECTION_WORKERS (default 2 x cores + 1, at most 8) choose
where and how many; anything else can be given in GUNICORN_CMD_ARGS. Logs are JSON lines on stderr, one per
request with its id (the app writes them, so gunicorn's own access log is off); INSPECTION_LOG_FORMAT=plain
gives Flask's plain lines instead.
"""

import gc
import os
import shutil
import tempfile

from prometheus_client import multiprocess

bind = os.environ.get("INSPECTION_BIND", "127.0.0.1:8000")
# Sync workers: each request holds its worker; photo uploads and PDFs are CPU and disk bound, not idle waits.
# A reverse proxy that buffers slow clients (nginx) belongs in front of them.
workers = int(os.environ.get("INSPECTION_WORKERS") or min(2 * (os.cpu_count() or 1) + 1, 8))
# A scorecard PDF or a 100 MB photo upload may take a while; a worker silent for longer is stuck.
timeout = 60
graceful_timeout = 30
keepalive = 5
# Workers are replaced now and then, so that a slow leak never grows for long; jitter keeps them apart.
max_requests = 2000
max_requests_jitter = 200
# No preloading: each worker builds the app after the fork, so that no database connection, Redis socket or
# metric file is shared between processes; workers can then be restarted one by one (HUP) with new code.
preload_app = False
# gunicorn 27's control socket sits at one path per user ($HOME/.gunicorn): a second server would take it over.
# Signals (HUP to reload, TERM to stop) do the same work.
control_socket_disable = True

os.environ.setdefault("INSPECTION_LOG_FORMAT", "json")
accesslog = None
errorlog = "-"
if os.environ["INSPECTION_LOG_FORMAT"] == "json":
    # gunicorn's own records (start, worker exits, timeouts) in the same JSON lines as the app's.
    logconfig_dict = {
        "root": {"level": "INFO", "handlers": ["json"]},
        "loggers": {"gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
                    # The app writes the access line, with the request id and its duration.
                    "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False}},
        "handlers": {"json": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "formatters": {"json": {"()": "inspection.web.observability.JsonFormatter"}},
    }

# Each worker writes its metrics to files in this folder and /metrics adds them up (prometheus_client's
# multiprocess mode). A folder of our own unless one is given; emptied at start, so old workers count no more.
_own_metrics_dir = "PROMETHEUS_MULTIPROC_DIR" not in os.environ
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="inspection-metrics-"))


def on_starting(server):
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder, exist_ok=True)


def post_worker_init(worker):
    """Freeze what building the app allocated, so that the collector's full passes no longer walk it."""
    # Some 340,000 objects live from the start (modules, catalogs, mappers); walking them made one request in
    # five 100-150 ms slower on the 1M-visit leaderboard (bench/dashboard.py). Frozen: p95 within 15 ms of p50.
    gc.collect()  # what building the app left as garbage is freed, not frozen
    gc.freeze()


def child_exit(server, worker):
    """Drop a dead worker's live series (gauges); its counters stay in the totals."""
    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _own_metrics_dir:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
