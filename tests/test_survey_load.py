"""The short form of bench/bench_survey.py: a few dozen respondents and a flooding address on one survey link.

`make bench` runs the full form (200 respondents, 4 workers). Nothing here looks at timings: the run must end
with no server error, every accepted answer stored once, every refusal counted, and no limit exceeded.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))  # bench modules import each other
bench_survey = importlib.import_module("bench_survey")
load_server = importlib.import_module("load_server")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_short_survey_load_holds_the_limits_and_loses_nothing(backend, tmp_path):
    if backend == "postgresql" and (problem := load_server.postgres_problem()):
        if os.environ.get("CI"):
            pytest.fail(problem + "; CI must test PostgreSQL", pytrace=False)
        pytest.skip(problem + "; set INSPECTION_TEST_DATABASE_URL")
    # Four seconds to fill in: a hurried phone's answers must be refused even if they queue for two or three
    # seconds behind the crowd on a slow machine (the stamp counts whole seconds).
    options = argparse.Namespace(respondents=40, flood=15, workers=2, min_seconds=4, address_limit="10 per hour",
                                 link_limit="45 per hour")
    summary = bench_survey.run(backend, options, folder=tmp_path)
    records = summary["records"]
    assert summary["problems"] == [], "\n".join(summary["problems"])
    assert not any(record.error or (record.status or 0) >= 500 for record in records)
    told = [record.outcome for record in records if record.method == "POST"]
    # The run did what it is for: answers kept, and each rule refused some.
    assert summary["found"]["responses"] == told.count("accepted") > 0
    for refusal in ("rate_limited", "honeypot", "too_fast", "repeat"):
        assert told.count(refusal) > 0, refusal
