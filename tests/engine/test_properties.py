"""Invariants of scoring over generated checklists and answers (hypothesis)."""

from __future__ import annotations

import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from inspection.checklists import load_text, score

SCORED_TYPES = ("yes_no", "rating", "choice", "number", "timer", "deduction")


@st.composite
def items(draw, prefix: str):
    kind = draw(st.sampled_from(SCORED_TYPES))
    item = {"id": prefix, "text": prefix, "type": kind, "points": draw(st.integers(1, 20)),
            "na": draw(st.booleans()), "critical": draw(st.booleans())}
    if kind == "rating":
        item["scale"] = draw(st.integers(2, 10))
    elif kind == "choice":
        scores = draw(st.lists(st.sampled_from([0, 0.25, 0.5, 1]), min_size=1, max_size=4))
        item["options"] = [{"value": f"o{i}", "label": f"O{i}", "score": s} for i, s in enumerate(scores)]
    elif kind == "number":
        item["pass"] = {"min": draw(st.integers(0, 5)), "max": draw(st.integers(6, 12))}
    elif kind == "timer":
        item["limit"] = draw(st.integers(1, 60))
    elif kind == "deduction":
        item["deduct"] = draw(st.integers(1, 5))
    return item


@st.composite
def checklists(draw):
    weighted = draw(st.booleans())
    sections = []
    for s in range(draw(st.integers(1, 3))):
        section = {"id": f"s{s}", "title": f"S{s}",
                   "items": [draw(items(f"s{s}-i{i}")) for i in range(draw(st.integers(1, 4)))]}
        if weighted:
            section["weight"] = draw(st.integers(1, 50))
        sections.append(section)
    data = {"id": "gen", "title": "Generated", "kind": "inspection", "sections": sections,
            "pass_mark": draw(st.integers(0, 100)),
            "on_critical_fail": draw(st.sampled_from(["fail", "zero"]))}
    return data


def answer_for(draw, item: dict):
    if item["na"] and draw(st.booleans()):
        return "na"
    kind = item["type"]
    if kind == "yes_no":
        return draw(st.booleans())
    if kind == "rating":
        return draw(st.integers(1, item["scale"]))
    if kind == "choice":
        return draw(st.sampled_from([option["value"] for option in item["options"]]))
    if kind in ("number", "timer"):
        return draw(st.floats(0, 100, allow_nan=False))
    return draw(st.integers(0, 10))


@st.composite
def filled(draw):
    data = draw(checklists())
    answers = {item["id"]: answer_for(draw, item) for section in data["sections"] for item in section["items"]}
    return data, answers


def build(data: dict):
    return load_text(json.dumps(data), "generated")


def in_range(value) -> bool:
    return value is None or -1e-9 <= value <= 100 + 1e-9


@settings(max_examples=150, deadline=None)
@given(filled())
def test_scores_stay_between_0_and_100(case):
    data, answers = case
    result = score(build(data), answers)
    assert in_range(result.score)
    assert all(in_range(tally.score) for _, tally in result.sections)
    assert all(in_range(tally.score) for tally in result.staff.values())


@settings(max_examples=150, deadline=None)
@given(filled(), st.data())
def test_na_never_changes_other_items(case, data_strategy):
    data, answers = case
    checklist = build(data)
    na_items = [item["id"] for section in data["sections"] for item in section["items"] if item["na"]]
    if not na_items:
        return
    chosen = data_strategy.draw(st.sampled_from(na_items))
    item = next(item for section in data["sections"] for item in section["items"] if item["id"] == chosen)
    real_answer = answer_for(data_strategy.draw, {**item, "na": False})
    answered = score(checklist, {**answers, chosen: real_answer})
    not_applicable = score(checklist, {**answers, chosen: "na"})
    for item_id, result in not_applicable.items.items():
        if item_id != chosen:
            assert result == answered.items[item_id]
    assert not_applicable.items[chosen].status == "excluded"


@settings(max_examples=150, deadline=None)
@given(filled())
def test_a_critical_failure_always_fails(case):
    data, answers = case
    result = score(build(data), answers)
    critical = [item["id"] for section in data["sections"] for item in section["items"] if item["critical"]]
    failed = [i for i in critical
              if result.items[i].status == "scored" and result.items[i].earned < result.items[i].possible]
    assert result.critical_failures == failed
    if failed:
        assert result.passed is False
        if data["on_critical_fail"] == "zero":
            assert result.score == 0


@settings(max_examples=150, deadline=None)
@given(filled(), st.sampled_from([0.1, 2, 7, 1000]))
def test_scaling_all_weights_changes_nothing(case, factor):
    data, answers = case
    if "weight" not in data["sections"][0]:
        return
    scaled = {**data, "sections": [{**s, "weight": s["weight"] * factor} for s in data["sections"]]}
    before, after = score(build(data), answers), score(build(scaled), answers)
    if before.score is None:
        assert after.score is None
    else:
        assert math.isclose(before.score, after.score, abs_tol=1e-9)
    assert before.passed == after.passed


@settings(max_examples=100, deadline=None)
@given(filled())
def test_passed_follows_the_pass_mark_without_critical_failures(case):
    data, answers = case
    result = score(build(data), answers)
    if result.score is not None and not result.critical_failures:
        assert result.passed == (result.score >= data["pass_mark"] - 1e-9)
