"""Turn what the editor received (typed text or an uploaded file) into a checked checklist, or line problems.

Hostile input is refused before the engine reads it: too many bytes, text that is not UTF-8, NUL characters
and nesting deep enough to exhaust the YAML composer's recursion. Everything else is the engine's to judge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from ..checklists import Checklist, ChecklistError, load_text

MAX_BYTES = 256 * 1024
# A checklist nests 7 levels at most (sections, items, options); the YAML composer recurses per level.
NAME = "checklist"
ENGINE_LINE = re.compile(rf"^{NAME}:(\d+): (.*)$", re.DOTALL)
ID_LINE = re.compile(r"^id\s*:", re.MULTILINE)


@dataclass(frozen=True)
class LineProblem:
    """One problem of a text: its line (None for the whole text) and what is wrong.

    `text` is either a translatable template filled with `params`, or (`engine`) the validator's own
    English message, which the editor translates where it knows the sentence.
    """

    line: int | None
    text: object
    params: dict = field(default_factory=dict)
    engine: bool = False


def decode(raw: bytes) -> tuple[str | None, list[LineProblem]]:
    """Decode an uploaded file as UTF-8 text, or say where it is not."""
    if not raw:
        return None, [LineProblem(None, _l("The uploaded file is empty."))]
    if len(raw) > MAX_BYTES:
        return None, [too_large()]
    try:
        return normalise(raw.decode("utf-8")), []
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        text = _l("The file is not UTF-8 text (byte %(byte)d, line %(line)d): save it as UTF-8 and upload it again.")
        return None, [LineProblem(line, text, {"byte": error.start + 1, "line": line})]


def normalise(text: str) -> str:
    """Return the text with Unix line ends and no byte-order mark, as it is written to the folder."""
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def validate(text: str) -> tuple[Checklist | None, list[LineProblem]]:
    """Check the text as the catalog would load it; return the checklist, or every problem with its line."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        return None, [too_large()]
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return None, [LineProblem(line, _l("The text holds a NUL character, which no checklist can hold."))]
    try:
        return load_text(text, NAME), []
    except ChecklistError as error:
        return None, [engine_problem(line) for line in error.problems]


def too_large() -> LineProblem:
    """Return the problem of a text longer than any checklist may be."""
    text = _l("The text is larger than %(limit)d KiB, the most a checklist may have.")
    return LineProblem(None, text, {"limit": MAX_BYTES // 1024})


def engine_problem(line: str) -> LineProblem:
    """Read a validator line (`file:line: message`) as a problem at its line."""
    match = ENGINE_LINE.match(line)
    if match is None:
        return LineProblem(None, line, engine=True)
    return LineProblem(int(match.group(1)), match.group(2), engine=True)



def id_line(text: str) -> int:
    """Return the line of the checklist's own `id:` key (1 when it cannot be found)."""
    match = ID_LINE.search(text)
    return text[: match.start()].count("\n") + 1 if match else 1
