"""Percentages with up to 4 decimal places (what the terms accept) survive every event and ledger fact exactly:
the typed-field codec stores a `_pct` / `_hours` value as it is, not as money (two places)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from chalicelib.api import obligation_requests as oq
from chalicelib.domain.event_codec import decode, encode, encode_fields
from chalicelib.domain.invoice import Accrual
from chalicelib.domain.kpis import Kpis
from chalicelib.domain.terms import LatePenalty
from chalicelib.services import obligations
from tests.factories import command
from tests.unit.conftest import Office, shanghai

OPERATOR = "staff:operator:k1:王经理"


def test_a_standard_with_three_decimals_is_judged_and_reported_exactly(office: Office) -> None:
    cid = office.activate(service_standards={"connect_rate_min_pct": "92.125", "satisfaction_min_pct": "85"})
    office.at(shanghai(date(2026, 12, 5), 10))
    body = {
        "period": "2026-11",
        "delivered_on": "2026-12-05",
        "kpis": {"connect_rate_pct": "92.12", "satisfaction_pct": "90", "call_quality_ok": True},
    }
    reply = obligations.record_delivery(
        office.deps, cid, "quality_kpis", command(oq.RecordDeliveryRequest, body), OPERATOR
    )
    assert reply["breaches"], reply  # judged against 92.125: 92.12 is below it
    breached = [e for e in office.repo.get_audit(cid) if e.type == "ServiceStandardBreached"]
    assert len(breached) == 1
    assert breached[0].data["connect_rate_min_pct"] == "92.125"


def test_the_codec_keeps_a_rate_of_four_places_and_money_at_two() -> None:
    clause = LatePenalty("daily_pct", Decimal("0.0375"), Decimal("12.5"))
    assert encode(clause) == {"mode": "daily_pct", "rate_pct": "0.0375", "cap_pct": "12.5"}  # as Terms stores it
    assert decode(LatePenalty, encode(clause)) == clause
    kpis = Kpis(Decimal("92.5"), Decimal("88.25"), True)
    assert encode_fields(kpis)["connect_rate_pct"] == "92.50"  # two places or fewer: as stored before
    assert encode_fields(Accrual(date(2027, 3, 3), Decimal("120000.00"), None, None, None, clause))["clause"] == {
        "mode": "daily_pct",
        "rate_pct": "0.0375",
        "cap_pct": "12.5",
    }
