"""The month arithmetic that plans, monthly reports and the staff months share."""

from __future__ import annotations

from datetime import date

import pytest

from inspection.months import month_after


@pytest.mark.parametrize(("day", "expected"), [
    (date(2026, 1, 1), date(2026, 2, 1)), (date(2026, 1, 31), date(2026, 2, 1)),
    (date(2024, 2, 29), date(2024, 3, 1)), (date(2026, 11, 30), date(2026, 12, 1)),
    (date(2026, 12, 1), date(2027, 1, 1)), (date(2026, 12, 31), date(2027, 1, 1)),
])
def test_the_month_after_starts_on_its_first_day_across_a_new_year(day, expected):
    assert month_after(day) == expected
