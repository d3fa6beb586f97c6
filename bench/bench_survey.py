"""Load on one public survey link: 200 concurrent anonymous respondents on loopback, under gunicorn.

Each respondent comes from an address of its own (127.0.x.y, all loopback), opens the page, takes the minimum
fill time and sends the SERVQUAL survey; some are scripts (the hidden field filled in), some hurry (send at
once), some send twice from the same phone, and one address floods. The limiter counts in a Redis started for
the run (shared by the workers, stopped by its pid); without redis-server the app runs one worker, whose own
counts then hold. Afterwards the database is read: every accepted answer stored once, every refusal counted
under its reason, no limit exceeded, no address kept, no server error.

    .venv/bin/python bench/bench_survey.py [--backend sqlite|postgresql|both] [--respondents 200] [--workers 4]
"""

import argparse
import http.client
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from limits import parse
from sqlalchemy import select, text

from inspection import create_app
from inspection.checklists import load_file
from inspection.extensions import db
from inspection.surveys.models import SurveyRejection, SurveyResponse

from load_server import PROJECT_DIR, database, postgres_problem
from survey_load import gunicorn, redis, seed, settings

SURVEY = load_file(PROJECT_DIR / "checklists" / "servqual-survey.yaml")
OUTCOME, STAMP = re.compile(r'data-outcome="(\w+)"'), re.compile(r'name="stamp" value="([^"]+)"')
TIMEOUT = 60
# What a share of the respondents do besides answering once; the rest answer once, as people do.
KINDS, WEIGHTS = ("person", "script", "hurried", "twice"), (85, 5, 5, 5)


@dataclass
class Record:
    kind: str
    method: str
    address: str
    status: int | None = None
    outcome: str = ""  # accepted, repeat, honeypot, too_fast, bad_form, rate_limited, form, ...
    seconds: float = 0.0
    started: float = 0.0  # perf_counter when sent
    error: str = ""
    cookie: str = ""


def address(number: int) -> str:
    """Return respondent number's own loopback address (127.0.1.1 onwards; 127.0.0.1 is the server's)."""
    return f"127.0.{1 + number // 250}.{1 + number % 250}"


def call(port: int, kind: str, method: str, path: str, source: str, form: dict | None = None,
         cookie: str = "") -> Record:
    """Send one request from the source address and read its outcome from the page."""
    record = Record(kind, method, source)
    headers = {"Cookie": cookie} if cookie else {}
    body = None
    if form is not None:
        body, headers["Content-Type"] = urlencode(form).encode(), "application/x-www-form-urlencoded"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT, source_address=(source, 0))
    try:
        record.started = time.perf_counter()
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        page = response.read().decode("utf-8", "replace")
        record.seconds, record.status = time.perf_counter() - record.started, response.status
        found = OUTCOME.search(page)
        record.outcome = "rate_limited" if response.status == 429 else (found[1] if found else "?")
        record.cookie = (response.getheader("Set-Cookie") or "").split(";")[0]
        if method == "GET" and STAMP.search(page):
            record.outcome = "stamp:" + STAMP.search(page)[1]
    except (OSError, http.client.HTTPException) as error:
        record.error = f"{type(error).__name__}: {error}"
    finally:
        connection.close()
    return record


def answers(stamp: str, script: bool) -> dict:
    """Return the SERVQUAL survey answered as a phone sends it (a script fills the hidden field too)."""
    form = {"stamp": stamp, "website": "http://spam.example" if script else "", "a.overall-satisfaction": "8",
            "a.recommend": "true", "comment": "", "contact": ""}
    for _, item in SURVEY.items():
        if item.type == "servqual":
            form[f"a.{item.id}.e"], form[f"a.{item.id}.p"] = str(random.randint(5, 7)), str(random.randint(3, 7))
    return form


def respondent(port: int, path: str, kind: str, source: str, wait: float, gate: threading.Barrier) -> list[Record]:
    """Open the page with everyone else, take the fill time, send; send again with the cookie when twice."""
    gate.wait(timeout=TIMEOUT)
    page = call(port, kind, "GET", path, source)
    if not page.outcome.startswith("stamp:"):
        return [page]
    time.sleep(0 if kind == "hurried" else wait + random.uniform(0.2, 1.0))
    form = answers(page.outcome[len("stamp:"):], kind == "script")
    sent = [page, call(port, kind, "POST", path, source, form)]
    if kind == "twice" and sent[-1].cookie:
        sent.append(call(port, kind, "POST", path, source, form, sent[-1].cookie))
    return sent


def flooder(port: int, path: str, posts: int, wait: float, gate: threading.Barrier) -> list[Record]:
    """Send one page's answers again and again from one address, keeping no cookie, once the others have sent."""
    gate.wait(timeout=TIMEOUT)
    page = call(port, "flood", "GET", path, "127.0.0.2")
    time.sleep(wait + 2)
    form = answers(page.outcome.removeprefix("stamp:"), False)
    return [page] + [call(port, "flood", "POST", path, "127.0.0.2", form) for _ in range(posts)]


def traffic(port: int, path: str, respondents: int, flood: int, wait: float) -> tuple[list[Record], float]:
    """Run every respondent and the flooder at once; return their records and the seconds it took."""
    kinds = random.Random(15).choices(KINDS, WEIGHTS, k=respondents)
    gate = threading.Barrier(respondents + 1)
    results: list[list[Record]] = [[] for _ in range(respondents + 1)]

    def run(index: int) -> None:
        try:
            results[index] = (flooder(port, path, flood, wait, gate) if index == respondents else
                              respondent(port, path, kinds[index], address(index), wait, gate))
        except Exception as error:  # noqa: BLE001 - reported as this respondent's outcome
            results[index] = [Record("bug", "?", "?", error=repr(error))]

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(index,), daemon=True) for index in range(respondents + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=4 * TIMEOUT)
    return [record for result in results for record in result], time.perf_counter() - started


def stored(config: dict, token: str, addresses: set[str]) -> dict:
    """Read what the database holds after the run: responses, refusals by reason, any address kept."""
    app = create_app(config)
    with app.app_context():
        responses = len(db.session.scalars(select(SurveyResponse.id)).all())
        refusals = Counter({reason: count for reason, count in db.session.execute(
            select(SurveyRejection.reason, SurveyRejection.count))})
        rows = " ".join(repr(tuple(row)) for table in ("survey_responses", "survey_rejections", "audit_events")
                        for row in db.session.execute(text(f"SELECT * FROM {table}")))
        kept = sorted(source for source in addresses if f"'{source}'" in rows or f" {source} " in rows)
        db.session.remove()
        db.engine.dispose()
    return {"responses": responses, "refusals": refusals, "addresses kept": kept}


def verdict(records: list[Record], found: dict, options) -> list[str]:
    """Return every broken rule: errors, limits exceeded, the database not matching what clients were told."""
    posts = [record for record in records if record.method == "POST"]
    told = Counter(record.outcome for record in posts)
    problems = [f"{record.kind} {record.method} from {record.address}: {record.error or record.status}"
                for record in records if record.error or (record.status or 0) >= 500]
    if found["responses"] != told["accepted"]:
        problems.append(f"{told['accepted']} answers accepted, {found['responses']} stored")
    refused = Counter({reason: told[reason] for reason in ("repeat", "honeypot", "too_fast", "bad_form",
                                                          "rate_limited") if told[reason]})
    if refused != found["refusals"]:
        problems.append(f"refusals told {dict(refused)}, counted {dict(found['refusals'])}")
    admitted = [record for record in posts if record.status != 429]
    if len(admitted) > parse(options.link_limit).amount:
        problems.append(f"{len(admitted)} answers let through, the link's limit is {options.link_limit}")
    per_address = Counter(record.address for record in admitted)
    if max(per_address.values(), default=0) > parse(options.address_limit).amount:
        problems.append(f"an address got {max(per_address.values())} through, the limit is {options.address_limit}")
    problems += [f"a {record.kind} respondent's answers were accepted from {record.address}"
                 for record in posts if record.outcome == "accepted" and _too_soon(record, records, options)]
    problems += [f"address {source} is stored" for source in found["addresses kept"]]
    odd = set(told) - {"accepted", "repeat", "honeypot", "too_fast", "bad_form", "rate_limited"}
    problems += [f"answers came back as {outcome!r}" for outcome in sorted(odd)]
    return problems


def _too_soon(post: Record, records: list[Record], options) -> bool:
    """Tell whether answers were a script's, or reached the server sooner than the minimum fill time allows.

    The server measures from the page's stamp (whole seconds) to the moment it reads the answers, queueing
    included: a hurried phone whose answers waited in the queue may rightly pass.
    """
    if post.kind == "script":
        return True
    page = next(record for record in records if record.address == post.address and record.method == "GET")
    return post.kind == "hurried" and post.started + post.seconds - page.started < options.min_seconds - 1


def run(backend: str, options, folder: Path | None = None) -> dict:
    """Run the whole load against a fresh database and return its figures and its problems."""
    with tempfile.TemporaryDirectory(dir=folder) as scratch, database(backend, Path(scratch)) as url, \
            redis(Path(scratch)) as redis_url:
        config = settings(url, Path(scratch) / "media", redis_url, options)
        token = seed(config)
        workers = options.workers if redis_url else 1  # per-process counts hold only in one process
        log = Path(scratch) / "gunicorn.log"
        with gunicorn(config, workers, log) as port:
            records, seconds = traffic(port, f"/s/{token}", options.respondents, options.flood,
                                       options.min_seconds)
        alarming = [line for line in log.read_text(errors="replace").splitlines()
                    if any(word in line for word in ("Traceback", "[ERROR]", "[CRITICAL]", "Exception on"))]
        found = stored(config, token, {record.address for record in records})
    problems = verdict(records, found, options) + alarming
    return {"backend": backend, "workers": workers, "storage": "redis" if redis_url else "in-process",
            "records": records, "seconds": seconds, "found": found, "problems": problems}


def _p(values: list[float], share: float) -> float:
    if len(values) < 2:
        return 1000 * values[0] if values else float("nan")
    return 1000 * statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def report(summary: dict, options) -> None:
    records = summary["records"]
    posts = [record for record in records if record.method == "POST"]
    told = Counter(record.outcome for record in posts)
    print(f"{summary['backend']}: {options.respondents} respondents + 1 flooding address ({options.flood} posts), "
          f"{summary['workers']} gunicorn workers, limits in {summary['storage']} "
          f"({options.address_limit} per address, {options.link_limit} per link), {summary['seconds']:.1f} s")
    print(f"  requests {len(records)}: accepted {told['accepted']} (stored {summary['found']['responses']}), "
          f"429 {told['rate_limited']}, refused " + ", ".join(
              f"{reason} {told[reason]}" for reason in ("honeypot", "too_fast", "repeat", "bad_form")))
    for method in ("GET", "POST"):
        times = sorted(record.seconds for record in records if record.method == method and record.status)
        print(f"  {method:<4} latency p50 {_p(times, 0.5):7.1f} ms, p95 {_p(times, 0.95):7.1f} ms, "
              f"max {1000 * max(times, default=float('nan')):7.1f} ms")
    errors = sum((record.status or 0) >= 500 for record in records)
    print(f"  server errors {errors}, request errors {sum(bool(record.error) for record in records)}, "
          f"problems {len(summary['problems'])}")
    for line in summary["problems"][:40]:
        print(f"  ! {line}")


def main(argv: list[str] | None = None) -> int:
    """Run the chosen backends and print their figures; return 1 if any broke a rule."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--respondents", type=int, default=200)
    parser.add_argument("--flood", type=int, default=30, help="answers one address sends again and again")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--min-seconds", type=int, default=3, help="the survey's minimum fill time")
    parser.add_argument("--address-limit", default="10 per hour")
    parser.add_argument("--link-limit", default="180 per hour", help="set below the traffic, so that it bites")
    options = parser.parse_args(argv or [])
    failed = False
    for backend in ("sqlite", "postgresql") if options.backend == "both" else (options.backend,):
        unreachable = postgres_problem() if backend == "postgresql" else None
        if unreachable:
            print(f"postgresql: skipped, {unreachable}")
            continue
        summary = run(backend, options)
        report(summary, options)
        failed |= bool(summary["problems"])
    # bench/run.py calls main() and reads no exit status: a broken rule must stop it.
    assert argv is not None or not failed, "the survey load broke a rule (lines marked !)"
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
