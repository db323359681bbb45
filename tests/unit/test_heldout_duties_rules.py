"""Held-out-style checks of the pure 履约 rules with figures of one's own, worked out by hand from
docs/domain-rules.md ("KPIs", "Vendor late penalty", "Incidents")."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chalicelib.domain.errors import ValidationError
from chalicelib.domain.incidents import Incident
from chalicelib.domain.kpis import Kpis, breaches
from chalicelib.domain.obligations import check_period_id, vendor_penalty
from chalicelib.domain.terms import LatePenalty, ServiceStandards

D = Decimal


@pytest.mark.parametrize(
    ("connect", "satisfaction", "expected"),
    [
        ("92.50", "80.13", ()),  # above both
        ("92.50", "80.12", ("satisfaction",)),  # 80.12 < 80.125: a standard with more decimals than a KPI
        ("92.49", "80.13", ("connect_rate",)),
        ("92.5", "80.125", ()),  # exactly at both
    ],
)
def test_standards_with_more_places_than_the_kpis(connect: str, satisfaction: str, expected: tuple[str, ...]) -> None:
    standards = ServiceStandards(D("92.5"), D("80.125"))
    assert breaches(Kpis(D(connect), D(satisfaction), True), standards) == expected


@pytest.mark.parametrize(
    ("clause", "amount", "days", "expected"),
    [
        # daily 0.0333 % of 250000.00 = 83.25 a day; × 7 = 582.75; cap 0.2 % = 500.00
        (LatePenalty("daily_pct", D("0.0333"), D("0.2")), "250000.00", 7, "500.00"),
        (LatePenalty("daily_pct", D("0.0333"), None), "250000.00", 7, "582.75"),
        # 0.0007 % of 99999.99 = 0.69999993 a day; × 13 = 9.09999909 → 9.10
        (LatePenalty("daily_pct", D("0.0007"), None), "99999.99", 13, "9.10"),
        # 0.0125 % of 370370.34 = 46.2962925 a day; × 3 = 138.8888775 → 138.89 (not 3 × 46.30 = 138.90)
        (LatePenalty("daily_pct", D("0.0125"), None), "370370.34", 3, "138.89"),
        # contract_pct 2.5 % of 333333.33 = 8333.33325 → 8333.33, whatever the days; cap 2 % = 6666.6666 → 6666.67
        (LatePenalty("contract_pct", D("2.5"), None), "333333.33", 1, "8333.33"),
        (LatePenalty("contract_pct", D("2.5"), None), "333333.33", 90, "8333.33"),
        (LatePenalty("contract_pct", D("2.5"), D("2")), "333333.33", 90, "6666.67"),
        # not late: nothing
        (LatePenalty("contract_pct", D("2.5"), None), "333333.33", 0, "0.00"),
    ],
)
def test_vendor_penalty_by_hand(clause: LatePenalty, amount: str, days: int, expected: str) -> None:
    assert vendor_penalty(clause, D(amount), days) == D(expected)


@pytest.mark.parametrize(
    ("occurred", "reported", "allowed", "delay", "late"),
    [
        ("2026-12-31T23:00:00+08:00", "2027-01-01T00:00:00+08:00", 1, "1.00", False),  # across New Year, at the limit
        ("2026-12-31T15:00:00+00:00", "2027-01-01T00:01:00+08:00", 1, "1.02", True),  # 1 h 1 min, zones mixed
        ("2026-12-31T22:00:00+08:00", "2027-01-30T22:00:00+08:00", 720, "720.00", False),  # 30 days = 720 h
        ("2026-12-31T22:00:00+08:00", "2027-01-30T22:01:00+08:00", 720, "720.02", True),
        ("2026-12-01T10:00:00+08:00", "2026-12-01T10:00:00+08:00", 2, "0.00", False),  # at once
        # ten seconds over shows 2.00 (two places) but is late; one second under is not
        ("2026-12-01T10:00:00+08:00", "2026-12-01T12:00:10+08:00", 2, "2.00", True),
        ("2026-12-01T10:00:00+08:00", "2026-12-01T11:59:59+08:00", 2, "2.00", False),
    ],
)
def test_incident_delay_by_hand(occurred: str, reported: str, allowed: int, delay: str, late: bool) -> None:
    i = Incident(1, occurred, reported, "high", "故障", allowed, "staff:operator")
    assert (i.report_delay_hours, i.reported_late) == (D(delay), late)


@pytest.mark.parametrize("value", ["2026-00", "2026-13", "2026-1", "26-11", "2026-Q0", "2026-Q5", "ONCE", "2026-11 "])
def test_malformed_period_ids(value: str) -> None:
    with pytest.raises(ValidationError) as exc:
        check_period_id(value, "period")
    assert exc.value.field == "period"


@pytest.mark.parametrize("value", ["2026-01", "2026-12", "2026-Q1", "2026-Q4", "2026", "once"])
def test_period_ids(value: str) -> None:
    assert check_period_id(value, "period") == value
