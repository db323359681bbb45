"""Helpers of the held-out-style 履约 scenarios (tests/integration/test_heldout_duties*.py): obligations of one's own,
deliveries on a chosen day, the obligations view and what was emailed."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.support import emails_to


def ob(key: str, *, party: str = "vendor", period: str = "month", due: int = 5, kind: str = "report") -> dict[str, Any]:
    """An obligation of the terms (`key` doubles as its title)."""
    return {
        "key": key,
        "party": party,
        "title": f"{key} 报送",
        "clause": "2.3",
        "period": period,
        "due_days_after": due,
        "kind": kind,
    }


def kpis(connect: str, satisfaction: str, clear: bool = True) -> dict[str, Any]:
    return {"connect_rate_pct": connect, "satisfaction_pct": satisfaction, "call_quality_ok": clear}


def deliver(world: Any, cid: str, key: str, period: str, on: date, k: Any = None, status: int = 201) -> Any:
    """The operator records the delivery on `on` (the clock moves there when it is behind)."""
    if world.today < on:
        world.travel(on)
    body: dict[str, Any] = {"period": period, "delivered_on": on.isoformat()}
    if k is not None:
        body["kpis"] = k
    return world.ok("POST", f"/contracts/{cid}/obligations/{key}/deliveries", body, status=status)


def view(world: Any, cid: str, as_of: date | None = None) -> dict[str, Any]:
    q = "" if as_of is None else f"?as_of={as_of.isoformat()}"
    return dict(world.ok("GET", f"/contracts/{cid}/obligations{q}"))


def period_of(v: dict[str, Any], key: str, period: str) -> dict[str, Any] | None:
    ob_ = next(o for o in v["obligations"] if o["key"] == key)
    return next((p for p in ob_["periods"] if p["period"] == period), None)


def at(world: Any, cid: str, key: str, period: str, as_of: date) -> dict[str, Any]:
    found = period_of(view(world, cid, as_of), key, period)
    assert found is not None, (key, period, as_of)
    return found


def grounds(world: Any, cid: str, as_of: date | None = None) -> dict[str, dict[str, Any]]:
    """termination_grounds by code: from the obligations view as of a day, else from GET /contracts/{id}."""
    items = (
        world.contract(cid)["termination_grounds"] if as_of is None else view(world, cid, as_of)["termination_grounds"]
    )
    return {g["code"]: g for g in items}


def mails(address: str, subject: str) -> list[dict[str, Any]]:
    return [m for m in emails_to(address) if subject in m["subject"]]


def audit_types(world: Any, cid: str) -> list[str]:
    return [e["type"] for e in world.ok("GET", f"/contracts/{cid}/audit")["entries"]]
