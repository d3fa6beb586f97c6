"""Copy media objects out of the media store into a backup folder, and back into the store."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path, PurePosixPath

from ..media.store import MediaStore, check_key

PARTIAL_SUFFIX = ".partial"
CHUNK = 1024 * 1024


def safe_name(name: str) -> PurePosixPath:
    """Refuse a name that would leave the folder it is relative to (a manifest is read from disk)."""
    try:
        return PurePosixPath(check_key(name))
    except ValueError:
        raise ValueError(f"not a media file name: {name!r}") from None


def export(store: MediaStore, key: str, destination: Path) -> str | None:
    """Copy one object into the backup whole and durable, hashing on the way; None if it is gone meanwhile."""
    opened = store.open(key)
    if opened is None:  # removed since it was listed (a stale scorecard copy): not part of the backup
        return None
    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary = destination.with_name(destination.name + PARTIAL_SUFFIX)
    digest = hashlib.sha256()
    with opened.stream as reader, open(temporary, "wb") as writer:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
            writer.write(chunk)
        writer.flush()
        os.fsync(writer.fileno())
    os.replace(temporary, destination)
    return digest.hexdigest()


def restore(store: MediaStore, source: Path, key: str) -> None:
    """Put one object of a checked backup back into the store under its key."""
    store.put(key, source.read_bytes())


def file_hash(path: Path) -> str:
    """Return the sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as reader:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def remove_tree(folder: Path) -> None:
    """Remove a half-written backup folder."""
    shutil.rmtree(folder, ignore_errors=True)
