"""What a signed-in user's device keeps for working with no network, and the version of the app shell."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .. import access
from ..auth.models import User
from ..catalog.services import get_catalog
from ..checklists import Checklist

# The folders of the app shell; a change to any file in them is a new version of the app.
SHELL_FOLDERS = ("css", "js", "icons")


def shell_version(static_folder: str) -> str:
    """Return a short digest of the shell's files, so that a deployment with new ones updates every device."""
    digest = hashlib.sha256()
    for folder in SHELL_FOLDERS:
        for path in sorted((Path(static_folder) / folder).rglob("*")):
            if path.is_file():
                digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def fillable_checklists(user: User) -> list[Checklist]:
    """Return the checklists a user may fill in, each a form their device keeps."""
    return [c for c in get_catalog().checklists.values() if access.can(user, "checklist.fill", c)]
