"""Photo files: staged under temporary names, published only after the database commits."""

from __future__ import annotations

import os
import re
import secrets
from contextlib import contextmanager
from pathlib import Path

from ..db import write_transaction

TMP_DIR = "tmp"
STORED_NAME = re.compile(r"[0-9a-f]{32}(-thumb)?\.jpg")


def new_stored_name() -> str:
    """Return an unguessable file name for a photo."""
    return secrets.token_hex(16) + ".jpg"


def thumbnail_name(stored_name: str) -> str:
    """Return the thumbnail's file name for a photo's stored name."""
    return stored_name.removesuffix(".jpg") + "-thumb.jpg"


def media_path(media_dir: str | Path, name: str) -> Path:
    """Return where a stored file lives: sharded by its first two characters."""
    if not STORED_NAME.fullmatch(name):
        raise ValueError(f"not a stored file name: {name!r}")
    return Path(media_dir) / name[:2] / name


class StagedFiles:
    """Files written under temporary names, to be moved into place or discarded together."""

    def __init__(self, media_dir: str | Path):
        self.media_dir = Path(media_dir)
        self.pending: list[tuple[Path, Path]] = []

    def stage(self, name: str, data: bytes) -> None:
        """Write data under a temporary name; it becomes `name` on publish."""
        tmp_dir = self.media_dir / TMP_DIR
        tmp_dir.mkdir(parents=True, exist_ok=True)
        temporary = tmp_dir / f"{name}.{secrets.token_hex(4)}.partial"
        temporary.write_bytes(data)
        self.pending.append((temporary, media_path(self.media_dir, name)))

    def publish(self) -> None:
        """Move every staged file to its final name."""
        for temporary, final in self.pending:
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temporary, final)
        self.pending.clear()

    def discard(self) -> None:
        """Delete every staged file."""
        for temporary, _ in self.pending:
            temporary.unlink(missing_ok=True)
        self.pending.clear()


@contextmanager
def write_with_files(media_dir: str | Path):
    """Run one write transaction whose staged files appear only if it commits."""
    staged = StagedFiles(media_dir)
    try:
        with write_transaction():
            yield staged
    except BaseException:
        staged.discard()
        raise
    staged.publish()
