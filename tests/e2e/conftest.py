"""e2e: start the local stack (`python -m devstack run`) on free ports and drive it over HTTP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Stack:
    def __init__(self, state_dir: Path, proc: subprocess.Popen[bytes]) -> None:
        self.state_dir = state_dir
        self.proc = proc
        self.info: dict[str, Any] = json.loads((state_dir / "stack.json").read_text())
        self.keys: dict[str, str] = json.loads((state_dir / "credentials.json").read_text())
        self.env: dict[str, str] = json.loads((state_dir / "env.json").read_text())

    @property
    def api(self) -> str:
        return str(self.info["api_url"])

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        role: str | None = "operator",
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> tuple[int, Any, dict[str, str]]:
        h = {"Content-Type": "application/json", **(headers or {})}
        if role:
            h["Authorization"] = f"Bearer {self.keys[role]}"
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        req = urllib.request.Request(self.api + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                status, payload, hdrs = resp.status, resp.read(), dict(resp.headers)
        except urllib.error.HTTPError as err:
            status, payload, hdrs = err.code, err.read(), dict(err.headers)
        text = payload.decode("utf-8")
        try:
            return status, json.loads(text), hdrs
        except json.JSONDecodeError:
            return status, text, hdrs

    def emails(self) -> list[dict[str, Any]]:
        with urllib.request.urlopen(self.info["aws_endpoint_url"] + "/moto-api/data.json", timeout=30) as resp:
            data = json.loads(resp.read())
        return list(data.get("ses", {}).get("Message", []))

    def wait_for_emails(self, predicate: Any, count: int = 1, timeout: float = 20.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.emails() if predicate(m)]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.3)

    def worker(self, name: str, as_of: str) -> dict[str, Any]:
        out = subprocess.run(
            [sys.executable, "-m", f"functions.{name}", "--as-of", as_of],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, **self.env, "PYTHONPATH": str(ROOT)},
        )
        return dict(json.loads(out.stdout))


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    state_dir = tmp_path_factory.mktemp("stack")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HETONG_", "AWS_"))}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "devstack",
            "run",
            "--api-port",
            str(free_port()),
            "--moto-port",
            str(free_port()),
            "--state-dir",
            str(state_dir),
            "--schedule-seconds",
            "0",
        ],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    assert proc.stdout is not None
    lines = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline().decode()
        lines.append(line)
        if "Hetong is running." in line:
            break
        if proc.poll() is not None:
            raise RuntimeError("the local stack exited:\n" + "".join(lines))
    else:
        proc.kill()
        raise RuntimeError("the local stack did not start:\n" + "".join(lines))
    # Keep draining its output so the pipe never fills and blocks the stack.
    import threading

    threading.Thread(target=lambda: [None for _ in iter(proc.stdout.readline, b"")], daemon=True).start()  # type: ignore[union-attr]
    yield Stack(state_dir, proc)
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
