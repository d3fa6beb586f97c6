"""Find and repair drift between the files the database names and the files on disk."""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from .processing import PhotoError, make_thumbnail
from .storage import STORED_NAME, TMP_DIR, media_path, thumbnail_name, write_file

SHARD = re.compile(r"[0-9a-f]{2}")
PARTIAL = re.compile(r"(?P<name>[0-9a-f]{32}(-thumb)?\.jpg)\.[0-9a-f]+\.partial")
TRASH_DIR = "trash"


@dataclass
class MediaReport:
    missing: list[str] = field(default_factory=list)  # named by a row, on disk nowhere
    recovered: list[str] = field(default_factory=list)  # put back in place from a staged copy or the photo
    orphans: list[str] = field(default_factory=list)  # on disk, named by no row, older than the grace period
    removed: list[str] = field(default_factory=list)
    stale_partials: list[str] = field(default_factory=list)  # staged or set-aside copies no longer needed
    recent_unreferenced: int = 0  # may belong to a transaction still under way: left alone

    @property
    def clean(self) -> bool:
        return not (self.missing or self.orphans or self.stale_partials)


def stored_files(media_dir: Path) -> dict[str, Path]:
    """Return every stored photo file by name."""
    found = {}
    for shard in media_dir.iterdir() if media_dir.is_dir() else ():
        if shard.is_dir() and SHARD.fullmatch(shard.name):
            found.update((path.name, path) for path in shard.iterdir() if STORED_NAME.fullmatch(path.name))
    return found


def _spare_copies(media_dir: Path) -> dict[str, list[Path]]:
    """Return, by stored name, the copies outside the shards: staged partials and files set aside to trash."""
    by_name: dict[str, list[Path]] = {}
    tmp, trash = media_dir / TMP_DIR, media_dir / TRASH_DIR
    for path in tmp.iterdir() if tmp.is_dir() else ():
        match = PARTIAL.fullmatch(path.name)
        if match:
            by_name.setdefault(match["name"], []).append(path)
    # A collector killed between its two renames leaves the only copy of a named file in trash.
    for path in trash.iterdir() if trash.is_dir() else ():
        if STORED_NAME.fullmatch(path.name):
            by_name.setdefault(path.name, []).append(path)
    return by_name


def check(media_dir: str | Path, referenced: set[str], grace_seconds: float, repair: bool) -> MediaReport:
    """Compare named files with stored ones; with repair, restore what can be and collect the rest."""
    media_dir, report = Path(media_dir), MediaReport()
    cutoff = time.time() - grace_seconds
    on_disk, partials = stored_files(media_dir), _spare_copies(media_dir)
    for name in sorted(referenced - set(on_disk)):
        # A partial younger than the grace period may be a writer's file still being written: not taken.
        copies = [path for path in partials.get(name, []) if path.parent.name == TRASH_DIR or _mtime(path) <= cutoff]
        if repair and _restore(media_dir, name, copies, on_disk):
            report.recovered.append(name)  # its other copies are collected below with the stale ones
            on_disk[name] = media_path(media_dir, name)
        else:
            report.missing.append(name)
            partials.pop(name, None)  # the only trace of a lost file: left for a person to look at
    for name, path in sorted(on_disk.items()):
        if name in referenced:
            continue
        if _mtime(path) > cutoff:
            report.recent_unreferenced += 1
            continue
        report.orphans.append(name)
        if repair and _collect(media_dir, path, cutoff):
            report.removed.append(name)
    for path in (path for paths in partials.values() for path in paths):
        if _mtime(path) <= cutoff:
            report.stale_partials.append(path.name)
            if repair:
                path.unlink(missing_ok=True)
    return report


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return time.time()


def _restore(media_dir: Path, name: str, staged: list[Path], on_disk: dict[str, Path]) -> bool:
    """Put a missing file back: a complete staged copy of it, or a thumbnail made from its photo."""
    for path in sorted(staged, key=_mtime, reverse=True):
        data = path.read_bytes()
        if _complete_jpeg(data):
            write_file(media_dir, name, data)
            path.unlink(missing_ok=True)
            return True
    photo = name.removesuffix("-thumb.jpg") + ".jpg"
    if name.endswith("-thumb.jpg") and photo in on_disk:
        try:
            write_file(media_dir, name, make_thumbnail(on_disk[photo].read_bytes()))
        except PhotoError:
            return False
        return True
    return False


def _complete_jpeg(data: bytes) -> bool:
    """Tell a whole JPEG from one cut short by a crash: it starts with SOI and ends with EOI."""
    return data[:3] == b"\xff\xd8\xff" and data.rstrip(b"\0")[-2:] == b"\xff\xd9"


def _collect(media_dir: Path, path: Path, cutoff: float) -> bool:
    """Remove an unreferenced file, unless a writer refreshed it while we looked (then it is kept)."""
    trash = media_dir / TRASH_DIR
    trash.mkdir(exist_ok=True)
    moved = trash / path.name
    try:
        os.replace(path, moved)
    except FileNotFoundError:
        return False
    if _mtime(moved) > cutoff:  # written again just now: a transaction is about to name it
        if path.exists():
            moved.unlink(missing_ok=True)
        else:
            os.replace(moved, path)
        return False
    moved.unlink(missing_ok=True)
    return True


def referenced_with_thumbnails(names: set[str]) -> set[str]:
    """Return the photo names with their thumbnails' names."""
    return names | {thumbnail_name(name) for name in names if not name.endswith("-thumb.jpg")}
