"""Evidence integrity: signs that a visit's evidence may not be what it claims, and a trust score from them.

Pure: plain facts in (the visit's times, its photos' metadata, the branch's place, other visits' photos),
signals out. A signal is a reason for a reviewer to look closer; nothing is ever refused because of one.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

# How much each kind of signal lowers the trust score (the share of trust it takes away).
WEIGHTS = {
    "duplicate_file": 0.5,  # the very file of another visit
    "near_duplicate": 0.35,  # a resized or re-encoded copy of another visit's photo
    "far_gps": 0.3,  # taken far from the branch
    "camera_time": 0.25,  # taken outside the visit's times
    "short_visit": 0.25,  # far shorter than such a visit takes
    "no_metadata": 0.1,  # no camera time and no GPS: a screenshot, an edited or forwarded picture
}
MAX_NAMED = 5  # other visits named per kind of copy; the trust score counts a kind once anyway
MIN_MEDIAN_SAMPLE = 5  # earlier visits needed before their median stands for the expected duration
EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)


@dataclass(frozen=True)
class PhotoFacts:
    """What a photo of the visit tells: its file, its look, and its camera's time and place."""

    sha256: str
    phash: str | None = None
    taken_at: datetime | None = None
    position: tuple[float, float] | None = None


class Candidate(NamedTuple):
    """A photo of another visit, with a key that names that visit in the signals (a tuple: read by thousands)."""

    visit: object
    sha256: str
    phash: str | None = None


@dataclass(frozen=True)
class Thresholds:
    max_distance_m: float = 500
    time_slack: timedelta = timedelta(minutes=30)
    phash_distance: int = 6
    short_ratio: float = 0.33


@dataclass(frozen=True)
class Evidence:
    """One visit's facts: its times, photos, the branch's place, other visits' photos, its expected length."""

    started_at: datetime
    finished_at: datetime
    photos: list[PhotoFacts] = field(default_factory=list)
    branch_position: tuple[float, float] | None = None
    candidates: list[Candidate] = field(default_factory=list)
    expected: tuple[float, str] | None = None  # minutes, and where they come from: "checklist" or "median"


@dataclass(frozen=True)
class Signal:
    code: str
    weight: float
    params: dict

    def to_dict(self) -> dict:
        return asdict(self)


def assess(evidence: Evidence, limits: Thresholds) -> list[Signal]:
    """Return every signal the evidence raises, heaviest first."""
    found = [*_copies(evidence, limits.phash_distance), *_camera_time(evidence, limits.time_slack),
             *_far_gps(evidence, limits.max_distance_m), *_short_visit(evidence, limits.short_ratio),
             *_no_metadata(evidence)]
    return sorted(found, key=lambda signal: -signal.weight)


def trust(signals: list[Signal]) -> float:
    """Return 0-100: 100 x the product of (1 - weight) over the kinds of signal, each kind counted once."""
    strongest: dict[str, float] = {}
    for signal in signals:
        strongest[signal.code] = max(strongest.get(signal.code, 0.0), signal.weight)
    return round(100 * math.prod(1 - weight for weight in strongest.values()), 1)


def expected_minutes(declared: float | None, earlier: list[float]) -> tuple[float, str] | None:
    """Return how long such a visit takes: the checklist's figure, else the median of enough earlier visits."""
    if declared is not None:
        return declared, "checklist"
    if len(earlier) >= MIN_MEDIAN_SAMPLE:
        return statistics.median(earlier), "median"
    return None


def haversine_m(first: tuple[float, float], second: tuple[float, float]) -> float:
    """Return the great-circle distance in metres between two (latitude, longitude) points in degrees."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*first, *second))
    inner = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(inner)))


def _copies(evidence: Evidence, max_distance: int) -> list[Signal]:
    """Return a signal per other visit holding the same file, or a near copy, of one of this visit's photos."""
    same: dict[object, int] = {}
    near: dict[object, list[int]] = {}
    # Hashes read once as numbers: a visit is compared with thousands of photos.
    others = [(other.visit, other.sha256, int(other.phash, 16) if other.phash else None)
              for other in evidence.candidates]
    for photo in evidence.photos:
        same_in, near_in = set(), {}
        own = int(photo.phash, 16) if photo.phash else None
        for visit, sha256, phash in others:
            if sha256 == photo.sha256:
                same_in.add(visit)
            elif own is not None and phash is not None and (distance := (own ^ phash).bit_count()) <= max_distance:
                near_in[visit] = min(distance, near_in.get(visit, distance))
        for visit in same_in:
            same[visit] = same.get(visit, 0) + 1
        for visit, distance in near_in.items():
            if visit not in same_in:  # the same file there already says more
                near.setdefault(visit, []).append(distance)
    signals = [Signal("duplicate_file", WEIGHTS["duplicate_file"], {"visit": visit, "photos": count})
               for visit, count in list(same.items())[:MAX_NAMED]]
    signals += [Signal("near_duplicate", WEIGHTS["near_duplicate"],
                       {"visit": visit, "photos": len(distances), "distance": min(distances)})
                for visit, distances in list(near.items())[:MAX_NAMED]]
    return signals


def _camera_time(evidence: Evidence, slack: timedelta) -> list[Signal]:
    start, end = evidence.started_at - slack, evidence.finished_at + slack
    gaps = [max(start - photo.taken_at, photo.taken_at - end) for photo in evidence.photos
            if photo.taken_at is not None and not start <= photo.taken_at <= end]
    if not gaps:
        return []
    # How far the worst photo lies outside the visit's own times (the slack is only tolerance).
    minutes = round((max(gaps) + slack).total_seconds() / 60)
    return [Signal("camera_time", WEIGHTS["camera_time"], {"photos": len(gaps), "minutes": minutes})]


def _far_gps(evidence: Evidence, max_distance_m: float) -> list[Signal]:
    if evidence.branch_position is None:
        return []
    distances = [haversine_m(photo.position, evidence.branch_position) for photo in evidence.photos
                 if photo.position is not None]
    far = [distance for distance in distances if distance > max_distance_m]
    if not far:
        return []
    return [Signal("far_gps", WEIGHTS["far_gps"], {"photos": len(far), "metres": round(max(far))})]


def _short_visit(evidence: Evidence, ratio: float) -> list[Signal]:
    if evidence.expected is None:
        return []
    expected, source = evidence.expected
    minutes = (evidence.finished_at - evidence.started_at).total_seconds() / 60
    if minutes >= ratio * expected:
        return []
    return [Signal("short_visit", WEIGHTS["short_visit"],
                   {"minutes": round(minutes, 1), "expected": round(expected, 1), "source": source})]


def _no_metadata(evidence: Evidence) -> list[Signal]:
    bare = sum(1 for photo in evidence.photos if photo.taken_at is None and photo.position is None)
    return [Signal("no_metadata", WEIGHTS["no_metadata"], {"photos": bare})] if bare else []
