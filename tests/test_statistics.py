"""The pure statistics module against SciPy's values (computed once with scipy.stats 1.17, kept here) and by hand."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inspection.statistics import (
    Estimate,
    incomplete_beta,
    interval,
    mean_interval,
    ratio_interval,
    t_cdf,
    t_quantile,
)

pytestmark = pytest.mark.engine

# scipy.stats.t.ppf(p, df) for p = 0.95, 0.975, 0.995, 0.6
T_PPF = {
    1: (6.313751514675037, 12.706204736174694, 63.656741162871526, 0.32491969623290634),
    2: (2.9199855803537242, 4.302652729749462, 9.924843200918287, 0.2886751345948128),
    3: (2.3533634348018233, 3.1824463052837078, 5.840909309733355, 0.2766706623326898),
    4: (2.1318467863266495, 2.7764451051977934, 4.604094871349992, 0.2707222947075976),
    5: (2.0150483733330233, 2.5705818356363146, 4.032142983555228, 0.2671808657041451),
    9: (1.833112932656237, 2.262157162798205, 3.249835541592126, 0.260955336473911),
    29: (1.6991270265334972, 2.045229642132703, 2.756385903670605, 0.25568363457125604),
    120: (1.6576508993552352, 1.9799304050824402, 2.6174211451068654, 0.25390952321492877),
    1000: (1.6463788172854643, 1.9623390808264083, 2.580754698065951, 0.25341451583949876),
}
# scipy.stats.t.cdf(t, df)
T_CDF = [(0.5, 1, 0.6475836176504333), (2.0, 3, 0.9303370157205785), (-1.3, 7, 0.11738391769618862),
         (3.5, 15, 0.9983882345281028), (0.0, 4, 0.5), (10.0, 2, 0.9950737714883372),
         (-4.0, 50, 0.00010459512318201668)]
# scipy.stats.t.interval(0.9, n - 1, loc=mean, scale=sem)
INTERVALS = [
    ([-1.5, -0.25, 0.5, -2.0, -0.75, 1.0, -3.0], -0.8571428571428571, -1.8950432968989541, 0.18075758261323938),
    ([-2.25, 0.0, 1.0, -2.5], -0.9375, -2.9524421821069478, 1.0774421821069469),
    ([-1.0, 0.5], -0.25, -4.985313636006283, 4.485313636006277),
]


@pytest.mark.parametrize("df", sorted(T_PPF))
def test_t_quantiles_match_scipy(df):
    for p, expected in zip((0.95, 0.975, 0.995, 0.6), T_PPF[df], strict=True):
        assert t_quantile(p, df) == pytest.approx(expected, rel=1e-10)
        assert t_quantile(1 - p, df) == pytest.approx(-expected, rel=1e-9)


@pytest.mark.parametrize(("t", "df", "expected"), T_CDF)
def test_t_cdf_matches_scipy(t, df, expected):
    assert t_cdf(t, df) == pytest.approx(expected, rel=1e-10)


def test_by_hand_one_degree_of_freedom_is_cauchy_and_large_samples_normal():
    # With df = 1, t is Cauchy: P(T <= t) = 1/2 + atan(t)/pi, so the 95th percentile is tan(0.45 pi).
    assert t_cdf(1.0, 1) == pytest.approx(0.75, rel=1e-12)
    assert t_quantile(0.95, 1) == pytest.approx(math.tan(0.45 * math.pi), rel=1e-10)
    # With df = 2: P(T <= t) = 1/2 + t / (2 sqrt(2 + t^2)).
    assert t_cdf(1.5, 2) == pytest.approx(0.5 + 1.5 / (2 * math.sqrt(2 + 1.5**2)), rel=1e-12)
    assert t_quantile(0.95, 10**7) == pytest.approx(1.6448536269514722, rel=1e-6)  # the normal's
    assert incomplete_beta(2.0, 3.0, 0.0) == 0.0 and incomplete_beta(2.0, 3.0, 1.0) == 1.0
    assert incomplete_beta(1.0, 1.0, 0.3) == pytest.approx(0.3)  # uniform


@pytest.mark.parametrize(("values", "mean", "low", "high"), INTERVALS)
def test_intervals_of_the_mean_match_scipy(values, mean, low, high):
    found = mean_interval(values)
    assert (found.count, found.mean, found.confidence) == (len(values), pytest.approx(mean), 0.9)
    assert (found.low, found.high) == (pytest.approx(low, rel=1e-9), pytest.approx(high, rel=1e-9))
    # From the sums a SQL query returns, the same.
    sums = interval(len(values), sum(values), sum(v * v for v in values))
    assert (sums.low, sums.high) == (pytest.approx(low, rel=1e-9), pytest.approx(high, rel=1e-9))


def test_an_interval_by_hand_and_the_small_samples():
    # 1, 2, 3: mean 2, s = 1, t(0.95, 2) = 2.919985580353724: 2 +/- 2.92 / sqrt(3).
    found = mean_interval([1.0, 2.0, 3.0])
    assert found.margin == pytest.approx(2.919985580353724 / math.sqrt(3))
    assert mean_interval([]) == Estimate(0, None)
    assert mean_interval([-1.5]) == Estimate(1, -1.5)  # one response: a mean, no spread to measure
    assert mean_interval([-1.5]).margin is None
    # No spread (identical answers, common on a 7-point scale): a mean, and no zero-width "interval".
    same = mean_interval([0.7] * 5)
    assert same.mean == pytest.approx(0.7) and same.low is None and same.high is None and same.margin is None


def _ratio(points: list[tuple[float, float]]) -> Estimate:
    """The ratio interval of visits' (earned, possible) points, from the sums a SQL query returns."""
    return ratio_interval(len(points), sum(y for y, _ in points), sum(x for _, x in points),
                          sum(y * y for y, _ in points), sum(y * x for y, x in points), sum(x * x for _, x in points))


def test_a_ratio_interval_by_hand():
    # Visits of 8/10, 3/5 and 9/10: R = 20/25 = 80. Residuals y − 0.8x: 0, −1, +1, so Σd² = 2
    # (from the sums: Σy² − 2R·Σxy + R²·Σx² = 154 − 1.6·185 + 0.64·225 = 2). x̄ = 25/3; one visit's variance
    # 100² · 2 / (2 · (25/3)²) = 144; margin t(0.95, 2) · √(144/3) = 2.919985580353724 · √48.
    found = _ratio([(8, 10), (3, 5), (9, 10)])
    assert (found.count, found.mean, found.variance) == (3, pytest.approx(80.0), pytest.approx(144.0))
    assert found.margin == pytest.approx(2.919985580353724 * math.sqrt(48))


def test_a_ratio_of_equal_possibles_is_the_mean_of_the_visit_scores():
    points = [(10, 10), (5, 10), (10, 10), (0, 10), (7.5, 10)]
    expected = mean_interval([100 * y / x for y, x in points])
    found = _ratio(points)
    assert (found.mean, found.low, found.high, found.variance) == (
        pytest.approx(expected.mean), pytest.approx(expected.low), pytest.approx(expected.high),
        pytest.approx(expected.variance))


def test_ratio_intervals_of_small_and_empty_samples():
    assert _ratio([]) == Estimate(0, None)
    assert _ratio([(0, 0), (0, 0)]) == Estimate(2, None)  # nothing possible: no score
    assert _ratio([(4, 5)]) == Estimate(1, 80.0)  # one visit: a score, no interval
    same = _ratio([(10, 10), (5, 5)])  # both perfect: no spread, no zero-width interval
    assert (same.mean, same.low, same.variance) == (100.0, None, 0.0)


def test_wider_confidence_gives_a_wider_interval():
    values = [-2.0, 0.0, 2.0, -3.0]
    assert mean_interval(values, 0.95).margin > mean_interval(values).margin > mean_interval(values, 0.5).margin


@settings(deadline=None)  # a loaded CI machine can stall one example past Hypothesis's 200 ms
@given(st.floats(min_value=0.001, max_value=0.999), st.integers(min_value=1, max_value=500))
def test_the_quantile_inverts_the_cdf(p, df):
    # 1e-9: far finer than any interval shown, and above the float noise of the incomplete beta near p = 0.5.
    assert t_cdf(t_quantile(p, df), df) == pytest.approx(p, abs=1e-9)


def test_impossible_arguments_are_refused():
    with pytest.raises(ValueError):
        t_quantile(1.0, 3)
    with pytest.raises(ValueError):
        t_quantile(0.5, 0)
