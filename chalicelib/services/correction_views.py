"""How a period's corrections read in the obligations view and the correction reply: each revision with when
(shown in Asia/Shanghai), who, why, and the delivery before → after."""

from __future__ import annotations

from datetime import date
from typing import Any

from chalicelib.domain.delivery_history import DeliveryHistory, Histories
from chalicelib.domain.obligations import Delivery, PeriodState

FACTS = ("delivered_on", "note", "kpis", "breaches")


def delivery_facts(d: Delivery | None) -> dict[str, Any] | None:
    if d is None:
        return None
    return {
        "delivered_on": d.delivered_on.isoformat(),
        "note": d.note,
        "kpis": None if d.kpis is None else d.kpis.to_dict(),
        "breaches": list(d.breaches),
    }


def changed_facts(before: Delivery | None, after: Delivery | None) -> list[str]:
    """The delivery's facts that differ (all of them when one side has no delivery)."""
    if before is None or after is None:
        return list(FACTS)
    old, new = delivery_facts(before), delivery_facts(after)
    assert old is not None and new is not None
    return [f for f in FACTS if old[f] != new[f]]


def history_view(history: DeliveryHistory) -> list[dict[str, Any]]:
    return [
        {
            "no": rev.no,
            "at": rev.local_at,
            "actor": rev.actor,
            "action": rev.action,
            "reason": rev.reason,
            "changed": changed_facts(before, rev.after),
            "before": delivery_facts(before),
            "after": delivery_facts(rev.after),
        }
        for rev, before in history.steps()
    ]


def corrections_view(histories: Histories, st: PeriodState, as_of: date | None) -> dict[str, Any]:
    """`corrections` of a period (those recorded by the end of `as_of`; None: all), newest last, and `corrected`."""
    history = histories.get((st.key, st.period.id))
    if history is None:
        return {"corrected": False, "corrections": []}
    known = history if as_of is None else history.known_on(as_of)
    items = history_view(known)
    return {"corrected": bool(items), "corrections": items}
