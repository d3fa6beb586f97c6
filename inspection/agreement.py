"""How far evaluators agree: Fleiss' and Cohen's kappa, the intraclass correlation ICC(2,1), and consensus.

Pure Python: no web or database code. Degenerate inputs (fewer than two raters, every answer in one category,
no variance at all) have no defined statistic: the functions return None rather than divide by zero.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Hashable, Sequence

# Landis & Koch (1977): the customary words for a kappa above each bound (0 to 0.20 is slight, below 0 poor).
BANDS = ((0.8, "almost_perfect"), (0.6, "substantial"), (0.4, "moderate"), (0.2, "fair"))
# Below this share of the mean squares, a denominator counts as zero (float sums of equal values).
RELATIVE_ZERO = 1e-12


def fleiss_kappa(counts: Sequence[Sequence[int]]) -> float | None:
    """Return Fleiss' kappa of a subjects × categories table of how many raters put each subject in each category.

    Every subject must have been rated by the same number of raters (ValueError otherwise); None without a
    subject, with fewer than two raters, or when every rating falls in one category.
    """
    if not counts:
        return None
    raters = sum(counts[0])
    if any(sum(row) != raters for row in counts):
        raise ValueError("every subject needs the same number of ratings")
    if raters < 2:
        return None
    subjects = len(counts)
    observed = sum((sum(n * n for n in row) - raters) / (raters * (raters - 1)) for row in counts) / subjects
    shares = [sum(column) / (subjects * raters) for column in zip(*counts, strict=True)]
    expected = sum(share * share for share in shares)
    if expected >= 1 - RELATIVE_ZERO:
        return None
    return (observed - expected) / (1 - expected)


def category_counts(ratings: Sequence[Sequence[Hashable]]) -> list[list[int]]:
    """Return the subjects × categories count table of ratings given as one list of labels per subject."""
    categories = sorted({label for row in ratings for label in row}, key=repr)
    return [[Counter(row)[category] for category in categories] for row in ratings]


def cohen_kappa(first: Sequence[Hashable], second: Sequence[Hashable]) -> float | None:
    """Return Cohen's kappa of two raters' labels for the same subjects; None without subjects or variety."""
    if len(first) != len(second):
        raise ValueError("both raters must label the same subjects")
    if not first:
        return None
    total = len(first)
    observed = sum(1 for a, b in zip(first, second, strict=True) if a == b) / total
    first_counts, second_counts = Counter(first), Counter(second)
    expected = sum(first_counts[label] * second_counts[label] for label in first_counts) / (total * total)
    if expected >= 1 - RELATIVE_ZERO:
        return None
    return (observed - expected) / (1 - expected)


def icc(matrix: Sequence[Sequence[float]]) -> float | None:
    """Return ICC(2,1) of Shrout & Fleiss (1979): two-way random effects, absolute agreement, one rater.

    `matrix` is subjects × raters with no missing cell; None below two subjects or two raters, or when the
    ratings have no variance to compare.
    """
    subjects = len(matrix)
    raters = len(matrix[0]) if matrix else 0
    if subjects < 2 or raters < 2:
        return None
    if any(len(row) != raters for row in matrix):
        raise ValueError("every subject needs a rating from every rater")
    grand = sum(map(sum, matrix)) / (subjects * raters)
    row_means = [sum(row) / raters for row in matrix]
    column_means = [sum(column) / subjects for column in zip(*matrix, strict=True)]
    between_subjects = raters * sum((mean - grand) ** 2 for mean in row_means)
    between_raters = subjects * sum((mean - grand) ** 2 for mean in column_means)
    total = sum((value - grand) ** 2 for row in matrix for value in row)
    msr = between_subjects / (subjects - 1)
    msc = between_raters / (raters - 1)
    mse = max(0.0, total - between_subjects - between_raters) / ((subjects - 1) * (raters - 1))
    denominator = msr + (raters - 1) * mse + raters * (msc - mse) / subjects
    if denominator <= RELATIVE_ZERO * max(msr, msc, mse):  # no variance, or none between raters and subjects
        return None
    return (msr - mse) / denominator


def mode(values: Sequence[Hashable]) -> Hashable | None:
    """Return the answer given most often, or None when there is none or two answers share the top."""
    ranked = Counter(values).most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def median(values: Sequence[float]) -> float | None:
    """Return the median of numbers, or None without any."""
    return statistics.median(values) if values else None


def agreement(values: Sequence[Hashable]) -> float | None:
    """Return the share of answers that equal the most frequent one (ties count once), or None without answers."""
    if not values:
        return None
    return Counter(values).most_common(1)[0][1] / len(values)


def band(kappa: float | None) -> str | None:
    """Return Landis & Koch's word for a kappa (poor below 0), or None without one."""
    if kappa is None:
        return None
    return next((name for low, name in BANDS if kappa > low), "slight" if kappa >= 0 else "poor")
