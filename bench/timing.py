"""Small timing helpers shared by the benchmarks."""

import statistics
import time


def best_of(function, repeat: int = 5, number: int = 1) -> float:
    """Return the median seconds per call over `repeat` rounds of `number` calls."""
    rounds = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            function()
        rounds.append((time.perf_counter() - start) / number)
    return statistics.median(rounds)


def report(name: str, seconds: float, baseline: float, baseline_name: str) -> None:
    """Print one measurement with its ratio to the baseline."""
    print(f"{name:<34} {seconds * 1000:9.3f} ms   {seconds / baseline:6.2f}x {baseline_name}")
