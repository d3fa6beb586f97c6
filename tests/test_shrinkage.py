"""Empirical-Bayes shrinkage against values worked out by hand, and its edge cases."""

from __future__ import annotations

import pytest

from inspection.shrinkage import Group, between_variance, pooled_variance, shrink

pytestmark = pytest.mark.engine

# Three staff in two branches, scores per visit (0..100):
#   A (branch E1): 30 visits, 24 × 100 and 6 × 50  -> mean 90, squares about the mean 24·10² + 6·40² = 12000
#   B (branch E2):  2 visits, 100 and 100           -> mean 100, squares 0
#   C (branch E2): 10 visits, 2 × 100 and 8 × 50    -> mean 60, squares 2·40² + 8·10² = 4000
# Branch means (all their visits): E1 = 90, E2 = (200 + 600) / 12 = 200/3.
CROWD = [Group("A", "E1", 30, 90.0, 12000 / 29), Group("B", "E2", 2, 100.0, 0.0), Group("C", "E2", 10, 60.0, 4000 / 9)]
PRIORS = {"E1": 90.0, "E2": 200 / 3}


def test_the_crowd_by_hand():
    # σ² = (12000 + 0 + 4000) / (29 + 1 + 9) = 16000/39
    within = 16000 / 39
    assert pooled_variance(CROWD) == pytest.approx(within)
    # τ² = ((90 − 90)² − σ²/30 + (100 − 200/3)² − σ²/2 + (60 − 200/3)² − σ²/10) / 3
    #    = (10000/9 + 400/9 − σ²·(1/30 + 1/2 + 1/10)) / 3 = (10400/9 − σ²·19/30) / 3 ≈ 298.575
    between = (10400 / 9 - within * 19 / 30) / 3
    assert between == pytest.approx(298.5755, abs=1e-4)
    assert between_variance(CROWD, PRIORS, within) == pytest.approx(between)
    result = shrink(CROWD, PRIORS)
    assert (result.within, result.between) == (pytest.approx(within), pytest.approx(between))
    # B: w = τ² / (τ² + σ²/2) ≈ 0.59276, shrunk = 200/3 + w·(100 − 200/3) ≈ 86.425: below A's 90.
    weight_b = between / (between + within / 2)
    assert result.weights["B"] == pytest.approx(weight_b) and weight_b == pytest.approx(0.59276, abs=1e-5)
    assert result.shrunk["B"] == pytest.approx(200 / 3 + weight_b * 100 / 3)
    assert result.shrunk["B"] == pytest.approx(86.425, abs=1e-3)
    # A sits on its branch's mean: whatever its weight, it stays at 90.
    assert result.shrunk["A"] == pytest.approx(90.0)
    assert result.weights["A"] == pytest.approx(between / (between + within / 30))
    # C: w = τ² / (τ² + σ²/10) ≈ 0.87919, shrunk ≈ 200/3 − 0.87919 · 20/3 ≈ 60.805
    assert result.shrunk["C"] == pytest.approx(200 / 3 - between / (between + within / 10) * 20 / 3)
    assert result.shrunk["C"] == pytest.approx(60.805, abs=1e-3)
    # The raw order B (100) > A (90) is reversed: two perfect visits no longer outrank thirty very good ones.
    assert sorted(result.shrunk, key=result.shrunk.get, reverse=True) == ["A", "B", "C"]


def test_no_spread_between_groups_shrinks_everything_to_the_prior():
    # Means 80 and 70 around a prior of 75, each of 4 visits with variance 400:
    # σ² = 400, τ² = max(0, ((25 − 100) + (25 − 100)) / 2) = 0: both shrink to 75.
    groups = [Group("x", "b", 4, 80.0, 400.0), Group("y", "b", 4, 70.0, 400.0)]
    result = shrink(groups, {"b": 75.0})
    assert result.between == 0.0
    assert result.shrunk == {"x": 75.0, "y": 75.0} and result.weights == {"x": 0.0, "y": 0.0}


def test_one_group_on_its_own_parent_mean_keeps_it():
    result = shrink([Group("only", "b", 5, 82.0, 30.0)], {"b": 82.0})
    assert (result.within, result.between, result.shrunk) == (30.0, 0.0, {"only": 82.0})


def test_one_group_off_its_prior():
    # σ² = 20 (its own), τ² = (90 − 80)² − 20/5 = 96, w = 96 / (96 + 4) = 0.96, shrunk = 80 + 0.96 · 10 = 89.6
    result = shrink([Group("g", "r", 5, 90.0, 20.0)], {"r": 80.0})
    assert (result.within, result.between) == (20.0, 96.0)
    assert result.shrunk["g"] == pytest.approx(89.6)


def test_zero_variance_within_groups_moves_nothing():
    # Every visit of a group scored the same: no sampling noise to discount, the means stand.
    groups = [Group("x", "b", 3, 100.0, 0.0), Group("y", "b", 3, 50.0, 0.0)]
    result = shrink(groups, {"b": 75.0})
    assert result.within == 0.0 and result.between == 625.0
    assert result.shrunk == {"x": 100.0, "y": 50.0} and result.weights == {"x": 1.0, "y": 1.0}


def test_a_single_visit_counts_toward_tau_but_not_sigma():
    # σ² from the two-visit group only: 50. τ² = ((60 − 70)² − 50/1 + (75 − 70)² − 50/2) / 2 = (50 + 0) / 2 = 25.
    # The single visit: w = 25 / (25 + 50) = 1/3, shrunk = 70 + (60 − 70)/3 = 66.667.
    groups = [Group("one", "b", 1, 60.0), Group("two", "b", 2, 75.0, 50.0)]
    result = shrink(groups, {"b": 70.0})
    assert (result.within, result.between) == (50.0, 25.0)
    assert result.shrunk["one"] == pytest.approx(70 - 10 / 3)
    assert result.shrunk["two"] == pytest.approx(70 + 25 / (25 + 25) * 5)


def test_only_single_visits_leave_the_means_alone():
    # No group has two visits: the noise of one visit cannot be measured, so nothing is discounted.
    result = shrink([Group("a", "b", 1, 40.0), Group("c", "b", 1, 90.0)], {"b": 65.0})
    assert result.within == 0.0 and result.shrunk == {"a": 40.0, "c": 90.0}


def test_nothing_and_empty_groups():
    assert shrink([], {}).shrunk == {}
    with pytest.raises(ValueError):
        shrink([Group("a", "b", 0, 0.0)], {"b": 0.0})
