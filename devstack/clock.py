"""The local stack's movable "today": the system time shifted by `offset_days` kept in `<state dir>/clock.json`.

`python -m devstack clock DATE|reset` (and the demo) write that file; the API and the workers that
`python -m devstack run` starts read it on every call, because devstack installs this clock through
`chalicelib.bootstrap.use_clock`. Production code knows nothing of it: deployed stacks use the real date."""

from __future__ import annotations

import json
import os
import time
from datetime import date, datetime, timedelta
from pathlib import Path

FILE_NAME = "clock.json"
# How long a time-travelling demo holds the stack's scheduled workers at most (it lets go when it ends; this bounds
# a demo that was killed before it could).
HOLD_SECONDS = 900.0


def clock_path(state_dir: Path | str) -> Path:
    return Path(state_dir) / FILE_NAME


def read_offset(path: Path | str) -> int:
    try:
        with open(path, encoding="utf-8") as fh:
            return int(json.load(fh).get("offset_days", 0))
    except (FileNotFoundError, ValueError, AttributeError):
        return 0  # no clock file, or an unreadable one: the real date


def write_atomic(path: Path, text: str) -> None:
    """The API and the workers read the file on every call and must never see it half-written."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def set_today(path: Path, day: date | None, hold_schedule: bool = False) -> date:
    """Moves the stack's today to `day` (None: back to the real date); returns the real today it counted from.
    `hold_schedule`: `make run`'s scheduled workers skip their ticks meanwhile (for HOLD_SECONDS at most), so a
    story told on moved days (the demo) is not joined by a daily run on whichever day the clock shows then."""
    from chalicelib.domain.calendar import today_shanghai

    real = today_shanghai()
    state: dict[str, float | int] = {"offset_days": 0 if day is None else (day - real).days}
    if hold_schedule:
        state["schedule_held_until"] = time.time() + HOLD_SECONDS
    write_atomic(path, json.dumps(state) + "\n")
    return real


def schedule_held(path: Path | str) -> bool:
    """Whether a time-travelling story holds the scheduled workers now (see set_today)."""
    try:
        with open(path, encoding="utf-8") as fh:
            return float(json.load(fh).get("schedule_held_until", 0)) > time.time()
    except (FileNotFoundError, ValueError, AttributeError, TypeError):
        return False


class OffsetFileClock:
    """System time shifted by the offset in `path`, read on every call so a running stack follows each move."""

    def __init__(self, path: Path | str) -> None:
        self._path = path

    def now(self) -> datetime:
        from chalicelib.domain.calendar import utc_now

        return utc_now() + timedelta(days=read_offset(self._path))


def install(path: Path | str) -> None:
    """Runs this process's API and workers on the stack's movable clock."""
    from chalicelib.bootstrap import use_clock

    use_clock(OffsetFileClock(path))
