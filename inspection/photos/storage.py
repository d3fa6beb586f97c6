"""Photo files named by their content, written in full to the media store before the database commits.

A crash can then leave at worst a file that no row names yet, never a row without its file; such
files are collected by `flask media check --repair` once they are older than a grace period.
"""

from __future__ import annotations

import hashlib
import re
from contextlib import contextmanager

from ..db import write_transaction
from ..media.store import MediaStore

STORED_NAME = re.compile(r"[0-9a-f]{32}(-thumb)?\.jpg")
PHOTO_KEY = re.compile(r"(?P<shard>[0-9a-f]{2})/(?P<name>[0-9a-f]{32}(-thumb)?\.jpg)")


def content_name(data: bytes, digest: str | None = None) -> str:
    """Return the stored name of a photo: its SHA-256 (given, or taken here), so a retry writes the same file."""
    return (digest or hashlib.sha256(data).hexdigest())[:32] + ".jpg"


def thumbnail_name(stored_name: str) -> str:
    """Return the thumbnail's file name for a photo's stored name."""
    return stored_name.removesuffix(".jpg") + "-thumb.jpg"


def photo_key(name: str) -> str:
    """Return the media key of a stored name: sharded by its first two characters."""
    if not STORED_NAME.fullmatch(name):
        raise ValueError(f"not a stored file name: {name!r}")
    return f"{name[:2]}/{name}"


def photo_name(key: str) -> str | None:
    """Return the stored name a media key holds, or None for a key that is not a photo's."""
    match = PHOTO_KEY.fullmatch(key)
    return match["name"] if match and match["name"].startswith(match["shard"]) else None


class PendingFiles:
    """Files a transaction will name, written to the store before it commits."""

    def __init__(self, store: MediaStore):
        self.store = store
        self.files: dict[str, bytes] = {}
        self.written: set[str] = set()

    def add(self, name: str, data: bytes) -> None:
        photo_key(name)  # refuse a bad name now, not at commit time
        if name not in self.written:
            self.files[name] = data

    def add_photo(self, image: bytes, thumbnail: bytes, digest: str | None = None) -> str:
        """Add a photo and its thumbnail (digest: the photo's SHA-256, if known); return the photo's stored name."""
        name = content_name(image, digest)
        self.add(name, image)
        self.add(thumbnail_name(name), thumbnail)
        return name

    def add_processed(self, photo) -> str:
        """Add a processed photo (photos.processing.ProcessedPhoto) and its thumbnail; return its stored name."""
        return self.add_photo(photo.image, photo.thumbnail, photo.image_sha256)

    def write(self) -> None:
        for name, data in self.files.items():
            self.store.put(photo_key(name), data)
            self.written.add(name)
        self.files.clear()


@contextmanager
def write_with_files(store: MediaStore, photos=(), reload: bool = True):
    """Run one write transaction; the files it names are stored before it commits (reload: write_transaction's)."""
    # Photos known beforehand are written before the transaction takes the database's write lock
    # (SQLite holds one for the whole transaction), so that fsyncs and uploads never keep other writers waiting.
    pending = PendingFiles(store)
    for photo in photos:
        pending.add_processed(photo)
    pending.write()
    with write_transaction(reload):
        yield pending
        pending.write()
