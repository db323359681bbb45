"""Held-out-style 履约 scenarios on moto: the vendor late penalty (逾期违约金) with rates, caps and contract amounts
of one's own — A changed by a supplementary agreement, taken as it stood on due + 1 — status as of each day, and
set-offs of a penalty with their limits. Figures are worked out by hand from docs/domain-rules.md ("Vendor late
penalty", "Status as of D"), never read back from the code."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.integration.heldout_duties import at, deliver, grounds, ob, period_of, view
from tests.integration.test_notices_and_amendments import sign_amendment

DAILY = {"mode": "daily_pct", "rate_pct": "0.01"}

pytestmark = pytest.mark.integration


def test_status_walks_upcoming_due_missed_late_as_of_each_day(world: Any) -> None:
    # Given a monthly report due 5 days after each month: 2026-12 ends 12-31, due 2027-01-05;
    # 0.01 % of A = 360000.00 (3 × 120000.00) a day = 36.00 a day, no cap
    cid = world.active_contract(
        obligations=[ob("rpt", due=5)], vendor_late_penalty={"mode": "daily_pct", "rate_pct": "0.01"}
    )
    # When it is delivered on 2027-01-08 (recorded that day)
    deliver(world, cid, "rpt", "2026-12", date(2027, 1, 8))
    # Then as of each day the period reads (status, days late, penalty):
    expected = {
        date(2026, 12, 1): ("upcoming", 0, "0.00", None),  # first day of the period
        date(2026, 12, 31): ("upcoming", 0, "0.00", None),  # last day: still within the period
        date(2027, 1, 1): ("due", 0, "0.00", None),  # ended, not yet due
        date(2027, 1, 5): ("due", 0, "0.00", None),  # the due date itself is not late
        date(2027, 1, 6): ("missed", 1, "36.00", None),  # due + 1: 1 × 36.00
        date(2027, 1, 7): ("missed", 2, "72.00", None),  # the delivery of the 8th is not known yet
        date(2027, 1, 8): ("late", 3, "108.00", "2027-01-08"),  # 3 × 36.00
        date(2027, 6, 30): ("late", 3, "108.00", "2027-01-08"),  # lateness stops growing once delivered
    }
    for day, (status, days, penalty, delivered_on) in expected.items():
        p = at(world, cid, "rpt", "2026-12", day)
        assert (p["status"], p["days_late"], p["penalty"]["amount"], p["delivered_on"]) == (
            status,
            days,
            penalty,
            delivered_on,
        ), day
    # And before the period starts it is not listed at all
    assert period_of(view(world, cid, date(2026, 11, 30)), "rpt", "2026-12") is None
    # And the obligation's total as of 2027-06-30 adds every period late or missed by then, 36.00 a day:
    # 2026-11 missed since 2026-12-05 (207 days), 2026-12 late 3, 2027-01 missed since 02-05 (145), 2027-02 since
    # 03-05 (117), 2027-03 since 04-05 (86), 2027-04 since 05-05 (56), 2027-05 since 06-05 (25), 2027-06 upcoming:
    # 639 days × 36.00 = 23004.00
    assert view(world, cid, date(2027, 6, 30))["obligations"][0]["penalty_total"] == "23004.00"


def test_daily_penalty_is_rounded_once_on_a_contract_amount_with_cents(world: Any) -> None:
    # Given A = 3 × 123456.78 = 370370.34 and 0.0125 % a day: 370370.34 × 0.000125 = 46.2962925 a day
    cid = world.active_contract(
        annual_fee="123456.78",
        obligations=[ob("rpt", due=5)],
        vendor_late_penalty={"mode": "daily_pct", "rate_pct": "0.0125"},
    )
    deliver(world, cid, "rpt", "2026-12", date(2027, 1, 8))  # due 2027-01-05: 3 days late
    # Then 1 day: 46.2962925 → 46.30; 2 days: 92.592585 → 92.59; 3 days: 138.8888775 → 138.89 (rounded once at
    # the end — rounding each day first would give 3 × 46.30 = 138.90)
    assert at(world, cid, "rpt", "2026-12", date(2027, 1, 6))["penalty"]["amount"] == "46.30"
    assert at(world, cid, "rpt", "2026-12", date(2027, 1, 7))["penalty"]["amount"] == "92.59"
    assert at(world, cid, "rpt", "2026-12", date(2027, 1, 8))["penalty"]["amount"] == "138.89"


def test_contract_pct_is_once_per_period_capped_and_follows_the_clause_of_the_period(world: Any) -> None:
    # Given contract_pct 1.5 % capped at 1 %: A × min(1.5, 1) % = 360000.00 × 1 % = 3600.00 per late period,
    # whatever the days late
    cid = world.active_contract(
        obligations=[ob("rpt", due=5)],
        vendor_late_penalty={"mode": "contract_pct", "rate_pct": "1.5", "cap_pct": "1"},
    )
    deliver(world, cid, "rpt", "2026-11", date(2026, 12, 6))  # due 2026-12-05: 1 day late
    deliver(world, cid, "rpt", "2026-12", date(2027, 2, 14))  # due 2027-01-05: 40 days late
    # and a supplementary agreement in force on 2027-01-15 drops the cap (1.5 %, uncapped = 5400.00)
    world.travel(date(2027, 1, 15))
    clause = {"mode": "contract_pct", "rate_pct": "1.5", "cap_pct": None}
    world.ok(
        "POST",
        f"/contracts/{cid}/amendments",
        {"changes": {"vendor_late_penalty": clause}, "reason": "调整"},
        status=201,
    )
    sign_amendment(world, 1)
    deliver(world, cid, "rpt", "2027-01", date(2027, 2, 14))  # started 01-01 under the old clause: 3600.00
    deliver(world, cid, "rpt", "2027-02", date(2027, 3, 7))  # starts 02-01 under the new one: 5400.00
    v = view(world, cid, date(2027, 3, 31))
    got = {p["period"]: (p["days_late"], p["penalty"]["amount"]) for p in v["obligations"][0]["periods"]}
    assert got["2026-11"] == (1, "3600.00")
    assert got["2026-12"] == (40, "3600.00")
    assert got["2027-01"] == (9, "3600.00")  # due 2027-02-05, delivered 02-14
    assert got["2027-02"] == (2, "5400.00")  # due 2027-03-05, delivered 03-07
    assert v["obligations"][0]["penalty_total"] == "16200.00"


def test_without_a_vendor_clause_the_late_payment_clause_applies(world: Any) -> None:
    # Given no vendor_late_penalty and a late-payment clause of contract_pct 2 % capped at 1.5 %:
    # A × 1.5 % = 360000.00 × 0.015 = 5400.00 once
    cid = world.active_contract(
        obligations=[ob("rpt", due=5)],
        late_penalty={"mode": "contract_pct", "rate_pct": "2", "cap_pct": "1.5"},
    )
    assert view(world, cid)["vendor_late_penalty"] == {"mode": "contract_pct", "rate_pct": "2", "cap_pct": "1.5"}
    deliver(world, cid, "rpt", "2026-11", date(2026, 12, 20))
    assert at(world, cid, "rpt", "2026-11", date(2026, 12, 20))["penalty"]["amount"] == "5400.00"


def test_contract_amount_is_taken_as_it_stood_the_day_after_the_due_date(world: Any) -> None:
    # Given 0.02 % a day capped at 0.5 %, two monthly reports due 13 and 14 days after each month, and a
    # supplementary agreement in force on 2027-01-15 raising the fee of the years that start after it
    # (years 2 and 3, from 2027-11-22 and 2028-11-22) to 150000.00:
    #   A before = 3 × 120000.00 = 360000.00; A from 2027-01-15 = 120000.00 + 2 × 150000.00 = 420000.00
    cid = world.active_contract(
        obligations=[ob("r13", due=13), ob("r14", due=14)],
        vendor_late_penalty={"mode": "daily_pct", "rate_pct": "0.02", "cap_pct": "0.5"},
    )
    world.travel(date(2027, 1, 15))
    world.ok(
        "POST", f"/contracts/{cid}/amendments", {"changes": {"annual_fee": "150000.00"}, "reason": "调价"}, status=201
    )
    sign_amendment(world, 1)
    # When both 2026-12 reports come in on 2027-01-21
    deliver(world, cid, "r13", "2026-12", date(2027, 1, 21))
    deliver(world, cid, "r14", "2026-12", date(2027, 1, 21))
    # Then r13 (due 01-13, due + 1 = 01-14, before the agreement): 360000.00 × 0.0002 × 8 = 576.00;
    # r14 (due 01-14, due + 1 = 01-15, the agreement's day counts): 420000.00 × 0.0002 × 7 = 588.00
    assert at(world, cid, "r13", "2026-12", date(2027, 1, 21))["penalty"]["amount"] == "576.00"
    assert at(world, cid, "r14", "2026-12", date(2027, 1, 21))["penalty"]["amount"] == "588.00"
    # And as of the day before the agreement, r13 was missed 1 day (72.00) and r14 still due (its due date)
    assert (at(world, cid, "r13", "2026-12", date(2027, 1, 14))["penalty"]["amount"]) == "72.00"
    r14 = at(world, cid, "r14", "2026-12", date(2027, 1, 14))
    assert (r14["status"], r14["penalty"]["amount"]) == ("due", "0.00")
    # And r14 as of 2027-01-15: 1 day × 420000.00 × 0.0002 = 84.00
    assert at(world, cid, "r14", "2026-12", date(2027, 1, 15))["penalty"]["amount"] == "84.00"
    # And November's r13 (due 2026-12-13), delivered 2027-02-10, 59 days late: 360000.00 × 0.0002 × 59 = 4248.00,
    # capped at 0.5 % of 360000.00 = 1800.00 (A and cap as of 2026-12-14)
    deliver(world, cid, "r13", "2026-11", date(2027, 2, 10))
    late = at(world, cid, "r13", "2026-11", date(2027, 2, 10))
    assert (late["days_late"], late["penalty"]["amount"]) == (59, "1800.00")
    # and January's r14 (due 2027-02-14), delivered 02-24, 10 days: 420000.00 × 0.0002 × 10 = 840.00 (cap 2100.00)
    deliver(world, cid, "r14", "2027-01", date(2027, 2, 24))
    assert at(world, cid, "r14", "2027-01", date(2027, 2, 24))["penalty"]["amount"] == "840.00"


def test_a_client_period_owes_no_penalty_but_gives_the_vendor_its_ground(world: Any) -> None:
    cid = world.active_contract(
        obligations=[ob("data", party="client", due=3, kind="data"), ob("rpt", due=5)],
        vendor_late_penalty={"mode": "daily_pct", "rate_pct": "0.01"},
    )
    world.travel(date(2027, 1, 10))
    # the client's 2026-12 data (due 2027-01-03) is missed 7 days as of 01-10: no penalty, the vendor's ground
    p = at(world, cid, "data", "2026-12", date(2027, 1, 10))
    assert (p["status"], p["days_late"], p["penalty"]["amount"]) == ("missed", 7, "0.00")
    ground = grounds(world, cid, date(2027, 1, 10))["client_data_not_provided"]
    assert ground["party"] == "vendor" and [e["period"] for e in ground["evidence"]] == ["2026-11", "2026-12"]
    # as of 2026-12-03 (the first period's due date) the client is not yet late: no ground
    assert grounds(world, cid, date(2026, 12, 3)) == {}
    # and the ground stays once the data comes in late (delivered late is evidence too)
    deliver(world, cid, "data", "2026-11", date(2027, 1, 10))
    deliver(world, cid, "data", "2026-12", date(2027, 1, 10))
    evidence = grounds(world, cid)["client_data_not_provided"]["evidence"]
    assert [(e["period"], e["status"], e["days_late"]) for e in evidence] == [
        ("2026-11", "late", 38),  # due 2026-12-03
        ("2026-12", "late", 7),
    ]
    # and a set-off cannot claim a client period's (nil) penalty
    body = {"year": 1, "amount": "1.00", "reason": "抵扣", "claim": "obligation:data:2026-12"}
    world.run("invoicing", date(2027, 1, 10))
    bad = world.call("POST", f"/contracts/{cid}/set-offs", body, role="finance")
    assert bad.status_code == 400 and bad.json_body["error"]["field"] == "claim"


def test_an_extension_raises_a_from_the_day_it_takes_effect(world: Any) -> None:
    # Given 0.01 % a day and an agreement in force on 2027-01-15 adding a 4th year:
    #   A = 3 × 120000.00 = 360000.00 (36.00 a day) before; 4 × 120000.00 = 480000.00 (48.00 a day) from 01-15
    cid = world.active_contract(obligations=[ob("r13", due=13), ob("r14", due=14)], vendor_late_penalty=DAILY)
    world.travel(date(2027, 1, 15))
    world.ok("POST", f"/contracts/{cid}/amendments", {"changes": {"extend_years": 1}, "reason": "续期"}, status=201)
    sign_amendment(world, 1)
    deliver(world, cid, "r13", "2026-12", date(2027, 1, 16))  # due 01-13, 3 days, A on 01-14: 3 × 36.00
    deliver(world, cid, "r14", "2026-12", date(2027, 1, 16))  # due 01-14, 2 days, A on 01-15: 2 × 48.00
    assert at(world, cid, "r13", "2026-12", date(2027, 1, 16))["penalty"]["amount"] == "108.00"
    assert at(world, cid, "r14", "2026-12", date(2027, 1, 16))["penalty"]["amount"] == "96.00"


def test_penalty_and_standard_terms_out_of_range_name_their_field(world: Any) -> None:
    from tests.factories import contract_body

    cases = [
        ({"vendor_late_penalty": {"mode": "daily_pct", "rate_pct": "1.0001"}}, "terms.vendor_late_penalty.rate_pct"),
        ({"vendor_late_penalty": {"mode": "daily_pct", "rate_pct": "0"}}, "terms.vendor_late_penalty.rate_pct"),
        (
            {"vendor_late_penalty": {"mode": "contract_pct", "rate_pct": "5", "cap_pct": "0"}},
            "terms.vendor_late_penalty.cap_pct",
        ),
        ({"vendor_late_penalty": {"mode": "weekly_pct", "rate_pct": "1"}}, "terms.vendor_late_penalty.mode"),
        (
            {"service_standards": {"connect_rate_min_pct": "100.01", "satisfaction_min_pct": "80"}},
            "terms.service_standards.connect_rate_min_pct",
        ),
        (
            {"service_standards": {"connect_rate_min_pct": "90", "satisfaction_min_pct": "80.00001"}},
            "terms.service_standards.satisfaction_min_pct",
        ),
        ({"service_standards": {"connect_rate_min_pct": "90"}}, "terms.service_standards.satisfaction_min_pct"),
        ({"incident_report_hours": 721}, "terms.incident_report_hours"),
        ({"obligations": [ob("x", due=-1)]}, "terms.obligations[0].due_days_after"),
        ({"obligations": [ob("x", party="vendor", kind="data")]}, "terms.obligations[0].kind"),
    ]
    for change, field in cases:
        resp = world.call("POST", "/contracts", contract_body(**change))
        assert resp.status_code == 400 and resp.json_body["error"]["field"] == field, (change, resp.json_body)
    assert world.ok("GET", "/contracts")["items"] == []
    # the limits themselves are taken: 1 % a day, 720 hours, a standard of 100 %
    cid = world.draft(
        vendor_late_penalty={"mode": "daily_pct", "rate_pct": "1", "cap_pct": "100"},
        incident_report_hours=720,
        service_standards={"connect_rate_min_pct": "100", "satisfaction_min_pct": "0"},
    )
    terms = world.contract(cid)["terms"]
    assert terms["incident_report_hours"] == 720 and terms["vendor_late_penalty"]["rate_pct"] == "1"
