"""Media in a folder of this machine: written whole (temporary file, fsync, rename), keys as relative paths."""

from __future__ import annotations

import os
import re
import secrets
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .store import TMP_PREFIX, TRASH_PREFIX, MediaError, Opened, StoredObject, check_key, internal

PARTIAL = re.compile(r"(?P<name>.+)\.[0-9a-f]+\.partial")


@dataclass(frozen=True)
class LocalLeftover:
    """A partial write in tmp/, or a file in trash/ that a collector killed between its two renames left there."""

    path: Path
    name: str
    modified: float
    set_aside: bool

    @property
    def label(self) -> str:
        return self.path.name

    def read(self) -> bytes:
        return self.path.read_bytes()

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


class LocalMedia:
    """The media folder (INSPECTION_MEDIA_DIR)."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def path(self, key: str) -> Path:
        """Return where the object of a key lives."""
        return self.folder / check_key(key)

    def put(self, key: str, data: bytes) -> None:
        # Rewriting an existing file also refreshes its time, so the collector never takes a file that a
        # transaction about to commit has just named.
        final = self.path(key)
        temporary = self.folder / TMP_PREFIX / f"{final.name}.{secrets.token_hex(4)}.partial"
        try:
            temporary.parent.mkdir(parents=True, exist_ok=True)
            with open(temporary, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temporary, final)
            sync_folder(final.parent)  # the rename itself must survive a power cut that the commit survives
        except OSError as error:
            raise MediaError(f"the media folder {self.folder} did not take {key}: {error}") from error

    def get(self, key: str) -> bytes | None:
        try:
            return self.path(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None

    def open(self, key: str) -> Opened | None:
        try:
            stream = open(self.path(key), "rb")  # closed by whoever sends it
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None
        status = os.fstat(stream.fileno())
        return Opened(stream, status.st_size, status.st_mtime)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def objects(self, prefix: str = "") -> Iterator[StoredObject]:
        # Only the folder the prefix names is walked: a scorecard's cached copies are found without the photos.
        start = self.folder / prefix.rpartition("/")[0]
        found = []
        for path in start.rglob("*") if start.is_dir() else ():
            key = path.relative_to(self.folder).as_posix()
            if key.startswith(prefix) and not internal(key) and path.is_file():
                found.append(StoredObject(key, _mtime(path)))
        yield from sorted(found, key=lambda stored: stored.key)

    def delete_if_older(self, key: str, cutoff: float) -> bool:
        # Moved aside first, then its time read again: a writer that rewrote it before the move is seen (the
        # file is put back), one that writes after the move makes a new file that stays.
        path, trash = self.path(key), self.folder / TRASH_PREFIX
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

    def leftovers(self) -> list[LocalLeftover]:
        found = []
        tmp, trash = self.folder / TMP_PREFIX, self.folder / TRASH_PREFIX
        for path in tmp.iterdir() if tmp.is_dir() else ():
            match = PARTIAL.fullmatch(path.name)
            if match:
                found.append(LocalLeftover(path, match["name"], _mtime(path), set_aside=False))
        for path in trash.iterdir() if trash.is_dir() else ():
            found.append(LocalLeftover(path, path.name, _mtime(path), set_aside=True))
        return found

    def check(self) -> None:
        folder = self.folder / TMP_PREFIX
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=folder, prefix="ready-", suffix=".probe") as probe:
                probe.write(b"ready")
        except OSError as error:
            raise MediaError(f"the media folder {self.folder} takes no files: {error}") from error


def sync_folder(folder: Path) -> None:
    """Make a rename into or out of the folder durable: fsync the folder."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return time.time()
