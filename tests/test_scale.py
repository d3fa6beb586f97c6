"""The short form of bench/scale.py: two gunicorn instances on one PostgreSQL, a few submitters, a few seconds.

`make bench` runs the full form (50 submitters for 60 s). Nothing here looks at timings: every acknowledged
visit must be stored once with its photo files, retries and concurrent copies must come back 200 with the
same visit, other content under a stored id 409, and no request may fail on the server.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

import pytest
import redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))  # bench modules import each other
scale = importlib.import_module("scale")
load_server = importlib.import_module("load_server")


def _require_services() -> None:
    problem = load_server.postgres_problem()
    if problem is None:
        try:
            with redis.Redis.from_url(scale.REDIS_URL, socket_connect_timeout=2) as connection:
                connection.ping()
        except redis.exceptions.ConnectionError as error:
            problem = f"Redis at {scale.REDIS_URL} is not reachable ({error})"
    if problem is None:
        return
    if os.environ.get("CI"):
        pytest.fail(problem + "; CI must test the scale run", pytrace=False)
    pytest.skip(problem + "; set INSPECTION_TEST_DATABASE_URL and INSPECTION_TEST_REDIS_URL")


def test_two_instances_lose_nothing_store_nothing_twice_and_answer_no_server_error(tmp_path):
    _require_services()
    # 20 visits: one of each kind of sending (scale_traffic's slots), sent back to back by 4 submitters.
    summary = scale.run(submitters=4, seconds=120, visits=20, workers=1, rate=0, folder=tmp_path)
    evidence = "\n".join([*summary["request errors"], *summary["problems"], *summary["server log"]])
    assert not scale.failed(summary), evidence
    assert summary["accepted"] == summary["visits in database"] == 20
    assert summary["retries answered 200"] == 4  # three resends after a lost answer, one of a twin pair
    assert summary["conflicts answered 409"] == 2
