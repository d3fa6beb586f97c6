"""Where jobs keep their files (ZIPs, exports, PDFs): every read and write of them goes through here, by name.

Names are relative paths under the media folder's `jobs/` (`<job id>/<file>`); a file appears whole or not at
all (written aside, then renamed), so that a reader never gets half of one.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from flask import current_app

FOLDER = "jobs"
NAME = re.compile(r"[0-9a-f]{32}(/[A-Za-z0-9][A-Za-z0-9._-]{0,120})*")


def _path(name: str) -> Path:
    if not NAME.fullmatch(name):
        raise ValueError(f"not a job output name: {name[:100]!r}")
    return Path(current_app.config["MEDIA_DIR"]) / FOLDER / name


@contextmanager
def writing(name: str) -> Iterator[BinaryIO]:
    """Yield a file to write the output into; it takes its name only when the block ends without an error."""
    path = _path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.parent / f".{path.name}.{secrets.token_hex(4)}"
    try:
        with open(temporary, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def put(name: str, data: bytes) -> None:
    """Store an output whole."""
    with writing(name) as handle:
        handle.write(data)


def exists(name: str) -> bool:
    return _path(name).is_file()


def get(name: str) -> bytes | None:
    """Return an output's bytes, or None if there is none of this name."""
    try:
        return _path(name).read_bytes()
    except FileNotFoundError:
        return None


def open_output(name: str) -> BinaryIO | None:
    """Return an output opened for reading (to send it), or None if there is none of this name."""
    try:
        return open(_path(name), "rb")
    except FileNotFoundError:
        return None


def delete(name: str) -> None:
    """Delete one output, or every output under a job's name (its folder)."""
    path = _path(name)
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
