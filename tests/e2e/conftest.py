"""e2e: start the local stack (`python -m devstack run`) on free ports and drive it over HTTP with devstack's
client (the one the demo and the bench use)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.client import LocalStack, start_stack

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    yield from _running(tmp_path_factory.mktemp("stack"))


@pytest.fixture
def own_stack(tmp_path: Path) -> Iterator[LocalStack]:
    """A stack with nothing but what this test puts on it. The daily jobs walk every due item on a stack, and the
    fuzz lists every contract: on the shared stack they would do that for every other test's contracts too."""
    yield from _running(tmp_path)


def _running(state_dir: Path) -> Iterator[LocalStack]:
    running = start_stack(state_dir, timeout=60)
    yield running
    running.stop()
