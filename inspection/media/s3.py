"""Media in an S3-compatible bucket through boto3: one client per process, keys as the local relative paths."""

from __future__ import annotations

import mimetypes
import os
import threading
from collections.abc import Iterator

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from .store import TMP_PREFIX, MediaError, Opened, StoredObject, check_key, internal

NOT_FOUND = {"404", "NoSuchKey", "NotFound"}
READY_KEY = f"{TMP_PREFIX}/ready"
# Short enough that a probe or a request gives up well before gunicorn's 60 s timeout; "standard" retries
# throttling and dropped connections three times in all.
CLIENT_CONFIG = {"connect_timeout": 5, "read_timeout": 20, "retries": {"max_attempts": 3, "mode": "standard"}}
_clients: dict[tuple, object] = {}
_lock = threading.Lock()


def client_for(endpoint_url: str | None, region: str | None):
    """Return this process's client for an endpoint: made once (clients are thread-safe), again after a fork."""
    identity = (os.getpid(), endpoint_url, region)
    with _lock:
        if identity not in _clients:
            # Path-style addresses (host/bucket/key) for S3-compatible servers, which seldom resolve bucket.host.
            style = {"s3": {"addressing_style": "path"}} if endpoint_url else {}
            _clients[identity] = boto3.session.Session().client(
                "s3", endpoint_url=endpoint_url, region_name=region, config=Config(**CLIENT_CONFIG, **style))
        return _clients[identity]


def _missing(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in NOT_FOUND


class S3Media:
    """A bucket (INSPECTION_S3_BUCKET) at AWS or at INSPECTION_S3_ENDPOINT_URL; credentials from boto3's chain."""

    def __init__(self, bucket: str, endpoint_url: str | None = None, region: str | None = None):
        self.bucket, self.endpoint_url, self.region = bucket, endpoint_url, region

    @property
    def client(self):
        return client_for(self.endpoint_url, self.region)

    def _call(self, operation: str, **params):
        """Run one S3 call on the bucket; a failure other than a missing object becomes a MediaError."""
        try:
            return getattr(self.client, operation)(Bucket=self.bucket, **params)
        except ClientError as error:
            if _missing(error):
                raise
            raise MediaError(f"S3 {operation} on bucket {self.bucket} failed: {error}") from error
        except BotoCoreError as error:
            raise MediaError(f"S3 {operation} on bucket {self.bucket} failed: {error}") from error

    def put(self, key: str, data: bytes) -> None:
        # A PUT is atomic: readers see the old object or the new one, never a part.
        content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
        self._call("put_object", Key=check_key(key), Body=data, ContentType=content_type)

    def get(self, key: str) -> bytes | None:
        opened = self.open(key)
        if opened is None:
            return None
        with opened.stream:
            return opened.stream.read()

    def open(self, key: str) -> Opened | None:
        try:
            answer = self._call("get_object", Key=check_key(key))
        except ClientError:
            return None
        return Opened(answer["Body"], answer["ContentLength"], answer["LastModified"].timestamp())

    def exists(self, key: str) -> bool:
        return self._modified(key) is not None

    def _modified(self, key: str) -> float | None:
        try:
            return self._call("head_object", Key=check_key(key))["LastModified"].timestamp()
        except ClientError:
            return None

    def delete(self, key: str) -> None:
        self._call("delete_object", Key=check_key(key))

    def objects(self, prefix: str = "") -> Iterator[StoredObject]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        try:
            for page in pages:
                for entry in page.get("Contents", ()):
                    if not internal(entry["Key"]):
                        yield StoredObject(entry["Key"], entry["LastModified"].timestamp())
        except (ClientError, BotoCoreError) as error:
            raise MediaError(f"S3 listing of bucket {self.bucket} failed: {error}") from error

    def delete_if_older(self, key: str, cutoff: float) -> bool:
        # S3 has no delete-if-unchanged on ordinary buckets: the object's time is read again right before the
        # delete, so only a rewrite within that one round trip could be lost (see docs/deploy.md).
        modified = self._modified(key)
        if modified is None or modified > cutoff:
            return False
        self.delete(key)
        return True

    def leftovers(self) -> tuple:
        return ()  # a PUT is whole or absent, and the collector sets nothing aside

    def check(self) -> None:
        # One small PUT over the same key each time: proves the bucket takes objects, leaves no litter.
        self._call("put_object", Key=READY_KEY, Body=b"ready")
