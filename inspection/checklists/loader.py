"""Load checklist YAML files into typed, versioned checklists, reporting every problem."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pydantic import ValidationError

from . import rules, yamlsafe
from .model import Checklist

MAX_BYTES = 1024 * 1024
OPTIONAL_KEYS = ("expected_minutes",)


class ChecklistError(Exception):
    """A checklist file that cannot be used; `problems` holds `path:line: message` lines."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def load_file(path: str | Path) -> Checklist:
    """Load and validate one checklist file."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise ChecklistError([f"{path}:1: cannot read file: {error.strerror}"]) from None
    return load_bytes(raw, str(path))


def load_bytes(raw: bytes, name: str) -> Checklist:
    """Validate checklist bytes; `name` prefixes every problem line."""
    if len(raw) > MAX_BYTES:
        raise ChecklistError([f"{name}:1: file is larger than 1 MiB"])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ChecklistError([f"{name}:{line}: file is not UTF-8 text (byte {error.start})"]) from None
    return load_text(text, name)


def load_text(text: str, name: str = "<checklist>") -> Checklist:
    """Validate checklist text; `name` prefixes every problem line."""
    parsed = yamlsafe.parse(text.removeprefix("\ufeff"))
    problems = list(parsed.problems)
    checklist = None
    if not problems and not isinstance(parsed.data, dict):
        problems.append(yamlsafe.Problem(1, "a checklist must be a mapping of keys to values"))
    if not problems:
        try:
            checklist = Checklist.model_validate(parsed.data)
        except ValidationError as error:
            problems.extend(_schema_problems(error, parsed))
    if checklist is not None:
        problems.extend(rules.check(checklist, parsed.lines))
    if problems:
        ordered = sorted(problems, key=lambda problem: problem.line)
        raise ChecklistError([f"{name}:{p.line}: {p.message}" for p in ordered])
    checklist._version = version_of(checklist)
    return checklist


def canonical_json(checklist: Checklist) -> str:
    """Return the checklist's canonical content: sorted, compact JSON."""
    data = checklist.model_dump(mode="json", by_alias=True)
    # Keys added after version 1 appear only when set, so that older checklists keep their version.
    for key in OPTIONAL_KEYS:
        if data[key] is None:
            del data[key]
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def version_of(checklist: Checklist) -> str:
    """Return the SHA-256 of the canonical content."""
    return hashlib.sha256(canonical_json(checklist).encode("utf-8")).hexdigest()


def from_snapshot(snapshot: str) -> Checklist:
    """Rebuild a frozen checklist copy stored with a submission."""
    checklist = Checklist.model_validate_json(snapshot)
    checklist._version = version_of(checklist)
    return checklist


def _schema_problems(error: ValidationError, parsed: yamlsafe.Parsed) -> list[yamlsafe.Problem]:
    problems, seen = [], set()
    for detail in error.errors():
        path = _known_prefix(detail["loc"], parsed.lines)
        key = (path, detail["type"] in ("missing", "extra_forbidden") and detail["loc"][-1])
        if key in seen:
            continue  # a union reports each alternative; one line per place is enough
        seen.add(key)
        message = _describe(detail, path, parsed.data)
        problems.append(yamlsafe.Problem(parsed.lines.get(path, 1), message))
    return problems


def _known_prefix(loc: tuple, lines: dict) -> tuple:
    """Trim pydantic's location (which may name union members) to a place in the file."""
    path = tuple(loc)
    while path and path not in lines:
        path = path[:-1]
    return path


def _describe(detail: dict, path: tuple, data: object) -> str:
    kind, loc = detail["type"], detail["loc"]
    if kind == "missing":
        return f"{_where(path, data)}: missing required key '{loc[-1]}'"
    if kind == "extra_forbidden":
        return f"{_where(tuple(loc[:-1]), data)}: unknown key '{loc[-1]}'"
    message = detail["msg"][0].lower() + detail["msg"][1:]
    return f"{_where(path, data)}: {message}, got {_shown(detail.get('input'))}"


def _where(path: tuple, data: object) -> str:
    """Name a place as a quality manager reads it: item 'floor-clean' points."""
    words, node = [], data
    for index, part in enumerate(path):
        node = node[part] if isinstance(node, (dict, list)) and _has(node, part) else None
        parent = path[index - 1] if index else None
        if isinstance(part, int) and parent in ("sections", "items"):
            ident = node.get("id") if isinstance(node, dict) else None
            label = "section" if parent == "sections" else "item"
            words[-1] = f"{label} '{_printable(ident)}'" if isinstance(ident, str) else f"{label} {part + 1}"
        else:
            words.append(_printable(str(part)) if not isinstance(part, int) else f"{words.pop()}[{part + 1}]")
    return " ".join(words) or "checklist"


def _has(node: dict | list, part: str | int) -> bool:
    return part in node if isinstance(node, dict) else isinstance(part, int) and part < len(node)


def _shown(value: object) -> str:
    text = _printable(json.dumps(value, ensure_ascii=False, default=str))
    return text if len(text) <= 40 else text[:37] + "..."


def _printable(text: str) -> str:
    """Escape lone surrogates (a YAML "\\ud800"), which no page or file could encode, keeping other text."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def load_paths(paths: list[Path]) -> dict[str, Checklist]:
    """Load several files; ids must be unique across them. Every problem is reported."""
    checklists: dict[str, Checklist] = {}
    origins: dict[str, Path] = {}
    problems: list[str] = []
    for path in paths:
        try:
            checklist = load_file(path)
        except ChecklistError as error:
            problems.extend(error.problems)
            continue
        if checklist.id in checklists:
            problems.append(f"{path}:1: checklist id '{checklist.id}' is already used by {origins[checklist.id]}")
            continue
        checklists[checklist.id], origins[checklist.id] = checklist, path
    if problems:
        raise ChecklistError(problems)
    return checklists


def load_directory(directory: str | Path) -> dict[str, Checklist]:
    """Load every `*.yaml` and `*.yml` file of a folder, by checklist id."""
    folder = Path(directory)
    return load_paths(sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]))
