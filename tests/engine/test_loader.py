"""The loader refuses bad checklists with `path:line: message` for every problem."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from inspection.checklists import ChecklistError, canonical_json, from_snapshot, load_directory, load_file, load_text
from inspection.checklists.loader import load_bytes

CHECKLIST_DIR = Path(__file__).resolve().parents[2] / "checklists"

HEADER = """\
id: demo
title: 示例
kind: inspection
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ChecklistError) as raised:
        load_text(textwrap.dedent(text), "c.yaml")
    return raised.value.problems


def one_item(item: str, extra: str = "") -> str:
    return HEADER + extra + "sections:\n  - id: s\n    title: S\n    items:\n      - " + item + "\n"


def test_shipped_checklists_load_and_name_their_seed():
    checklists = load_directory(CHECKLIST_DIR)
    assert set(checklists) >= {"branch-inspection", "mystery-shop", "call-qc", "servqual-survey"}
    for path in CHECKLIST_DIR.glob("*.yaml"):
        assert "shared/seeds/" in path.read_text(encoding="utf-8").splitlines()[0], path


def test_servqual_survey_has_22_items_across_five_dimensions():
    survey = load_file(CHECKLIST_DIR / "servqual-survey.yaml")
    servqual = [(section.dimension, item) for section, item in survey.items() if item.type == "servqual"]
    assert len(servqual) == 22
    assert {dimension for dimension, _ in servqual} == {
        "tangibles", "reliability", "responsiveness", "assurance", "empathy"}


@pytest.mark.parametrize(("text", "expected"), [
    ("a: &x 1\nb: *x\n",
     ["c.yaml:1: YAML anchors are not allowed (&x)", "c.yaml:2: YAML aliases are not allowed (*x)"]),
    ("a: !!python/object/apply:os.system [echo]\n", ["c.yaml:1: YAML tags are not allowed"]),
    ("a: !custom 1\n", ["c.yaml:1: YAML tags are not allowed (!custom)"]),
    ("id: a\nid: b\n", ["c.yaml:2: duplicate key 'id'"]),
    ("id: [\n", ["c.yaml:2: invalid YAML"]),
    ("", ["c.yaml:1: the file is empty"]),
    ("- a\n- b\n", ["c.yaml:1: a checklist must be a mapping"]),
    ("id: a\n---\nid: b\n", ["c.yaml:2: only one YAML document is allowed"]),
    # The composer recurses per level: 5000 levels would be a RecursionError, not a problem with a line.
    ("a:\n  b: " + "[" * 5000 + "]" * 5000 + "\n", ["c.yaml:2: lists and mappings nest more than 20 levels deep"]),
])
def test_yaml_that_checklists_never_need_is_refused(text, expected):
    found = problems(text)
    for start in expected:
        assert any(problem.startswith(start) for problem in found), (start, found)


def test_alias_bomb_is_refused_without_expanding():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(20)
    )
    found = problems(bomb)
    assert found[0] == "c.yaml:1: YAML anchors are not allowed (&a)"
    assert any("aliases are not allowed" in problem for problem in found)


def test_file_over_one_mebibyte_is_refused(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"# " + b"x" * (1024 * 1024) + b"\n")
    with pytest.raises(ChecklistError) as raised:
        load_file(path)
    assert raised.value.problems == [f"{path}:1: file is larger than 1 MiB"]


def test_file_that_is_not_utf8_names_the_line():
    with pytest.raises(ChecklistError) as raised:
        load_bytes(HEADER.encode() + "title2: 检查\n".encode("gbk"), "gbk.yaml")
    assert raised.value.problems == ["gbk.yaml:4: file is not UTF-8 text (byte 48)"]


def test_missing_file_is_a_problem_not_a_traceback(tmp_path):
    with pytest.raises(ChecklistError) as raised:
        load_file(tmp_path / "nope.yaml")
    assert raised.value.problems[0].startswith(f"{tmp_path / 'nope.yaml'}:1: cannot read file")


def test_wrong_types_are_not_coerced():
    found = problems(one_item("{id: a, text: no, type: yes_no, points: '5'}"))
    assert found == [
        "c.yaml:8: section 's' item 'a' text: input should be a valid string, got false",
        "c.yaml:8: section 's' item 'a' points: input should be a valid number, got \"5\"",
    ]


def test_unknown_keys_and_values_are_named():
    found = problems(HEADER + "colour: red\nsections:\n  - id: s\n    title: S\n    dimension: beauty\n"
                     "    items:\n      - {id: a, text: A, type: slider}\n")
    assert "c.yaml:4: checklist: unknown key 'colour'" in found
    assert any(p.startswith("c.yaml:8: section 's' dimension: input should be 'reliability'") for p in found)
    assert any(p.startswith("c.yaml:10: section 's' item 'a' type: input should be 'yes_no'") for p in found)


@pytest.mark.parametrize(("item", "message"), [
    ("{id: t, text: T, type: timer, points: 5}", "item 't': type timer needs 'limit'"),
    ("{id: d, text: D, type: deduction, points: 5}", "item 'd': type deduction needs 'deduct'"),
    ("{id: d, text: D, type: deduction, deduct: 2}", "item 'd': type deduction needs 'points'"),
    ("{id: c, text: C, type: choice, points: 5}", "item 'c': type choice needs 'options'"),
    ("{id: q, text: Q, type: servqual}", "item 'q': type servqual needs a 'dimension'"),
    ("{id: y, text: Y, type: yes_no, points: 5, limit: 3}", "item 'y': 'limit' does not apply to type yes_no"),
    ("{id: y, text: Y, type: text, points: 5}", "item 'y': type text earns no points"),
    ("{id: y, text: Y, type: yes_no, critical: true}", "item 'y': only an item that earns points can be critical"),
    ("{id: y, text: Y, type: yes_no, photo: on_fail}", "item 'y': photo on_fail needs an item that earns points"),
    ("{id: p, text: P, type: photo, photo: never}", "item 'p': a photo item cannot refuse photos"),
    ("{id: n, text: N, type: number, pass: {min: 5, max: 1}, points: 2}", "item 'n': pass min is greater than max"),
    ("{id: y, text: Y, type: yes_no, show_if: {item: y, equals: true}}",
     "item 'y': show_if cannot name the item itself"),
    ("{id: y, text: Y, type: yes_no, show_if: {item: zz, equals: true}}",
     "item 'y': show_if names an unknown item 'zz'"),
])
def test_type_rules(item, message):
    found = problems(one_item(item))
    assert len(found) == 1, found
    assert found[0].startswith(f"c.yaml:8: {message}"), found


def test_show_if_must_name_an_earlier_item_and_a_possible_answer():
    found = problems(HEADER + """\
sections:
  - id: s
    title: S
    items:
      - {id: a, text: A, type: yes_no, show_if: {item: b, equals: true}}
      - {id: b, text: B, type: yes_no}
      - {id: c, text: C, type: yes_no, show_if: {item: b, equals: "yes"}}
""")
    assert found == [
        "c.yaml:8: item 'a': show_if names a later item 'b'",
        "c.yaml:10: item 'c': show_if equals 'yes', which item 'b' can never answer",
    ]


def test_ids_weights_and_bands_across_the_file():
    found = problems(HEADER + """\
ratings:
  - {min: 60, label: 合格}
  - {min: 60, label: 良好}
sections:
  - id: s
    title: S
    weight: 2
    items:
      - {id: a, text: A, type: yes_no, points: 1}
  - id: s
    title: T
    items:
      - {id: a, text: A, type: yes_no, points: 1}
""")
    assert found == [
        "c.yaml:6: two rating bands share min 60",
        "c.yaml:13: duplicate section id 's'",
        "c.yaml:13: section 's' has no weight, but other sections do: give all sections a weight, or none",
        "c.yaml:16: duplicate item id 'a'",
    ]


def test_every_problem_is_reported_at_once():
    found = problems(HEADER + "pass_mark: 120\nsections:\n  - id: s\n    title: S\n    items:\n"
                     "      - {id: a, text: A, type: yes_no, points: -1}\n      - {id: B, text: B, type: yes_no}\n")
    assert len(found) == 3
    assert [p.split(":")[1] for p in found] == ["4", "9", "10"]


def test_version_ignores_layout_and_comments_but_not_content():
    base = load_text(one_item("{id: a, text: A, type: yes_no, points: 5}"))
    relaid = load_text("# a comment\n" + one_item("{ id: a,   text: A, type: yes_no, points: 5 }")
                       .replace("kind: inspection", "kind: inspection   # kind"))
    changed = load_text(one_item("{id: a, text: A, type: yes_no, points: 6}"))
    assert len(base.version) == 64
    assert base.version == relaid.version
    assert base.version != changed.version


def test_frozen_copy_round_trips_with_the_same_version():
    original = load_file(CHECKLIST_DIR / "branch-inspection.yaml")
    copy = from_snapshot(canonical_json(original))
    assert copy == original
    assert copy.version == original.version


def test_directory_refuses_an_id_used_twice(tmp_path):
    text = one_item("{id: a, text: A, type: yes_no, points: 5}")
    (tmp_path / "one.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "two.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ChecklistError) as raised:
        load_directory(tmp_path)
    assert raised.value.problems == [
        f"{tmp_path / 'two.yaml'}:1: checklist id 'demo' is already used by {tmp_path / 'one.yaml'}"]
