"""The sample requests of events/, by name: the seed contract's draft body that the tests, the bench and the
README's walk-through all start from lives there once, as `events/api/draft-contract.json`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).resolve().parent.parent / "events"


def load_event(name: str) -> Any:
    """A fresh copy of `events/<name>` (e.g. "api/payment.json"), safe to change."""
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


def contract_body(template: str = "outbound-call-outsourcing", **terms: Any) -> dict[str, Any]:
    """The outbound-call outsourcing contract of the seeds as `POST /contracts` takes it, with `terms` replaced."""
    body: dict[str, Any] = load_event("api/draft-contract.json")
    body["template"] = template
    body["terms"].update(terms)
    return body
