"""Which passwords are refused: short ones, guessable ones (zxcvbn), and ones made of the user's own e-mail or name."""

from __future__ import annotations

import re

from zxcvbn import zxcvbn

MIN_LENGTH = 10
# zxcvbn scores 0 (guessed at once) to 4 (very unlikely); 3 resists an offline attack on a slow hash.
MIN_SCORE = 3


def password_problems(password: str, email: str = "", name: str = "") -> list[str]:
    """Return the codes of what is wrong with a password: too_short, guessable, personal."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append("too_short")
    personal = [part for part in re.split(r"[@.\s_+-]+", f"{email} {name}".lower()) if len(part) >= 3]
    if any(part in password.lower() for part in personal):
        problems.append("personal")
    elif zxcvbn(password[:100], user_inputs=personal)["score"] < MIN_SCORE:  # long inputs are slow to rate
        problems.append("guessable")
    return problems
