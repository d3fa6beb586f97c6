"""The editor's words: problems in the reader's language, and the names of what changed between versions."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from .source import LineProblem

# The validator's sentences a quality manager meets most, in their language; any other is shown as written.
ENGINE_SENTENCES = [
    (re.compile(r"^invalid YAML: (?P<reason>.*)$", re.DOTALL), _l("The YAML cannot be read: %(reason)s.")),
    (re.compile(r"^YAML aliases are not allowed \(\*(?P<name>.*)\)$"),
     _l("YAML aliases (*%(name)s) are not allowed: write the value out in full.")),
    (re.compile(r"^YAML anchors are not allowed \(&(?P<name>.*)\)$"),
     _l("YAML anchors (&%(name)s) are not allowed.")),
    (re.compile(r"^YAML tags are not allowed \((?P<tag>.*)\)$"), _l("YAML tags (%(tag)s) are not allowed.")),
    (re.compile(r"^only one YAML document is allowed$"),
     _l("Only one YAML document is allowed: remove the second “---”.")),
    (re.compile(r"^the file is empty$"), _l("The text is empty.")),
    (re.compile(r"^lists and mappings nest more than (?P<limit>\d+) levels deep$"),
     _l("The text nests lists and mappings more than %(limit)s levels deep; a checklist never needs that many.")),
    (re.compile(r"^a checklist must be a mapping of keys to values$"),
     _l("A checklist is a mapping of keys to values (id: …, title: …, sections: …).")),
    (re.compile(r"^duplicate key '(?P<key>.*)'$"), _l("The key “%(key)s” appears twice.")),
    (re.compile(r"^(?P<where>.*): unknown key '(?P<key>.*)'$"), _l("%(where)s: unknown key “%(key)s”.")),
    (re.compile(r"^(?P<where>.*): missing required key '(?P<key>.*)'$"),
     _l("%(where)s: the key “%(key)s” is required.")),
    (re.compile(r"^(?P<where>.*): string should match pattern '\^\[a-z0-9\]\[a-z0-9-\]\*\$', got (?P<value>.*)$"),
     _l("%(where)s: use only lowercase letters, digits and hyphens, starting with a letter or a digit "
        "(got %(value)s).")),
    (re.compile(r"^(?P<where>.*): input should be a valid (?P<type>number|integer|string|boolean|list|dictionary)"
                r"\b[^,]*, got (?P<value>.*)$"), _l("%(where)s: write %(expected)s here (got %(value)s).")),
    (re.compile(r"^(?P<where>.*): input should be (?P<side>greater|less) than(?P<equal> or equal to)? (?P<n>\S+), "
                r"got (?P<value>.*)$"), _l("%(where)s: the value must be %(bound)s (got %(value)s).")),
    (re.compile(r"^(?P<where>.*): input should be (?P<choices>'.*'), got (?P<value>.*)$"),
     _l("%(where)s: use one of %(choices)s (got %(value)s).")),
]
EXPECTED = {
    "number": _l("a number"), "integer": _l("a whole number"), "boolean": _l("true or false"),
    "string": _l("text (in quotes when it reads as a number or as yes/no)"), "list": _l("a list"),
    "dictionary": _l("a mapping of keys to values"),
}
BOUNDS = {("greater", False): _l("more than %(n)s"), ("greater", True): _l("at least %(n)s"),
          ("less", False): _l("less than %(n)s"), ("less", True): _l("at most %(n)s")}

FIELD_LABELS = {
    "title": _l("Title"), "kind": _l("Kind"), "locale": _l("Language"), "description": _l("Description"),
    "pass_mark": _l("Pass mark"), "on_critical_fail": _l("On a critical failure"), "ratings": _l("Rating bands"),
    "dimension_weights": _l("Dimension weights"), "expected_minutes": _l("Expected duration (minutes)"),
    "weight": _l("Weight"), "dimension": _l("Dimension"),
    "section": _l("Section"), "text": _l("Text"), "type": _l("Type"), "points": _l("Points (weight)"),
    "critical": _l("Critical"), "options": _l("Options"), "scale": _l("Scale"), "limit": _l("Time limit"),
    "deduct": _l("Deduction per occurrence"), "pass": _l("Pass range"), "unit": _l("Unit"),
    "na": _l("N/A allowed"), "required": _l("Required"), "photo": _l("Photo rule"), "show_if": _l("Shown if"),
    "help": _l("Help"),
}


def describe(problem: LineProblem) -> str:
    """Return a problem of a checklist text in the reader's language."""
    if not problem.engine:
        return str(problem.text) % problem.params if problem.params else str(problem.text)
    for pattern, text in ENGINE_SENTENCES:
        match = pattern.match(problem.text)
        if match:
            params = match.groupdict()
            if "type" in params:
                params["expected"] = str(EXPECTED[params["type"]])
            if "side" in params:
                params["bound"] = str(BOUNDS[params["side"], bool(params["equal"])]) % {"n": params["n"]}
            return str(text) % params
    return problem.text


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


def shown(value: object) -> str:
    """Return a setting's value as a reader compares it: options as value = label (score), ranges as min–max."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(_l("yes")) if value else str(_l("no"))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "; ".join(shown(part) for part in value) or "—"
    if isinstance(value, dict):
        if set(value) <= {"value", "label", "score"}:
            return f"{value.get('value')} = {value.get('label')} ({shown(value.get('score'))})"
        if set(value) == {"item", "equals"}:
            return f"{value['item']} = {shown(value['equals'])}"
        if set(value) == {"min", "max"}:
            return f"{shown(value['min'])} – {shown(value['max'])}"
        return ", ".join(f"{key}: {shown(part)}" for key, part in value.items())
    return str(value)
