"""Wires the real adapters to the services, lazily and once per process (cold start does no AWS work)."""

from __future__ import annotations

from functools import lru_cache

from chalicelib.services.base import Deps, SystemClock
from chalicelib.settings import get_settings


@lru_cache(maxsize=1)
def get_deps() -> Deps:
    from chalicelib.adapters.dynamo import DynamoRepository

    settings = get_settings()
    return Deps(repo=DynamoRepository(settings), settings=settings, clock=SystemClock())


def reset() -> None:
    get_deps.cache_clear()
