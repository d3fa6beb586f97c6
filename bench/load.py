"""Load on loopback: 50 concurrent submitters with retries, conflicts and races under gunicorn (4 workers).

Runs on SQLite and on PostgreSQL, then checks the database directly: no server errors, no lost or
duplicated visit, one trail event per accepted step. The baseline, measured in the same run against
the same server, is ONE submitter sending plain submissions one after another: the concurrent rate of
POST /api/v1/visits is printed as a ratio to its rate, and the concurrent p50 latency to its p50.

    .venv/bin/python bench/load.py [--backend sqlite|postgresql|both] [--submitters 50]
                                   [--visits-per-submitter 4] [--workers 4]
"""

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from load_checks import verify
from load_client import Budget, Client
from load_scenario import Tracker, Traffic, baseline, drafts, run_traffic, warm_up
from load_server import database, gunicorn, seed

BASELINE_VISITS = 20
REQUESTS_PER_VISIT = 15  # the most one visit can take: twin submit, conflict, three races, a raced correction
TIMED_KINDS = ("submit", "retry", "twin", "conflict", "race", "correct", "correct-conflict")
POSTS = ("submit", "retry", "twin", "conflict")


def run(backend: str, submitters: int = 50, visits: int = 4, workers: int = 4, folder: Path | None = None,
        max_seconds: float = 300) -> dict:
    """Run the whole load against a fresh database and return its figures and what went wrong."""
    with tempfile.TemporaryDirectory(dir=folder) as scratch, database(backend, Path(scratch)) as url:
        media = Path(scratch) / "media"
        org = seed(url, media, submitters)
        tracker = Tracker()
        work = [(me, drafts(org, me, visits, f"d{index}")) for index, me in enumerate(org.inspectors)]
        yardstick = drafts(org, org.inspectors[0], BASELINE_VISITS, "baseline")
        with gunicorn(url, media, workers, Path(scratch) / "gunicorn.log") as server:
            budget = Budget(REQUESTS_PER_VISIT * (submitters * visits + BASELINE_VISITS) + 6 * workers, max_seconds)
            traffic = Traffic(Client(server.port, tracker.log), budget, org, tracker)
            warm_up(traffic, workers)
            baseline_seconds = baseline(traffic, yardstick)
            submitting, total = run_traffic(traffic, work, reviewers=max(2, submitters // 5))
        log = server.log_text()  # complete now that gunicorn has stopped
        verdict = verify(url, media, tracker)
    figures = _figures(tracker, baseline_seconds, submitting, total)
    return {"backend": backend, "submitters": submitters, "visits": visits, "workers": workers, **figures,
            "budget hit": budget.exhausted, "lost": verdict.lost, "duplicates": verdict.duplicates,
            "visits in database": verdict.visits, "problems": tracker.violations + verdict.problems,
            "server log": [line for line in log.splitlines() if _alarming(line)], "log": log}


def _alarming(line: str) -> bool:
    return any(word in line for word in ("Traceback", "[ERROR]", "[CRITICAL]", "Exception on"))


def _figures(tracker: Tracker, baseline_seconds: float, submitting: float, total: float) -> dict:
    records = [record for record in tracker.records if record.kind != "warm-up"]
    timed = sorted(record.seconds for record in records if record.kind in TIMED_KINDS and record.status)
    base = sorted(record.seconds for record in records if record.kind == "baseline" and record.status)
    posts = sum(record.kind in POSTS for record in records)
    concurrent = [record for record in records if record.kind in TIMED_KINDS]
    return {
        "requests": len(records), "accepted": len(tracker.visits), **tracker.counts,
        "server errors": sum((record.status or 0) >= 500 for record in records),
        "request errors": [str(record) for record in records if record.status is None],
        "p50 ms": 1000 * _quantile(timed, 0.5), "p95 ms": 1000 * _quantile(timed, 0.95),
        "throughput req/s": len(concurrent) / total, "visit posts/s": posts / submitting,
        "baseline visit posts/s": len(base) / baseline_seconds, "baseline p50 ms": 1000 * _quantile(base, 0.5),
    }


def _quantile(values: list[float], share: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def _ratio(value: float, base: float) -> float:
    return value / base if base else float("nan")  # no baseline when the caps stopped it


def report(summary: dict) -> None:
    """Print the figures, then every problem with the requests that showed it."""
    s = summary
    print(f"{s['backend']}: {s['submitters']} submitters x {s['visits']} visits, {s['workers']} gunicorn workers")
    print(f"  requests {s['requests']}, accepted visits {s['accepted']} (in database {s['visits in database']}), "
          f"retries answered 200: {s['retries answered 200']}, conflicts answered 409: {s['conflicts answered 409']}")
    print(f"  races: {s['race wins']} won, {s['race losses']} lost; corrections applied {s['corrections applied']}, "
          f"identical copies answered 200 unchanged {s['correction copies answered 200 unchanged']}, "
          f"409 {s['correction copies answered 409']}")
    print(f"  latency p50 {s['p50 ms']:.1f} ms, p95 {s['p95 ms']:.1f} ms; throughput {s['throughput req/s']:.1f} req/s")
    print(f"  POST /visits concurrent {s['visit posts/s']:8.2f}/s   "
          f"{_ratio(s['visit posts/s'], s['baseline visit posts/s']):6.2f}x one sequential submitter "
          f"({s['baseline visit posts/s']:.2f}/s)")
    print(f"  p50 latency concurrent {s['p50 ms']:9.1f} ms  {_ratio(s['p50 ms'], s['baseline p50 ms']):6.2f}x "
          f"one sequential submitter ({s['baseline p50 ms']:.1f} ms)")
    print(f"  server errors {s['server errors']}, request errors {len(s['request errors'])}, lost {len(s['lost'])}, "
          f"duplicates {len(s['duplicates'])}, problems {len(s['problems'])}, budget hit {s['budget hit']}")
    lines = [*s["request errors"], *(f"lost: {key}" for key in s["lost"]),
             *(f"duplicate: {key}" for key in s["duplicates"]), *s["problems"], *s["server log"]]
    for line in lines[:40]:
        print(f"  ! {line}")


def main(argv: list[str] | None = None) -> int:
    """Run the chosen backends and print their figures; return 1 if any broke an invariant or hit a cap."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--submitters", type=int, default=50)
    parser.add_argument("--visits-per-submitter", type=int, default=4)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--max-seconds", type=float, default=300, help="wall-clock cap of the traffic")
    options = parser.parse_args(argv)
    failed = False
    for backend in ("sqlite", "postgresql") if options.backend == "both" else (options.backend,):
        summary = run(backend, options.submitters, options.visits_per_submitter, options.workers,
                      max_seconds=options.max_seconds)
        report(summary)
        failed |= bool(summary["server errors"] or summary["request errors"] or summary["lost"]
                       or summary["duplicates"] or summary["problems"] or summary["server log"]
                       or summary["budget hit"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
