"""Rules of the code base that no linter states: who may compare roles."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A role compared or tested for membership: `role ==`, `.role.value !=`, `.role in (...)`, `Role.X in`,
# `"admin" ==`; checking that a role exists at all (`role in ROLES`) and loops (`for role in`) are no decision.
ROLE_TEST = re.compile(r"(?<!for )\brole(\.value)?\s*(==|!=|(not\s+)?in\b(?!\s+(ROLES|Role)\b))"
                       r"|\bRole\.[A-Z]+\s*(==|!=|in\b)|(==|!=)\s*Role\."
                       r"|['\"](admin|manager|inspector|shopper)['\"]\s*(==|!=|in\b)")


def test_only_the_access_policy_compares_roles():
    offenders = []
    for path in [*ROOT.glob("inspection/**/*.py"), *ROOT.glob("templates/**/*.html"), *ROOT.glob("static/js/*.js")]:
        if ROOT / "inspection" / "access" in path.parents:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if ROLE_TEST.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == [], "ask inspection/access/ instead:\n" + "\n".join(offenders)
