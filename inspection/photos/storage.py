"""Photo files named by their content, written in full before the database commits.

A crash can then leave at worst a file that no row names yet, never a row without its file; such
files are collected by `flask media check --repair` once they are older than a grace period.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from contextlib import contextmanager
from pathlib import Path

from ..db import write_transaction

TMP_DIR = "tmp"
STORED_NAME = re.compile(r"[0-9a-f]{32}(-thumb)?\.jpg")


def content_name(data: bytes) -> str:
    """Return the stored name of a photo: a digest of its bytes, so a retry writes the same file."""
    return hashlib.sha256(data).hexdigest()[:32] + ".jpg"


def thumbnail_name(stored_name: str) -> str:
    """Return the thumbnail's file name for a photo's stored name."""
    return stored_name.removesuffix(".jpg") + "-thumb.jpg"


def media_path(media_dir: str | Path, name: str) -> Path:
    """Return where a stored file lives: sharded by its first two characters."""
    if not STORED_NAME.fullmatch(name):
        raise ValueError(f"not a stored file name: {name!r}")
    return Path(media_dir) / name[:2] / name


def existing_media_path(media_dir: str | Path, name: str) -> Path | None:
    """Return the file of a stored name if it is there, else None (the caller answers 404)."""
    path = media_path(media_dir, name)
    return path if path.is_file() else None


def write_file(media_dir: str | Path, name: str, data: bytes) -> None:
    """Write a stored file whole and durable: temporary file, fsync, then rename over the final name."""
    # Rewriting an existing file also refreshes its time, so the collector never takes a file that a
    # transaction about to commit has just named.
    final = media_path(media_dir, name)
    tmp_dir = Path(media_dir) / TMP_DIR
    tmp_dir.mkdir(parents=True, exist_ok=True)
    temporary = tmp_dir / f"{name}.{secrets.token_hex(4)}.partial"
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(temporary, final)
    sync_folder(final.parent)  # the rename itself must survive a power cut that the commit survives


def sync_folder(folder: Path) -> None:
    """Make a rename into or out of the folder durable: fsync the folder."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class PendingFiles:
    """Files a transaction will name, written to their final names before it commits."""

    def __init__(self, media_dir: str | Path):
        self.media_dir = Path(media_dir)
        self.files: dict[str, bytes] = {}
        self.written: set[str] = set()

    def add(self, name: str, data: bytes) -> None:
        media_path(self.media_dir, name)  # refuse a bad name now, not at commit time
        if name not in self.written:
            self.files[name] = data

    def add_photo(self, image: bytes, thumbnail: bytes) -> str:
        """Add a photo and its thumbnail; return the photo's stored name."""
        name = content_name(image)
        self.add(name, image)
        self.add(thumbnail_name(name), thumbnail)
        return name

    def write(self) -> None:
        for name, data in self.files.items():
            write_file(self.media_dir, name, data)
            self.written.add(name)
        self.files.clear()


@contextmanager
def write_with_files(media_dir: str | Path, photos=(), reload: bool = True):
    """Run one write transaction; the files it names are on disk before it commits (reload: write_transaction's)."""
    # Photos known beforehand are written before the transaction takes the database's write lock
    # (SQLite holds one for the whole transaction), so that fsyncs never keep other writers waiting.
    pending = PendingFiles(media_dir)
    for photo in photos:
        pending.add_photo(photo.image, photo.thumbnail)
    pending.write()
    with write_transaction(reload):
        yield pending
        pending.write()
