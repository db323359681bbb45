"""`make run` fires the daily workers every minute on the stack's movable today; a demo that moves the clock holds
them, so a daily run on whichever day the story shows does not add messages the story never told (it made
`make demo` fail on a slow machine: a tick during the story sent a year of 逾期履行通知书)."""

from __future__ import annotations

import json
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from devstack import clock
from devstack.__main__ import fire_scheduled_workers


def test_a_demo_move_holds_the_schedule_and_a_plain_move_or_reset_does_not(tmp_path: Path) -> None:
    path = clock.clock_path(tmp_path)
    assert not clock.schedule_held(path)  # no clock file
    clock.set_today(path, date(2025, 3, 1), hold_schedule=True)
    assert clock.schedule_held(path) and clock.read_offset(path) != 0
    clock.set_today(path, None)
    assert not clock.schedule_held(path) and clock.read_offset(path) == 0
    clock.set_today(path, date(2025, 3, 1))
    assert not clock.schedule_held(path)


def test_a_hold_ends_by_itself_if_the_demo_never_lets_go(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = clock.clock_path(tmp_path)
    clock.set_today(path, date(2025, 3, 1), hold_schedule=True)
    later = time.time() + clock.HOLD_SECONDS + 1
    monkeypatch.setattr(clock.time, "time", lambda: later)
    assert not clock.schedule_held(path)


def test_the_scheduler_skips_its_ticks_while_held(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fired: list[Any] = []
    for name in ("invoicing", "overdue", "lifecycle", "obligations", "anchor"):
        module = __import__(f"functions.{name}", fromlist=["handler"])
        monkeypatch.setattr(module, "handler", lambda event, context, n=name: fired.append(n))
    path = clock.clock_path(tmp_path)
    clock.set_today(path, date(2025, 3, 1), hold_schedule=True)
    stop = threading.Event()
    worker = threading.Thread(target=fire_scheduled_workers, args=(stop, 0.01, path), daemon=True)
    worker.start()
    time.sleep(0.2)
    assert fired == []
    path.write_text(json.dumps({"offset_days": 0}), encoding="utf-8")  # the demo put the clock back
    deadline = time.time() + 5
    while "obligations" not in fired and time.time() < deadline:
        time.sleep(0.02)
    stop.set()
    worker.join(timeout=5)
    assert {"invoicing", "overdue", "lifecycle", "obligations", "anchor"} <= set(fired)
