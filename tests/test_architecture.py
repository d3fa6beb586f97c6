"""Rules of the code base that no linter states: who may compare roles."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A role compared or tested for membership: `.role ==`, `.role !=`, `.role in`, `Role.X ==`.
ROLE_TEST = re.compile(r"\.role\s*(==|!=|in\b|not\s+in\b)|\bRole\.[A-Z]+\s*(==|!=)|==\s*Role\.|['\"](admin|manager|"
                       r"inspector|shopper)['\"]\s*(==|!=|in\b)")


def test_only_the_access_policy_compares_roles():
    offenders = []
    for path in [*ROOT.glob("inspection/**/*.py"), *ROOT.glob("templates/**/*.html")]:
        if path == ROOT / "inspection" / "access.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if ROLE_TEST.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == [], "ask inspection/access.py instead:\n" + "\n".join(offenders)
