"""Scale on loopback: two gunicorn instances (as if on two machines) on one PostgreSQL, one Redis and one media store.

50 submitters, split over both instances, start 21 visits a second between them (--rate), each with two
browser-sized photos (about 1600 px, 300-600 KB, see scale_photos.py), until the time or the visit count is up.
Each instance runs 2 sync workers: with 2 cores for both, 4 processes kept the CPU busy through fsync and
database waits at the least CPU per visit (3 or 4 each, or 2 threads a worker, measured no better). Some answers
are "lost" and the visit is sent again to the other instance; some visits are sent to both at the same instant;
some accepted ids are sent again with other content (409). Afterwards the database and the media store are held
against what the clients were told (bench/load_checks.py): every acknowledged visit stored once with its photo
files, no server error. Prints visits per second (overall and the slowest 10 s), client and server latencies and
the CPU each part used per visit, and exits 1 if a correctness check failed (with --require-target, also if the
target was missed).

    .venv/bin/python bench/scale.py [--submitters 50] [--rate 21] [--seconds 60] [--visits 5000] [--workers 2]
                                    [--threads 1] [--media s3|local] [--require-target]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from load_checks import verify
from load_client import Budget, Client
from load_scenario import Tracker, Traffic, warm_up
from load_server import POSTGRES_URL, PROJECT_DIR, Org, database, seed, serve
from scale_photos import scenes
from scale_traffic import submitter

sys.path.insert(0, str(PROJECT_DIR))  # moto's server is started as the tests start it
from tests import s3_server  # noqa: E402

INSTANCES = 2
BRANCHES = 100  # a bank's branches in two regions: near copies are looked for among a branch's photos
TARGET_VISITS_PER_SECOND, TARGET_P95_SECONDS = 20, 1.0
# Offered a little above the target: at exactly 20 a second, the run's own start and jitter would put the
# rate a hair under 20 however fast the servers were; above it, a rate of 20 must be sustained, not offered.
OFFERED_VISITS_PER_SECOND = 21
REDIS_URL = os.environ.get("INSPECTION_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
POSTS = ("submit", "retry", "twin", "conflict")


@contextmanager
def media_settings(kind: str, scratch: Path):
    """Yield where both instances keep photos: a bucket in moto's S3 server (stopped by its pid), or one folder."""
    if kind == "local":  # one folder both see, as a shared volume would be
        yield {"MEDIA_DIR": str(scratch / "media")}
        return
    for name, value in s3_server.CREDENTIALS.items():  # moto's dummy credentials, for this run and its servers
        os.environ.setdefault(name, value)
    with s3_server.running(scratch / "moto.log") as url:
        yield {"MEDIA_STORAGE": "s3", "S3_ENDPOINT_URL": url, "S3_REGION": s3_server.REGION,
               "S3_BUCKET": s3_server.new_bucket(url)}


def instance_settings(url: str, media: dict, prefix: str) -> dict:
    """Return one instance's settings: the shared database and media, rate limits counted in Redis."""
    # Named after the run in pg_stat_activity, so that the CPU of its PostgreSQL backends can be told apart.
    return {"DATABASE_URL": f"{url}&application_name={prefix}", **media,
            "SECRET_KEY": "scale-bench", "ENV_NAME": "bench", "PASSWORD_HASH_PROFILE": "CHEAPEST",
            "REDIS_URL": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix}


def run(submitters: int = 50, seconds: float = 60, visits: int = 5000, workers: int = 2, threads: int = 1,
        rate: float = OFFERED_VISITS_PER_SECOND, folder: Path | None = None, storage: str = "s3") -> dict:
    """Seed a private PostgreSQL schema, serve it twice, send the traffic and check the outcome; return figures."""
    prefix, load_before = f"scale-{uuid.uuid4().hex[:10]}", os.getloadavg()[0]
    shared = scenes()  # encoded once, before anything is timed
    with ExitStack() as run_stack:
        scratch = Path(run_stack.enter_context(tempfile.TemporaryDirectory(dir=folder)))
        url = run_stack.enter_context(database("postgresql", scratch))
        media = run_stack.enter_context(media_settings(storage, scratch))
        org = seed(url, media, submitters, BRANCHES)
        tracker = Tracker()
        options = ("-c", "gunicorn.conf.py", "--threads", str(threads))
        with ExitStack() as stack:
            servers = [stack.enter_context(serve(instance_settings(url, media, prefix), workers,
                                                 scratch / f"gunicorn-{number}.log", options, probe="/readyz"))
                       for number in range(INSTANCES)]
            clients = [Client(server.port, tracker.log) for server in servers]
            for client in clients:  # every worker has loaded the catalog before anything is timed
                warm_up(Traffic(client, Budget(float("inf"), 600), org, tracker), workers * threads)
            quota, before = Budget(visits, seconds), _cpu(servers, prefix)
            period = submitters / rate if rate else 0.0
            elapsed, accepted_at = _traffic(clients, org, tracker, quota, shared, submitters, period)
            cpu = {name: after - before[name] for name, after in _cpu(servers, prefix).items()}
        logs = [server.log_text() for server in servers]  # complete once gunicorn has stopped
        verdict = verify(url, media, tracker)
    _forget_limits(prefix)
    return {"storage": storage, "submitters": submitters, "workers": workers, "threads": threads, "rate": rate,
            "seconds": elapsed,
            "cpu": cpu, "load before": load_before, **_figures(tracker, elapsed, accepted_at), **_server_side(logs),
            "lost": verdict.lost, "duplicates": verdict.duplicates, "visits in database": verdict.visits,
            "problems": tracker.violations + verdict.problems,
            "server log": [line for log in logs for line in log.splitlines() if _alarming(line)]}


def _traffic(clients: list[Client], org: Org, tracker: Tracker, quota: Budget, shared, submitters: int,
             period: float):
    """Run every submitter to the end of the quota; return the seconds taken and when each visit was accepted."""
    accepted_at: list[float] = []
    started = time.perf_counter()
    threads = [threading.Thread(target=submitter, daemon=True,
                                args=(clients, org, tracker, quota, shared, index, me, period, accepted_at))
               for index, me in enumerate(org.inspectors[:submitters])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=quota.remaining() + 180)
    hung = sum(thread.is_alive() for thread in threads)
    tracker.expect(not hung, f"{hung} submitters still running after the caps", [])
    return time.perf_counter() - started, [moment - started for moment in accepted_at]


def _cpu(servers, prefix: str) -> dict[str, float]:
    """Return CPU seconds used so far: by the whole machine, its idle time, this client, the gunicorn processes
    and the PostgreSQL backends serving them (on this machine; 0 when PostgreSQL runs elsewhere)."""
    tick = os.sysconf("SC_CLK_TCK")
    machine = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    workers = [server.pid for server in servers]
    workers += [int(pid) for server in servers
                for pid in Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()]
    engine = create_engine(POSTGRES_URL)
    try:
        with engine.connect() as connection:
            backends = list(connection.scalars(
                text("SELECT pid FROM pg_stat_activity WHERE application_name = :name"), {"name": prefix}))
    finally:
        engine.dispose()
    own = os.times()
    return {"machine": sum(machine) / tick, "idle": (machine[3] + machine[4]) / tick,
            "client": own.user + own.system, "gunicorn": _ticks(workers) / tick, "postgresql": _ticks(backends) / tick}


def _ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, PermissionError):
            continue  # a worker replaced in between, or PostgreSQL on another machine
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total


def _figures(tracker: Tracker, elapsed: float, accepted_at: list[float]) -> dict:
    posts = [record for record in tracker.records if record.kind in POSTS]
    timed = sorted(record.seconds for record in posts if record.status is not None)
    windows = [sum(start <= moment < start + 10 for moment in accepted_at) / 10
               for start in range(0, int(elapsed) - 9, 10)]
    return {
        "posts": len(posts), "accepted": len(tracker.visits), **tracker.counts,
        # From the first acceptance to the last: neither the start nor the tail of the run thins it out.
        "visits/s": (len(accepted_at) - 1) / (max(accepted_at) - min(accepted_at)) if len(accepted_at) > 1 else 0.0,
        "slowest 10 s visits/s": min(windows, default=float("nan")),
        "p50": _quantile(timed, 0.50), "p95": _quantile(timed, 0.95), "p99": _quantile(timed, 0.99),
        "server errors": sum((record.status or 0) >= 500 for record in tracker.records),
        "request errors": [str(record) for record in tracker.records if record.status is None],
    }


def _server_side(logs: list[str]) -> dict:
    """Return the servers' own p50/p95 of POST /api/v1/visits (their JSON access lines), queueing left out."""
    durations = []
    for log in logs:
        for line in log.splitlines():
            if '"POST"' in line and "/api/v1/visits" in line and "duration_ms" in line:
                entry = json.loads(line)
                if entry.get("path") == "/api/v1/visits":
                    durations.append(entry["duration_ms"] / 1000)
    durations.sort()
    return {"server p50": _quantile(durations, 0.5), "server p95": _quantile(durations, 0.95)}


def _quantile(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, int(share * len(values)))] if values else float("nan")


def _alarming(line: str) -> bool:
    return any(word in line for word in ("Traceback", "[ERROR]", "[CRITICAL]", '"level": "ERROR"',
                                         '"level": "CRITICAL"', "WORKER TIMEOUT"))


def _forget_limits(prefix: str) -> None:
    """Delete the run's rate-limit counters from the shared Redis."""
    import redis

    connection = redis.Redis.from_url(REDIS_URL)
    try:
        for key in connection.scan_iter(match=f"{prefix}*"):
            connection.delete(key)
    finally:
        connection.close()


def failed(summary: dict) -> bool:
    """Say whether a correctness check failed: a server or request error, a lost or doubled visit, a problem."""
    s = summary
    return bool(s["server errors"] or s["request errors"] or s["lost"] or s["duplicates"] or s["problems"]
                or s["server log"] or not s["accepted"])


def target_met(summary: dict) -> bool:
    return summary["visits/s"] >= TARGET_VISITS_PER_SECOND and summary["p95"] < TARGET_P95_SECONDS


def report(summary: dict) -> None:
    """Print the figures, then every problem found."""
    s, cpu = summary, summary["cpu"]
    cores = os.cpu_count()
    offered = f"{s['rate']:g} visits/s offered" if s["rate"] else "each sending as soon as answered"
    print(f"scale: {s['submitters']} submitters ({offered}), {INSTANCES} gunicorn instances x {s['workers']} workers"
          f" x {s['threads']} threads, photos in {s['storage']}, {cores} cores; "
          f"load average (1 min) before the run {s['load before']:.1f}")
    busy, ours = cpu["machine"] - cpu["idle"], cpu["gunicorn"] + cpu["client"] + cpu["postgresql"]
    print(f"  CPU during the traffic, in cores: machine {busy / s['seconds']:.2f} of {cores}; gunicorn "
          f"{cpu['gunicorn'] / s['seconds']:.2f}, its PostgreSQL backends {cpu['postgresql'] / s['seconds']:.2f}, "
          f"this client {cpu['client'] / s['seconds']:.2f}, everything else (other jobs, Redis, kernel) "
          f"{(busy - ours) / s['seconds']:.2f}")
    per_visit = {name: 1000 * cpu[name] / max(1, s["accepted"]) for name in ("gunicorn", "postgresql", "client")}
    print(f"  CPU per accepted visit: gunicorn {per_visit['gunicorn']:.0f} ms, PostgreSQL {per_visit['postgresql']:.0f}"
          f" ms, client {per_visit['client']:.0f} ms: {cores} idle cores would take about "
          f"{cores * 1000 / max(1, sum(per_visit.values())):.0f} visits/s")
    print(f"  {s['seconds']:.1f} s: {s['accepted']} visits accepted (in database {s['visits in database']}), "
          f"{s['posts']} posts; retries answered 200: {s['retries answered 200']}, "
          f"conflicts answered 409: {s['conflicts answered 409']}")
    print(f"  visits/s {s['visits/s']:.1f} (slowest 10 s: {s['slowest 10 s visits/s']:.1f}); "
          f"latency of a post p50 {1000 * s['p50']:.0f} ms, p95 {1000 * s['p95']:.0f} ms, p99 {1000 * s['p99']:.0f} ms"
          f" (in the server: p50 {1000 * s['server p50']:.0f} ms, p95 {1000 * s['server p95']:.0f} ms)")
    print(f"  server errors {s['server errors']}, request errors {len(s['request errors'])}, lost {len(s['lost'])}, "
          f"duplicates {len(s['duplicates'])}, problems {len(s['problems'])}")
    print(f"  target >= {TARGET_VISITS_PER_SECOND} visits/s with p95 < {TARGET_P95_SECONDS:g} s: "
          f"{'met' if target_met(s) else 'MISSED'}")
    lines = [*s["request errors"], *(f"lost: {key}" for key in s["lost"]),
             *(f"duplicate: {key}" for key in s["duplicates"]), *s["problems"], *s["server log"]]
    for line in lines[:40]:
        print(f"  ! {line[:400]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submitters", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60, help="no visit is started after this")
    parser.add_argument("--visits", type=int, default=5000, help="no more visits than this")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers of each instance")
    parser.add_argument("--threads", type=int, default=1, help="threads of each worker")
    parser.add_argument("--rate", type=float, default=OFFERED_VISITS_PER_SECOND,
                        help="visits per second the submitters start together; 0: each sends the next at once")
    parser.add_argument("--media", choices=("s3", "local"), default="s3",
                        help="photos in a bucket of moto's S3 server on loopback, or in one shared folder")
    parser.add_argument("--require-target", action="store_true", help="exit 1 as well when the target is missed")
    options = parser.parse_args(argv)
    summary = run(options.submitters, options.seconds, options.visits, options.workers, options.threads,
                  options.rate, storage=options.media)
    report(summary)
    return 1 if failed(summary) or (options.require_target and not target_met(summary)) else 0


if __name__ == "__main__":
    sys.exit(main())
