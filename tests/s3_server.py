"""moto's S3 server for the media tests: started on a free loopback port, stopped by its pid."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

from inspection.media.s3 import client_for

WAIT_SECONDS = 30
REGION = "us-east-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}


def free_port() -> int:
    """Return a loopback port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):
            return True
    except (urllib.error.URLError, OSError):
        return False


def _start(log: Path) -> tuple[subprocess.Popen, str]:
    """Start one server and wait until it answers; raise if it exits first (its port was taken meanwhile)."""
    port = free_port()
    with open(log, "ab") as output:
        process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                   stdout=output, stderr=subprocess.STDOUT)
    url, deadline = f"http://127.0.0.1:{port}", time.monotonic() + WAIT_SECONDS
    while not _answers(url):
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process)
            raise RuntimeError(f"moto_server did not start on port {port}:\n{log.read_text(errors='replace')}")
        time.sleep(0.05)
    return process, url


@contextmanager
def running(log: Path):
    """Yield the address of a running moto S3 server; kill it afterwards."""
    for attempt in range(3):
        try:
            process, url = _start(log)
            break
        except RuntimeError:
            if attempt == 2:
                raise
    try:
        yield url
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    """Kill the server by its pid and reap it."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=WAIT_SECONDS)


def new_bucket(url: str) -> str:
    """Create a bucket of its own for one test app; return its name."""
    name = f"media-{uuid.uuid4().hex[:16]}"
    client_for(url, REGION).create_bucket(Bucket=name)  # the client the apps share: made once per process
    return name
