"""One small client for the local stack, shared by the demo, the e2e tests and the bench: a stack's files
(stack.json, credentials.json, env.json in its state dir), JSON over HTTP with a role's bearer key, the emails
moto's SES kept and the signing links in them, a worker run as `python -m functions.<name> --as-of`, and
starting a stack of one's own on free ports."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r"https?://[^\s\"<>]+/sign/[A-Za-z0-9_\-]+")
Email = dict[str, Any]  # moto's shape (/moto-api/data.json): id, destinations.ToAddresses, subject, body


class StackError(RuntimeError):
    """The stack could not be started or reached, or a worker run on it failed."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_env() -> dict[str, str]:
    """This process's environment without AWS or Hetong settings (a stack's own come from its env.json)."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("HETONG_", "AWS_"))}


# ---- emails ----------------------------------------------------------------------------------------------------
def recipients(message: Mapping[str, Any]) -> list[str]:
    return list((message.get("destinations") or {}).get("ToAddresses", []))


def token_of(link: str) -> str:
    return link.rsplit("/", 1)[1]


def newest_link(messages: Iterable[Mapping[str, Any]], address: str, subject_has: str = "") -> str | None:
    """The last signing link of the newest email to `address` (with `subject_has` in its subject) that has one."""
    for message in reversed(list(messages)):
        if address in recipients(message) and subject_has in str(message.get("subject", "")):
            found = LINK.findall(str(message.get("body", "")))
            if found:
                return str(found[-1])
    return None


def moto_inbox(endpoint: str, timeout: float = 30.0) -> list[Email]:
    """The emails a moto server kept, oldest first (reading makes moto serialise its whole state)."""
    url = endpoint.rstrip("/") + "/moto-api/data.json"
    with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - the local moto server
        data = json.loads(resp.read())
    ses = data.get("ses", {})
    # moto lists raw messages (those with attachments) apart: they come after the simple ones here.
    raw = [from_raw(m["id"], m.get("raw_data", "")) for m in ses.get("RawMessage", [])]
    return list(ses.get("Message", [])) + raw


def moto_inbox_in_process(region: str = "us-east-1") -> list[Email]:
    """The same for moto running in this process (integration tests, the bench)."""
    from moto.core import DEFAULT_ACCOUNT_ID  # type: ignore[attr-defined]
    from moto.ses.models import ses_backends

    return [
        from_raw(m.id, m.raw_data)
        if hasattr(m, "raw_data")
        else {
            "id": m.id,
            "destinations": dict(m.destinations),
            "subject": str(getattr(m, "subject", "")),
            "body": str(getattr(m, "body", "")),
        }
        for m in ses_backends[DEFAULT_ACCOUNT_ID][region].sent_messages
    ]


def from_raw(message_id: str, raw: str) -> Email:
    """A raw MIME message in the simple messages' shape: its text and HTML as `body`, plus `attachments`
    ({"filename", "content_type", "data"})."""
    from email import message_from_string, policy
    from email.utils import getaddresses

    message: Any = message_from_string(raw, policy=policy.default)
    bodies, attachments = [], []
    for part in message.walk():
        if part.is_multipart():
            continue
        if part.get_filename():
            attachments.append(
                {"filename": part.get_filename(), "content_type": part.get_content_type(), "data": part.get_content()}
            )
        else:
            bodies.append(str(part.get_content()))
    return {
        "id": message_id,
        "destinations": {"ToAddresses": [addr for _, addr in getaddresses([str(message["To"] or "")]) if addr]},
        "subject": str(message["Subject"] or ""),
        "body": "\n".join(bodies),
        "attachments": attachments,
    }


# ---- a running stack ---------------------------------------------------------------------------------------
@dataclass
class LocalStack:
    """A running local stack: its files, and its process when this client started it."""

    state_dir: Path
    info: dict[str, Any]
    keys: dict[str, str]
    env: dict[str, str]
    proc: subprocess.Popen[bytes] | None = None
    own_dir: bool = False
    user_agent: str | None = None

    @classmethod
    def load(cls, state_dir: Path) -> LocalStack:
        def read(name: str) -> Any:
            return json.loads((state_dir / name).read_text(encoding="utf-8"))

        return cls(state_dir, read("stack.json"), read("credentials.json"), read("env.json"))

    @property
    def api(self) -> str:
        return str(self.info["api_url"]).rstrip("/")

    def answering(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.api}/openapi.json", timeout=2) as resp:  # noqa: S310 - local API
                return bool(resp.status == 200)
        except Exception:  # noqa: BLE001 - not answering, whatever the reason
            return False

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        role: str | None = "operator",
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
        timeout: float = 30.0,
    ) -> tuple[int, Any, dict[str, str]]:
        """(status, JSON body or text, headers) as a staff role (its bearer key) or, with role=None, a signer."""
        h = {"Content-Type": "application/json", **({"User-Agent": self.user_agent} if self.user_agent else {})}
        h.update(headers or {})
        if role:
            h["Authorization"] = f"Bearer {self.keys[role]}"
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode("utf-8"))
        req = urllib.request.Request(self.api + path, data=data, method=method, headers=h)  # noqa: S310
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - the local API
                status, payload, hdrs = int(resp.status), resp.read(), dict(resp.headers)
        except urllib.error.HTTPError as err:
            status, payload, hdrs = int(err.code), err.read(), dict(err.headers)
        text = payload.decode("utf-8")
        try:
            return status, json.loads(text), hdrs
        except json.JSONDecodeError:
            return status, text, hdrs

    def emails(self, timeout: float = 30.0) -> list[Email]:
        return moto_inbox(str(self.info["aws_endpoint_url"]), timeout)

    def wait_for_emails(self, predicate: Callable[[Email], Any], count: int = 1, timeout: float = 20.0) -> list[Email]:
        """The emails matching `predicate` once there are `count` of them, or what there is after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.emails() if predicate(m)]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.3)

    def worker(self, name: str, as_of: str, timeout: float = 60.0) -> dict[str, Any]:
        """`python -m functions.<name> --as-of <as_of>` against this stack; its JSON result."""
        proc = subprocess.run(
            [sys.executable, "-m", f"functions.{name}", "--as-of", as_of],
            cwd=ROOT,
            env={**clean_env(), **self.env, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if proc.returncode != 0:
            raise StackError(f"the {name} worker failed (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
        try:
            return dict(json.loads(proc.stdout))
        except ValueError:
            raise StackError(f"the {name} worker printed no JSON result: {proc.stdout[-500:]!r}") from None

    def stop(self) -> None:
        """Stops the stack this client started (a stack found running is left alone)."""
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
            self.proc = None
        if self.own_dir:
            shutil.rmtree(self.state_dir, ignore_errors=True)


def start_stack(state_dir: Path | None = None, timeout: float = 90.0) -> LocalStack:
    """`python -m devstack run` on free ports, without scheduled workers, in `state_dir` (default: a temporary
    directory removed by stop())."""
    own_dir = state_dir is None
    state_dir = Path(tempfile.mkdtemp(prefix="hetong-stack-")) if state_dir is None else state_dir
    ports = ["--api-port", str(free_port()), "--moto-port", str(free_port())]
    proc = subprocess.Popen(
        [sys.executable, "-m", "devstack", "run", *ports, "--state-dir", str(state_dir), "--schedule-seconds", "0"],
        cwd=ROOT,
        env={**clean_env(), "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert proc.stdout is not None
    stdout = proc.stdout
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        # Reads the stack's output to the end so the pipe never fills and blocks it, and keeps all of it in the
        # state directory's stack.log: a test that fails on the stack can be read there afterwards.
        with (state_dir / "stack.log").open("ab") as log:
            for raw in iter(stdout.readline, b""):
                log.write(raw)
                log.flush()
                if not ready.is_set():
                    lines.append(raw.decode("utf-8", "replace"))
                    if "Hetong is running." in lines[-1]:
                        ready.set()

    threading.Thread(target=read, name="local-stack-output", daemon=True).start()
    deadline = time.monotonic() + timeout
    while not ready.wait(0.2):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            if own_dir:
                shutil.rmtree(state_dir, ignore_errors=True)
            raise StackError("the local stack did not start:\n" + "".join(lines[-30:]))
    stack = LocalStack.load(state_dir)
    stack.proc, stack.own_dir = proc, own_dir
    return stack
