"""The short form of bench/load.py: a few submitters with retries, conflicts and races under gunicorn.

`make bench` runs the full form (50 submitters, 4 workers). Nothing here looks at timings: the run
must end with no server error, nothing lost or stored twice, and one winner in every race.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))  # bench modules import each other
load = importlib.import_module("load")
load_server = importlib.import_module("load_server")


def _require_postgres() -> None:
    problem = load_server.postgres_problem()
    if problem is None:
        return
    if os.environ.get("CI"):
        pytest.fail(problem + "; CI must test PostgreSQL", pytrace=False)
    pytest.skip(problem + "; set INSPECTION_TEST_DATABASE_URL")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_short_load_loses_nothing_and_every_race_has_one_winner(backend, tmp_path):
    if backend == "postgresql":
        _require_postgres()
    summary = load.run(backend, submitters=8, visits=3, workers=2, folder=tmp_path, max_seconds=120)
    evidence = "\n".join([*summary["request errors"], *summary["problems"], summary["log"][-4000:]])
    assert summary["server errors"] == 0, evidence
    assert summary["request errors"] == [], evidence
    assert (summary["lost"], summary["duplicates"]) == ([], []), evidence
    assert summary["problems"] == [], evidence  # includes every race without exactly one 200 and one 409
    assert summary["server log"] == [], evidence
    assert not summary["budget hit"]
    assert summary["visits in database"] == summary["accepted"] > 0
    # The run did what it is for: retries, conflicts, races and raced corrections all happened.
    assert summary["retries answered 200"] > 0 and summary["conflicts answered 409"] > 0
    assert summary["race wins"] == summary["race losses"] > 0
    assert summary["corrections applied"] > 0
