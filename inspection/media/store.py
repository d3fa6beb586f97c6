"""The interface every media backend keeps, and the keys of its objects."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import BinaryIO, Protocol

# Prefixes a backend keeps for itself: writes under way (local), files the collector set aside, the readiness
# probe. Never listed as stored objects, so that neither the collector nor a backup takes them.
TMP_PREFIX = "tmp"
TRASH_PREFIX = "trash"
INTERNAL_PREFIXES = (TMP_PREFIX, TRASH_PREFIX)


class MediaError(Exception):
    """The storage did not do what was asked (unreachable, refused, out of space); the message says which."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    modified: float  # seconds since the epoch: when it was last written (a rewrite refreshes it)


@dataclass(frozen=True)
class Opened:
    """A stored object opened for reading: the stream to send, its length and time."""

    stream: BinaryIO
    size: int
    modified: float


class Leftover(Protocol):
    """A copy a crash left beside the stored objects: a partial write, or a file the collector set aside."""

    name: str  # the last part of the key it is a copy of
    label: str  # how a report names it
    modified: float
    set_aside: bool  # complete, moved aside by a collector killed before it finished

    def read(self) -> bytes: ...

    def discard(self) -> None: ...


class MediaStore(Protocol):
    """Objects named by keys like relative paths (`ab/ab12….jpg`, `scorecards/….pdf`)."""

    def put(self, key: str, data: bytes) -> None:
        """Store the bytes whole and durable under the key; a rewrite refreshes its time."""

    def get(self, key: str) -> bytes | None:
        """Return the object's bytes, or None when there is no such object."""

    def open(self, key: str) -> Opened | None:
        """Open the object for streaming, or None when there is no such object."""

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove the object; removing a missing one is no error."""

    def objects(self, prefix: str = "") -> Iterator[StoredObject]:
        """Yield every stored object whose key starts with the prefix, in key order, internal ones left out."""

    def delete_if_older(self, key: str, cutoff: float) -> bool:
        """Remove the object unless it was written after cutoff (a writer is about to name it); True if removed."""

    def leftovers(self) -> Iterable[Leftover]:
        """Return the copies a crash left outside the stored objects."""

    def check(self) -> None:
        """Raise MediaError unless the storage takes a new object now (readiness)."""


def check_key(key: str) -> str:
    """Refuse a key that is empty, absolute or climbs out of the store; return it."""
    path = PurePosixPath(key)
    if not key or path.is_absolute() or str(path) != key or any(part in (".", "..") for part in path.parts):
        raise ValueError(f"not a media key: {key!r}")
    return key


def internal(key: str) -> bool:
    """Tell the keys a backend keeps for itself from stored objects."""
    return key.split("/", 1)[0] in INTERNAL_PREFIXES
