"""Where the media files of a backup come from and go back to: the local media folder today."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from ..photos.storage import TMP_DIR

PARTIAL_SUFFIX = ".partial"
CHUNK = 1024 * 1024


class LocalMedia:
    """The media folder on this machine (INSPECTION_MEDIA_DIR)."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def names(self) -> Iterator[str]:
        """Yield the relative name of every file, skipping the uploads still being written."""
        if not self.folder.is_dir():
            return
        for path in sorted(self.folder.rglob("*")):
            relative = path.relative_to(self.folder)
            if path.is_file() and relative.parts[0] != TMP_DIR and not path.name.endswith(PARTIAL_SUFFIX):
                yield relative.as_posix()

    def export(self, name: str, destination: Path) -> str:
        """Copy a file out of the media folder; return its sha256."""
        return copy_file(self.folder / name, destination)

    def restore(self, source: Path, name: str) -> str:
        """Put a file back under its name; return its sha256."""
        return copy_file(source, self.folder / safe_name(name))


def media_store(config) -> LocalMedia:
    """Return the media backend the configuration names (only the local folder so far)."""
    return LocalMedia(config["MEDIA_DIR"])


def safe_name(name: str) -> PurePosixPath:
    """Refuse a name that would leave the folder it is relative to (a manifest is read from disk)."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ValueError(f"not a media file name: {name!r}")
    return path


def copy_file(source: Path, destination: Path) -> str:
    """Copy whole and durable (temporary name, fsync, rename), hashing on the way; return the sha256."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary = destination.with_name(destination.name + PARTIAL_SUFFIX)
    digest = hashlib.sha256()
    with open(source, "rb") as reader, open(temporary, "wb") as writer:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
            writer.write(chunk)
        writer.flush()
        os.fsync(writer.fileno())
    os.replace(temporary, destination)
    return digest.hexdigest()


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
