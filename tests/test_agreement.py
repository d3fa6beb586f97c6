"""The agreement statistics against published worked examples, and against statsmodels and scikit-learn."""

from __future__ import annotations

import random

import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.formula.api import ols
from statsmodels.stats.anova import anova_lm
from statsmodels.stats.inter_rater import fleiss_kappa as statsmodels_fleiss

from inspection.agreement import agreement, band, category_counts, cohen_kappa, fleiss_kappa, icc, median, mode

pytestmark = pytest.mark.engine

# Fleiss (1971), Table 1 as the Wikipedia article "Fleiss' kappa" works it: 10 subjects, 14 raters, 5 categories.
FLEISS_1971 = [
    [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
]
# Shrout & Fleiss (1979), Table 2: 6 targets rated by 4 judges.
SHROUT_FLEISS_1979 = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]


def test_fleiss_kappa_of_the_published_table():
    assert fleiss_kappa(FLEISS_1971) == pytest.approx(0.2099, abs=5e-5)  # the article's κ ≈ 0.210


def test_icc_2_1_of_the_published_judges():
    assert round(icc(SHROUT_FLEISS_1979), 2) == 0.29  # Shrout & Fleiss report ICC(2,1) = .29


def test_icc_of_raters_who_agree_exactly_is_one_and_a_constant_offset_lowers_it():
    ratings = [[1.0, 1.0, 1.0], [0.5, 0.5, 0.5], [0.0, 0.0, 0.0]]
    assert icc(ratings) == pytest.approx(1.0)
    shifted = [[value + 0.2 * rater for rater, value in enumerate(row)] for row in ratings]
    assert icc(shifted) < 1.0  # absolute agreement: a rater who scores everything higher disagrees


@pytest.mark.parametrize("seed", range(20))
def test_fleiss_kappa_equals_statsmodels_on_random_tables(seed):
    rng = random.Random(seed)
    raters, categories = rng.randint(2, 9), rng.randint(2, 6)
    labels = [[rng.randrange(categories) for _ in range(raters)] for _ in range(rng.randint(2, 30))]
    table = category_counts(labels)
    assert fleiss_kappa(table) == pytest.approx(statsmodels_fleiss(table), abs=1e-12)


@pytest.mark.parametrize("seed", range(20))
def test_cohen_kappa_equals_scikit_learn_on_random_labels(seed):
    rng = random.Random(seed)
    categories = ["met", "not met", "na", 4][:rng.randint(2, 4)]
    # Two categories at least (with one, scikit-learn answers nan where we answer None: tested below).
    first = categories[:2] + [rng.choice(categories) for _ in range(rng.randint(0, 40))]
    # The second rater copies the first now and then, so that kappas spread above and below zero.
    second = [label if rng.random() < 0.5 else rng.choice(categories) for label in first]
    codes = {label: str(label) for label in categories}
    expected = cohen_kappa_score([codes[x] for x in first], [codes[x] for x in second])
    assert cohen_kappa(first, second) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("seed", range(10))
def test_icc_equals_the_mean_squares_of_statsmodels_two_way_anova(seed):
    """ICC(2,1) from statsmodels' ANOVA of subject + rater, an independent way to the same mean squares."""
    rng = random.Random(seed)
    subjects, raters = rng.randint(3, 12), rng.randint(2, 6)
    bias = [rng.gauss(0, 0.5) for _ in range(raters)]
    matrix = [[truth + bias[r] + rng.gauss(0, 1) for r in range(raters)]
              for truth in (rng.gauss(5, 2) for _ in range(subjects))]
    frame = pd.DataFrame([{"score": value, "subject": s, "rater": r}
                          for s, row in enumerate(matrix) for r, value in enumerate(row)])
    table = anova_lm(ols("score ~ C(subject) + C(rater)", data=frame).fit())
    msr, msc, mse = (table.loc[name, "mean_sq"] for name in ("C(subject)", "C(rater)", "Residual"))
    expected = (msr - mse) / (msr + (raters - 1) * mse + raters * (msc - mse) / subjects)
    assert icc(matrix) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("table", [
    [],  # no subject
    [[3, 0], [3, 0]],  # every rating in one category
    [[1, 0], [0, 1]],  # one rater
])
def test_fleiss_kappa_is_none_where_it_is_not_defined(table):
    assert fleiss_kappa(table) is None


def test_fleiss_kappa_refuses_subjects_rated_by_different_numbers_of_raters():
    with pytest.raises(ValueError, match="same number"):
        fleiss_kappa([[2, 1], [1, 1]])


def test_cohen_kappa_is_none_without_subjects_or_variety_and_refuses_unequal_lists():
    assert cohen_kappa([], []) is None
    assert cohen_kappa([True, True], [True, True]) is None
    assert cohen_kappa(["a", "b"], ["a", "b"]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="same subjects"):
        cohen_kappa(["a"], ["a", "b"])


@pytest.mark.parametrize("matrix", [
    [],  # no subject
    [[1.0, 2.0]],  # one subject
    [[1.0], [2.0]],  # one rater
    [[0.5, 0.5], [0.5, 0.5]],  # no variance at all
    [[0.0, 1.0], [1.0, 0.0]],  # 2 × 2 with no subject or rater effect: the denominator is zero
])
def test_icc_is_none_where_it_is_not_defined(matrix):
    assert icc(matrix) is None


def test_icc_refuses_a_missing_cell():
    with pytest.raises(ValueError, match="every rater"):
        icc([[1.0, 2.0], [1.0]])


def test_consensus_helpers():
    assert mode(["met", "met", "not met"]) == "met"
    assert mode(["met", "not met"]) is None and mode([]) is None  # a tie, and nothing, have no consensus
    assert median([3.0, 9.0, 4.0]) == 4.0 and median([1, 2]) == 1.5 and median([]) is None
    assert agreement(["a", "a", "b", "c"]) == 0.5 and agreement([]) is None
    assert [band(k) for k in (None, -0.1, 0.0, 0.2, 0.21, 0.6, 0.61, 0.95)] == [
        None, "poor", "slight", "slight", "fair", "moderate", "substantial", "almost_perfect"]
