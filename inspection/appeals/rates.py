"""Appeal and upheld rates with Wilson score intervals: pure Python, no web or database code.

A rate of a few per cent over a few dozen visits is mostly noise; the interval says how much, and unlike the
normal approximation it stays within 0-1 and says something at 0 of 20.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

from ..statistics import CONFIDENCE, Estimate


def wilson(hits: int, total: int, confidence: float = CONFIDENCE) -> Estimate:
    """Return hits / total as a proportion with its Wilson score interval; no rate of nothing."""
    if total <= 0:
        return Estimate(0, None, confidence=confidence)
    z = NormalDist().inv_cdf((1 + confidence) / 2)
    share = hits / total
    centre = (share + z * z / (2 * total)) / (1 + z * z / total)
    margin = z * math.sqrt(share * (1 - share) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return Estimate(total, share, max(0.0, centre - margin), min(1.0, centre + margin), confidence)


@dataclass
class Rates:
    """One row of the report: released visits (or times an item was scored), appealed, decided and upheld."""

    visits: int = 0
    appealed: int = 0
    decided: int = 0
    upheld: int = 0

    @property
    def appeal_rate(self) -> Estimate:
        return wilson(self.appealed, self.visits)

    @property
    def upheld_rate(self) -> Estimate:
        return wilson(self.upheld, self.decided)
