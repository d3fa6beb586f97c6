"""Empirical-Bayes shrinkage: pull each group's mean toward its parent's (staff toward their branch), in pure Python.

A mean of three visits is noisier than a mean of three hundred; ranking by raw means puts lucky small samples on
top. The model: group i's true mean θᵢ lies around its parent's mean μᵢ with variance τ² (how much groups really
differ), and its observed mean ȳᵢ of nᵢ observations lies around θᵢ with variance σ²/nᵢ (sampling noise).

    σ²  = Σ (nᵢ − 1)·sᵢ² / Σ (nᵢ − 1)                  pooled within-group variance (groups of two or more)
    τ²  = max(0, (1/k) · Σ [(ȳᵢ − μᵢ)² − σ²/nᵢ])        method of moments: E[(ȳᵢ − μᵢ)²] = τ² + σ²/nᵢ
    wᵢ  = τ² / (τ² + σ²/nᵢ)
    shrunkᵢ = wᵢ·ȳᵢ + (1 − wᵢ)·μᵢ

With τ² = 0 (groups differ no more than their noise explains) every group is shrunk all the way to its parent's
mean; with σ² = 0 (no spread within any group, or none measurable) no mean moves. The parents' means are taken as
known although they come from the same data, which makes τ² slightly small and the pull slightly strong: the
cautious side for a ranking.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Group:
    """One group's sample: its parent, size, mean and variance of one observation (None below two)."""

    key: Hashable
    parent: Hashable
    count: int
    mean: float
    variance: float | None = None


@dataclass(frozen=True)
class Shrinkage:
    """The variances estimated, and each group's weight on its own mean and its shrunk mean."""

    between: float  # τ²
    within: float  # σ²
    weights: dict[Hashable, float] = field(default_factory=dict)
    shrunk: dict[Hashable, float] = field(default_factory=dict)


def pooled_variance(groups: Sequence[Group]) -> float:
    """Return σ²: the groups' variances weighted by their degrees of freedom, 0 when none has two observations."""
    freedom = sum(group.count - 1 for group in groups if group.count >= 2 and group.variance is not None)
    if not freedom:
        return 0.0
    return sum((group.count - 1) * group.variance for group in groups
               if group.count >= 2 and group.variance is not None) / freedom


def between_variance(groups: Sequence[Group], priors: Mapping[Hashable, float], within: float) -> float:
    """Return τ² by the method of moments, floored at 0."""
    if not groups:
        return 0.0
    excess = sum((group.mean - priors[group.parent]) ** 2 - within / group.count for group in groups)
    return max(0.0, excess / len(groups))


def shrink(groups: Sequence[Group], priors: Mapping[Hashable, float]) -> Shrinkage:
    """Return every group's mean shrunk toward its parent's mean in `priors` (see the module's formulas)."""
    if any(group.count < 1 for group in groups):
        raise ValueError("every group needs at least one observation")
    within = pooled_variance(groups)
    between = between_variance(groups, priors, within)
    weights, shrunk = {}, {}
    for group in groups:
        noise = within / group.count
        weight = 1.0 if noise == 0 else between / (between + noise)
        weights[group.key] = weight
        shrunk[group.key] = weight * group.mean + (1 - weight) * priors[group.parent]
    return Shrinkage(between, within, weights, shrunk)
