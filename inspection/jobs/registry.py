"""What each kind of job runs: features register their tasks here, so that this package imports none of them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .models import Job, JobKind


@dataclass(frozen=True)
class Result:
    """What a finished job leaves: a stored output and its download name, or a link to what it made."""

    output: str | None = None
    filename: str | None = None
    link: str | None = None


@dataclass(frozen=True)
class Task:
    run: Callable[[Job], Result | None]
    # What follows the job (a bulk job's ZIP), in the transaction that records it done: if it fails, so does the
    # attempt, and the whole job is tried again.
    after: Callable[[Job], None] | None = None


TASKS: dict[JobKind, Task] = {}
# Run once by a worker before it takes jobs, so that no job pays for loading them (fonts, the PDF engine).
WARM_UPS: list[Callable[[], None]] = []


def task(kind: JobKind, after: Callable[[Job], None] | None = None):
    """Register the decorated function as what jobs of this kind run."""
    def register(run: Callable[[Job], Result | None]):
        TASKS[kind] = Task(run, after)
        return run
    return register


def warm_up(function: Callable[[], None]) -> Callable[[], None]:
    """Register a function a worker runs once before its first job."""
    if function not in WARM_UPS:
        WARM_UPS.append(function)
    return function
