"""Where jobs keep their files (ZIPs, exports, PDFs): every read and write of them goes through here, by name.

Names are `<job id>/<file>`, kept in the media store (the folder or the bucket) under `jobs/`, so that every app
process and worker sees them; an output appears whole or not at all (the store's put is whole).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from ..extensions import media_store

FOLDER = "jobs"
NAME = re.compile(r"[0-9a-f]{32}(/[A-Za-z0-9][A-Za-z0-9._-]{0,120})*")
# An output being written stays in memory up to this size, then spills to a temporary file.
SPOOL_BYTES = 8 * 1024 * 1024


def _key(name: str) -> str:
    if not NAME.fullmatch(name):
        raise ValueError(f"not a job output name: {name[:100]!r}")
    return f"{FOLDER}/{name}"


@contextmanager
def writing(name: str) -> Iterator[BinaryIO]:
    """Yield a file to write the output into; it is stored only when the block ends without an error."""
    key = _key(name)
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as handle:
        yield handle
        handle.seek(0)
        media_store().put(key, handle.read())


def put(name: str, data: bytes) -> None:
    """Store an output whole."""
    media_store().put(_key(name), data)


def exists(name: str) -> bool:
    return media_store().exists(_key(name))


def get(name: str) -> bytes | None:
    """Return an output's bytes, or None if there is none of this name."""
    return media_store().get(_key(name))


def open_output(name: str) -> BinaryIO | None:
    """Return an output opened for reading (to send it), or None if there is none of this name."""
    opened = media_store().open(_key(name))
    return None if opened is None else opened.stream


def delete(name: str) -> None:
    """Delete one output, or every output under a job's name (its folder)."""
    store, key = media_store(), _key(name)
    for stored in list(store.objects(key + "/")):
        store.delete(stored.key)
    if store.exists(key):
        store.delete(key)
