"""The media backend the settings choose, checked before the app starts."""

from __future__ import annotations

import re
from collections.abc import Mapping

from .store import MediaStore

STORAGES = ("local", "s3")
BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
ENDPOINT_URL = re.compile(r"https?://[^/?#\s]+/?")


def build_store(config: Mapping) -> MediaStore:
    """Return the backend the settings name; refuse settings that cannot work with a RuntimeError."""
    storage = config["MEDIA_STORAGE"]
    if storage == "local":
        from .local import LocalMedia

        return LocalMedia(config["MEDIA_DIR"])
    if storage != "s3":
        raise RuntimeError(f"INSPECTION_MEDIA_STORAGE must be one of {', '.join(STORAGES)}, not {storage!r}")
    bucket, endpoint = config["S3_BUCKET"], config["S3_ENDPOINT_URL"]
    if not BUCKET_NAME.fullmatch(bucket or ""):
        raise RuntimeError(f"INSPECTION_S3_BUCKET must name an S3 bucket (3-63 lower-case letters, digits, dots "
                           f"and hyphens) when INSPECTION_MEDIA_STORAGE=s3, not {bucket!r}")
    if endpoint and not ENDPOINT_URL.fullmatch(endpoint):
        raise RuntimeError(f"INSPECTION_S3_ENDPOINT_URL must be an http:// or https:// address, not {endpoint!r}")
    from .s3 import S3Media  # boto3 is imported only by installations that store media in S3

    return S3Media(bucket, endpoint or None, config["S3_REGION"] or None)
