"""Means with their confidence intervals (Student's t), in pure Python: no SciPy, no web or database code.

Figures come either as values or as the sums a SQL query returns (count, sum, sum of squares), so that a
report aggregates in the database and still says how far its mean may be from the truth. A score of points
earned over points possible (a ratio of sums) gets its interval by the delta method: see `ratio_interval`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist

CONFIDENCE = 0.9
# The continued fraction of the incomplete beta function converges in a few dozen terms for our ranges.
MAX_TERMS, TINY, TOLERANCE = 300, 1e-300, 1e-15


@dataclass(frozen=True)
class Estimate:
    """A sample's mean and its two-sided confidence interval; no interval below two observations."""

    count: int
    mean: float | None
    low: float | None = None
    high: float | None = None
    confidence: float = CONFIDENCE
    variance: float | None = None  # of one observation about the mean, for pooling; None below two observations

    @property
    def margin(self) -> float | None:
        """Return the half-width of the interval, or None without one."""
        return None if self.low is None or self.high is None else (self.high - self.low) / 2


def _continued_fraction(a: float, b: float, x: float) -> float:
    """Evaluate the incomplete beta function's continued fraction by Lentz's method."""
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > TINY else TINY)
    fraction = d
    for m in range(1, MAX_TERMS + 1):
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > TINY else TINY)
            c = 1.0 + numerator / c
            c = c if abs(c) > TINY else TINY
            fraction *= c * d
        if abs(c * d - 1.0) < TOLERANCE:
            break
    return fraction


def incomplete_beta(a: float, b: float, x: float) -> float:
    """Return the regularized incomplete beta function I_x(a, b), for a, b > 0 and 0 <= x <= 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _continued_fraction(a, b, x) / a
    return 1.0 - front * _continued_fraction(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    """Return P(T <= t) for Student's t distribution with df degrees of freedom."""
    tail = 0.5 * incomplete_beta(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


def _t_pdf(t: float, df: float) -> float:
    log_norm = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    return math.exp(log_norm - (df + 1) / 2 * math.log1p(t * t / df))


@lru_cache(maxsize=512)
def t_quantile(p: float, df: float) -> float:
    """Return the t with P(T <= t) = p: Newton's steps kept inside a shrinking bracket."""
    if not 0.0 < p < 1.0 or df <= 0:
        raise ValueError("t_quantile needs 0 < p < 1 and df > 0")
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    low, high = 0.0, 1.0
    while t_cdf(high, df) < p:
        low, high = high, high * 2
    guess = min(max(NormalDist().inv_cdf(p), low), high)
    for _ in range(200):
        error = t_cdf(guess, df) - p
        if abs(error) < 1e-15:
            break
        if error > 0:
            high = guess
        else:
            low = guess
        step = guess - error / _t_pdf(guess, df)
        guess = step if low < step < high else (low + high) / 2
        if high - low < 1e-13 * guess:
            break
    return guess


def interval(count: int, total: float, squares: float, confidence: float = CONFIDENCE) -> Estimate:
    """Return the mean and its t-interval from a sample's count, sum and sum of squares."""
    if count <= 0:
        return Estimate(0, None, confidence=confidence)
    mean = total / count
    if count < 2:
        return Estimate(count, mean, confidence=confidence)
    return _estimate(count, mean, (squares - total * total / count) / (count - 1), confidence)


def ratio_interval(count: int, earned: float, possible: float, earned_squares: float, products: float,
                   possible_squares: float, scale: float = 100.0, confidence: float = CONFIDENCE) -> Estimate:
    """Return scale × Σearned / Σpossible and its t-interval, from the sums of n visits' points.

    The ratio R = Σy / Σx is a mean of the visits' scores weighted by their points possible. Linearised (the
    delta method), each visit contributes its residual d = y − R·x; the variance of one visit's score is
    scale² · Σd² / ((n − 1) · x̄²) with Σd² = Σy² − 2R·Σxy + R²·Σx² and x̄ = Σx / n, and the interval is
    R ± t(n − 1) · √(variance / n). When every visit has the same points possible this is exactly `interval`
    over the visits' own scores.
    """
    if count <= 0 or possible <= 0:
        return Estimate(max(count, 0), None, confidence=confidence)
    ratio = earned / possible
    if count < 2:
        return Estimate(count, scale * ratio, confidence=confidence)
    residuals = earned_squares - 2 * ratio * products + ratio * ratio * possible_squares
    per_visit = possible / count
    return _estimate(count, scale * ratio, scale * scale * residuals / ((count - 1) * per_visit * per_visit),
                     confidence)


def _estimate(count: int, mean: float, variance: float, confidence: float) -> Estimate:
    """Return the mean with its t-interval, given the variance of one observation (n >= 2)."""
    variance = max(0.0, variance)  # float noise can dip below zero
    if variance <= 1e-12 * max(1.0, mean * mean):
        # Identical answers (common on a 7-point scale) say nothing of the spread: no interval, not a zero-width one.
        return Estimate(count, mean, confidence=confidence, variance=0.0)
    margin = t_quantile((1 + confidence) / 2, count - 1) * math.sqrt(variance / count)
    return Estimate(count, mean, mean - margin, mean + margin, confidence, variance)


def mean_interval(values: list[float], confidence: float = CONFIDENCE) -> Estimate:
    """Return the mean of the values and its t-interval."""
    return interval(len(values), math.fsum(values), math.fsum(value * value for value in values), confidence)
