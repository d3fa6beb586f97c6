"""Find and repair drift between the photo files the database names and those in the media store."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ..media.store import Leftover, MediaStore
from .processing import PhotoError, make_thumbnail
from .storage import STORED_NAME, photo_key, photo_name, thumbnail_name


@dataclass
class MediaReport:
    missing: list[str] = field(default_factory=list)  # named by a row, stored nowhere
    recovered: list[str] = field(default_factory=list)  # put back in place from a staged copy or the photo
    orphans: list[str] = field(default_factory=list)  # stored, named by no row, older than the grace period
    removed: list[str] = field(default_factory=list)
    stale_partials: list[str] = field(default_factory=list)  # staged or set-aside copies no longer needed
    recent_unreferenced: int = 0  # may belong to a transaction still under way: left alone

    @property
    def clean(self) -> bool:
        return not (self.missing or self.orphans or self.stale_partials)


def stored_files(store: MediaStore) -> dict[str, float]:
    """Return every stored photo file by name, with the time it was written."""
    return {name: stored.modified for stored in store.objects() if (name := photo_name(stored.key))}


def _spare_copies(store: MediaStore) -> dict[str, list[Leftover]]:
    """Return, by stored name, the copies outside the stored objects: partial writes and files set aside."""
    by_name: dict[str, list[Leftover]] = {}
    for leftover in store.leftovers():
        if STORED_NAME.fullmatch(leftover.name):
            by_name.setdefault(leftover.name, []).append(leftover)
    return by_name


def check(store: MediaStore, referenced: set[str], grace_seconds: float, repair: bool) -> MediaReport:
    """Compare named files with stored ones; with repair, restore what can be and collect the rest."""
    report, cutoff = MediaReport(), time.time() - grace_seconds
    stored, spares = stored_files(store), _spare_copies(store)
    for name in sorted(referenced - set(stored)):
        # A partial younger than the grace period may be a writer's file still being written: not taken.
        copies = [copy for copy in spares.get(name, []) if copy.set_aside or copy.modified <= cutoff]
        if repair and _restore(store, name, copies, stored):
            report.recovered.append(name)  # its other copies are collected below with the stale ones
            stored[name] = time.time()
        else:
            report.missing.append(name)
            spares.pop(name, None)  # the only trace of a lost file: left for a person to look at
    _collect_orphans(store, referenced, stored, cutoff, repair, report)
    for copy in (copy for copies in spares.values() for copy in copies):
        if copy.modified <= cutoff:
            report.stale_partials.append(copy.label)
            if repair:
                copy.discard()
    return report


def _collect_orphans(store: MediaStore, referenced: set[str], stored: dict[str, float], cutoff: float,
                     repair: bool, report: MediaReport) -> None:
    """Report the stored files no row names; with repair, remove those older than the cutoff."""
    for name, modified in sorted(stored.items()):
        if name in referenced:
            continue
        if modified > cutoff:
            report.recent_unreferenced += 1
            continue
        report.orphans.append(name)
        # Removed only if not written again meanwhile: a transaction about to commit may have just named it.
        if repair and store.delete_if_older(photo_key(name), cutoff):
            report.removed.append(name)


def _restore(store: MediaStore, name: str, staged: list[Leftover], stored: dict[str, float]) -> bool:
    """Put a missing file back: a complete staged copy of it, or a thumbnail made from its photo."""
    for copy in sorted(staged, key=lambda copy: copy.modified, reverse=True):
        data = copy.read()
        if _complete_jpeg(data):
            store.put(photo_key(name), data)
            copy.discard()
            return True
    photo = name.removesuffix("-thumb.jpg") + ".jpg"
    if name.endswith("-thumb.jpg") and photo in stored:
        original = store.get(photo_key(photo))
        try:
            thumbnail = make_thumbnail(original) if original is not None else None
        except PhotoError:
            return False
        if thumbnail is None:
            return False
        store.put(photo_key(name), thumbnail)
        return True
    return False


def _complete_jpeg(data: bytes) -> bool:
    """Tell a whole JPEG from one cut short by a crash: it starts with SOI and ends with EOI."""
    return data[:3] == b"\xff\xd8\xff" and data.rstrip(b"\0")[-2:] == b"\xff\xd9"


def referenced_with_thumbnails(names: set[str]) -> set[str]:
    """Return the photo names with their thumbnails' names."""
    return names | {thumbnail_name(name) for name in names if not name.endswith("-thumb.jpg")}
