"""Every string the app shows has its Chinese translation: none missing, none guessed (fuzzy)."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from inspection.problems import Problem

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
            # Problems are raised with an English template that is their catalogue key (see the Makefile).
            **dict.fromkeys([kind.__name__ for kind in Problem.__subclasses__()] + ["PhotoError", "UserError"])}


def _source_messages() -> set[str]:
    found = set()
    for folder, method in (("inspection", "python"), ("templates", "jinja2")):
        pattern = "**.py" if method == "python" else "**.html"
        for _file, _line, message, _comments, _context in extract_from_dir(
                ROOT / folder, method_map=[(pattern, method)], keywords=KEYWORDS):
            found.update(message if isinstance(message, tuple) else (message,))
    return {message for message in found if message}


def test_every_shown_string_is_translated():
    with open(PO, "rb") as handle:
        catalog = read_po(handle)
    translated = set()
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.id and all(strings) and not message.fuzzy:
            translated.update(message.id if isinstance(message.id, tuple) else (message.id,))
    missing = sorted(_source_messages() - translated)
    assert not missing, f"run `make translations-update` and add these to scripts/translations_zh.py: {missing}"


def test_the_chinese_table_says_each_message_once():
    table = ast.parse((ROOT / "scripts" / "translations_zh.py").read_text(encoding="utf-8"))
    keys = [key.value for node in ast.walk(table) if isinstance(node, ast.Dict)
            for key in node.keys if isinstance(key, ast.Constant)]
    assert sorted(key for key, seen in Counter(keys).items() if seen > 1) == []
