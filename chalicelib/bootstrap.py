"""Wires the real adapters to the services, lazily and once per process (cold start does no AWS work)."""

from __future__ import annotations

from functools import lru_cache

from chalicelib.services.base import Clock, Deps, OffsetFileClock, SystemClock
from chalicelib.settings import get_settings


@lru_cache(maxsize=1)
def get_deps() -> Deps:
    from chalicelib.adapters.dynamo import DynamoRepository

    settings = get_settings()
    clock: Clock = OffsetFileClock(settings.clock_file) if settings.clock_file else SystemClock()
    return Deps(repo=DynamoRepository(settings), settings=settings, clock=clock)


def reset() -> None:
    get_deps.cache_clear()
