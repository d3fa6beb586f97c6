"""HTTP plumbing of the load run: a stdlib client for loopback, a request budget, requests sent together."""

import http.client
import io
import json
import threading
import time
import uuid
from dataclasses import dataclass, field

HOST = "127.0.0.1"  # load is only ever sent to loopback
TIMEOUT = 60  # seconds one request may take before it counts as a request error


class OutOfBudget(Exception):
    """The request cap or the wall-clock cap is reached: start nothing more."""


class Budget:
    """Bound a run: at most `requests` requests, and none started after `seconds`."""

    def __init__(self, requests: float, seconds: float):
        self.left, self.deadline, self.taken = requests, time.monotonic() + seconds, 0
        self.exhausted = False
        self._lock = threading.Lock()

    def reserve(self, count: int) -> int:
        """Take the requests of one whole operation, or none of them (OutOfBudget); return the first one's number."""
        with self._lock:
            if count > self.left or time.monotonic() > self.deadline:
                self.exhausted = True
                raise OutOfBudget
            self.left -= count
            self.taken += count
            return self.taken - count

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())


@dataclass
class Record:
    """One request and what became of it."""

    kind: str  # what the scenario meant by it: submit, retry, twin, conflict, race, correct, ...
    method: str
    path: str
    visit: str | None = None
    step: str = ""  # the review action of a race request
    status: int | None = None  # None: no answer at all, see error
    body: dict = field(default_factory=dict)
    error: str = ""
    seconds: float = 0.0

    def __str__(self) -> str:
        outcome = self.status if self.status is not None else self.error
        return f"{self.method} {self.path} [{self.kind}{' ' + self.step if self.step else ''}] -> {outcome}"


def multipart(document: dict, files: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    """Encode the JSON document as part `visit` and each (item, JPEG) as part `photo.<item>`."""
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="visit"\r\n\r\n'.encode())
    out.write(json.dumps(document, ensure_ascii=False).encode("utf-8") + b"\r\n")
    for number, (item_id, data) in enumerate(files):
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="photo.{item_id}"; '
                  f'filename="{item_id}-{number}.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'.encode())
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


class Client:
    """Send one request per connection (gunicorn's sync workers close each one) and log every outcome."""

    def __init__(self, port: int, log):
        self.port, self.log = port, log

    def call(self, kind: str, method: str, path: str, token: str | None = None, document: dict | None = None,
             files: list | None = None, gate: threading.Barrier | None = None, **labels) -> Record:
        """Connect, wait at the gate (if any) so that racing requests leave together, then send."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        body = None
        if files is not None:
            body, headers["Content-Type"] = multipart(document, files)
        elif document is not None:
            body, headers["Content-Type"] = json.dumps(document).encode(), "application/json"
        record = Record(kind, method, path, **labels)
        connection = http.client.HTTPConnection(HOST, self.port, timeout=TIMEOUT)
        try:
            connection.connect()
            if gate is not None:
                gate.wait(timeout=TIMEOUT)
            started = time.perf_counter()
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            raw = response.read()
            record.seconds, record.status = time.perf_counter() - started, response.status
            record.body = _json(raw)
        except (OSError, http.client.HTTPException, threading.BrokenBarrierError) as error:
            record.error = f"{type(error).__name__}: {error}"
        finally:
            connection.close()
        self.log(record)
        return record

    def submit(self, kind: str, token: str, draft, gate=None) -> Record:
        return self.call(kind, "POST", "/api/v1/visits", token, draft.body, draft.photos, gate, visit=draft.id)

    def review(self, token: str, visit_id: str, action: str, gate=None) -> Record:
        document = {"action": action, "comment": "请复核后重新提交" if action == "return" else "",
                    "item_comments": {"greeting-time": "计时需复核"} if action == "return" else {}}
        return self.call("race", "POST", f"/api/v1/visits/{visit_id}/review", token, document, None, gate,
                         visit=visit_id, step=action)

    def correct(self, kind: str, token: str, visit_id: str, document: dict, photos: list, gate=None) -> Record:
        return self.call(kind, "PUT", f"/api/v1/visits/{visit_id}", token, document, photos or None, gate,
                         visit=visit_id)


def _json(raw: bytes) -> dict:
    try:
        parsed = json.loads(raw)
    except ValueError:
        return {"raw": raw[:500].decode("utf-8", "replace")}
    return parsed if isinstance(parsed, dict) else {"json": parsed}


def together(calls: list) -> list[Record]:
    """Run each call(gate) in a thread of its own; their requests leave the moment all are connected."""
    gate = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int) -> None:
        try:
            results[index] = calls[index](gate=gate)
        except BaseException as error:  # noqa: BLE001 - reported as this request's outcome
            results[index] = Record("bug", "?", "?", error=repr(error))

    threads = [threading.Thread(target=run, args=(index,), daemon=True) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=2 * TIMEOUT + 5)
    return [result or Record("hung", "?", "?", error="thread did not finish") for result in results]
