"""Held-out-style 履约 scenarios on moto: service standards other than the seeds' 95 % / 85 %, KPIs exactly at the
standard and 0.01 below, runs of breached periods reaching the termination-ground threshold or broken, who is told.
Every expected figure is worked out by hand from docs/domain-rules.md ("KPIs", "Termination grounds")."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.integration.heldout_duties import at, audit_types, deliver, grounds, kpis, mails, ob, view
from tests.integration.test_notices_and_amendments import sign_amendment

pytestmark = pytest.mark.integration

KPI = ob("sla", due=10, kind="kpi")
OPERATOR = "operator@hetong.test"


def _month(i: int) -> tuple[str, date]:
    """Period i (0 = 2026-11, the partial first month from 2026-11-22) and the 8th of the month after it."""
    y, m = 2026 + (10 + i) // 12, (10 + i) % 12 + 1
    ny, nm = y + m // 12, m % 12 + 1
    return f"{y}-{m:02d}", date(ny, nm, 8)


def test_standards_of_90_and_80_5_judge_exactly_at_and_just_below(world: Any) -> None:
    # Given standards of 90 % connect rate and 80.5 % satisfaction (not the seeds' 95 / 85)
    cid = world.active_contract(
        obligations=[KPI], service_standards={"connect_rate_min_pct": "90", "satisfaction_min_pct": "80.5"}
    )
    # When six monthly sheets come in on the 8th (due on the 10th): "< min" is a breach, "= min" is not
    sheets = [
        (kpis("90", "80.5"), []),  # exactly at both standards: met
        (kpis("89.99", "80.50"), ["connect_rate"]),  # 0.01 below the connect rate
        (kpis("90.00", "80.49"), ["satisfaction"]),  # 0.01 below satisfaction
        (kpis("100", "100", clear=False), ["call_quality"]),  # calls not clear (3.2(2)), always required
        (kpis("92", "81"), []),  # below the seeds' 95 / 85 but above these standards: met
        (kpis("0", "0", clear=False), ["call_quality", "connect_rate", "satisfaction"]),
    ]
    for i, (k, _) in enumerate(sheets):
        period, on = _month(i)
        reply = deliver(world, cid, "sla", period, on, k)
        assert reply["status"] == "delivered" and reply["days_late"] == 0
    world.deliver()
    # Then each period shows exactly the standards it fell below
    v = view(world, cid, date(2027, 5, 31))
    periods = next(o for o in v["obligations"] if o["key"] == "sla")["periods"]
    assert [sorted(p["breaches"]) for p in periods[:6]] == [b for _, b in sheets]
    assert (periods[6]["period"], periods[6]["status"], periods[6]["breaches"]) == ("2027-05", "upcoming", [])
    assert v["service_standards"]["connect_rate_min_pct"] == "90"
    assert v["service_standards"]["satisfaction_min_pct"] == "80.5"
    # And each breached period (4) got one 整改通知书, to the vendor, the client and the operator alike
    for who in ("vendor@example.com", "client@example.com", OPERATOR):
        assert len(mails(who, "整改通知书")) == 4, who
    assert audit_types(world, cid).count("ServiceStandardBreached") == 4
    # And 2026-12, 2027-01, 2027-02 are three breached periods in a row (the met 2026-11 and 2027-03 around them):
    # the client's ground from the day the third was delivered (2027-03-08), not the day before
    assert grounds(world, cid, date(2027, 3, 7)) == {}
    quality = grounds(world, cid, date(2027, 3, 8))["quality_below_standard"]
    assert quality["party"] == "client" and quality["obligation"] == "sla"
    assert [e["period"] for e in quality["evidence"]] == ["2026-12", "2027-01", "2027-02"]
    assert quality["evidence"][0]["kpis"]["connect_rate_pct"] == "89.99"
    # and the contract shows the same as of those days (GET /contracts/{id}?as_of=)
    assert world.ok("GET", f"/contracts/{cid}?as_of=2027-03-07")["termination_grounds"] == []
    shown = world.ok("GET", f"/contracts/{cid}?as_of=2027-03-08")["termination_grounds"]
    assert [(g["party"], g["code"]) for g in shown] == [("client", "quality_below_standard")]
    bad = world.call("GET", f"/contracts/{cid}?as_of=2027-02-30")
    assert bad.status_code == 400 and bad.json_body["error"]["field"] == "as_of"
    # the ground stays once earned (the longest run is the evidence), a later single breach does not replace it
    assert [e["period"] for e in grounds(world, cid)["quality_below_standard"]["evidence"]] == [
        "2026-12",
        "2027-01",
        "2027-02",
    ]
    # And the third notice says it is the 3rd in a row (in English too: "3 consecutive", never "3th"); the lone
    # 2027-04 breach starts a new run and says nothing of a run
    third = world.call("GET", f"/contracts/{cid}/document?part=rectification:sla:2027-02").body.decode()
    lone = world.call("GET", f"/contracts/{cid}/document?part=rectification:sla:2027-04").body.decode()
    assert "已连续3期未达标" in third and "3 consecutive periods" in third and "3th" not in third
    assert "已连续" not in lone and "consecutive periods are" not in lone
    # and a met period has no notice at all
    missing = world.call("GET", f"/contracts/{cid}/document?part=rectification:sla:2027-03")
    assert missing.status_code == 404


def test_a_run_broken_by_a_good_and_by_a_missing_period_then_closed_by_a_late_sheet(world: Any) -> None:
    # Given the outbound-call template's standards (95 / 85) on a KPI sheet due 10 days after each month
    cid = world.active_contract(obligations=[KPI])
    low, good = kpis("94.99", "85"), kpis("95", "85")
    # When the months go: B B G B B (2027-04 not delivered) B
    plan = {0: low, 1: low, 2: good, 3: low, 4: low, 6: low}
    for i, k in plan.items():
        period, on = _month(i)
        deliver(world, cid, "sla", period, on, k)
    world.deliver()
    # Then no run reaches 3: the good 2027-01 ends the first, the missed 2027-04 (due 2027-05-10) the second
    assert grounds(world, cid, date(2027, 6, 8)) == {}
    assert at(world, cid, "sla", "2027-04", date(2027, 6, 8))["status"] == "missed"
    breached = [
        e for e in world.ok("GET", f"/contracts/{cid}/audit")["entries"] if e["type"] == "ServiceStandardBreached"
    ]
    assert [(e["data"]["period"], e["data"]["consecutive"]) for e in breached] == [
        ("2026-11", 1),
        ("2026-12", 2),
        ("2027-02", 1),
        ("2027-03", 2),
        ("2027-05", 1),
    ]
    # When the missing 2027-04 sheet comes in late (2027-06-20, 41 days after 2027-05-10), also below standard
    deliver(world, cid, "sla", "2027-04", date(2027, 6, 20), low)
    world.deliver()
    # (no vendor clause: the seeds' late-payment clause, 0.05 % of 360000.00 a day = 180.00, × 41 = 7380.00)
    assert at(world, cid, "sla", "2027-04", date(2027, 6, 20))["penalty"]["amount"] == "7380.00"
    # Then 2027-02 .. 2027-05 are four breached periods in a row: the ground, from 2027-06-20 on
    assert grounds(world, cid, date(2027, 6, 19)) == {}
    quality = grounds(world, cid, date(2027, 6, 20))["quality_below_standard"]
    evidence = [(e["period"], e["status"], e["days_late"]) for e in quality["evidence"]]
    assert evidence == [
        ("2027-02", "delivered", 0),
        ("2027-03", "delivered", 0),
        ("2027-04", "late", 41),
        ("2027-05", "delivered", 0),
    ]
    # and its notice counts the run it closed: 2027-02 .. 2027-05 = 4 breached periods in a row
    last = [e for e in world.ok("GET", f"/contracts/{cid}/audit")["entries"] if e["type"] == "ServiceStandardBreached"]
    assert (last[-1]["data"]["period"], last[-1]["data"]["consecutive"]) == ("2027-04", 4)
    assert last[-1]["data"]["termination_ground"] is True
    assert "quality_below_standard" in grounds(world, cid)


def test_a_contract_without_standards_is_held_to_the_seeds(world: Any) -> None:
    # Given a customer-service contract with no service standards but a KPI obligation: held to 95 % / 85 %
    cid = world.active_contract(template="customer-service-management", obligations=[KPI], service_standards=None)
    assert world.contract(cid)["terms"]["service_standards"] is None
    for i, (k, expected) in enumerate(
        [(kpis("94.99", "99"), ["connect_rate"]), (kpis("95", "84.99"), ["satisfaction"]), (kpis("95", "85"), [])]
    ):
        period, on = _month(i)
        assert deliver(world, cid, "sla", period, on, k)["breaches"] == expected


def test_an_agreement_changes_the_standards_of_periods_that_start_after_it(world: Any) -> None:
    # Given 95 / 85, and a supplementary agreement in force on 2027-01-15 lowering them to 90 / 80
    cid = world.active_contract(obligations=[KPI])
    world.travel(date(2027, 1, 15))
    change = {"service_standards": {"connect_rate_min_pct": "90", "satisfaction_min_pct": "80"}}
    world.ok("POST", f"/contracts/{cid}/amendments", {"changes": change, "reason": "调整服务标准"}, status=201)
    sign_amendment(world, 1)
    # When sheets of 92 % / 88 % come in for 2026-12, 2027-01 (both started before the agreement) and 2027-02
    same = kpis("92", "88")
    dec = deliver(world, cid, "sla", "2026-12", date(2027, 1, 15), same)
    jan = deliver(world, cid, "sla", "2027-01", date(2027, 2, 8), same)
    feb = deliver(world, cid, "sla", "2027-02", date(2027, 3, 8), same)
    # Then the periods that started before 2027-01-15 are judged by 95 %, the later one by 90 %
    assert (dec["breaches"], jan["breaches"], feb["breaches"]) == (["connect_rate"], ["connect_rate"], [])
    assert view(world, cid, date(2027, 3, 8))["service_standards"]["connect_rate_min_pct"] == "90"


def test_a_retried_breached_sheet_is_noticed_once(world: Any) -> None:
    cid = world.active_contract(obligations=[KPI])
    body = {"period": "2026-12", "delivered_on": "2027-01-08", "kpis": kpis("80", "70")}
    world.travel(date(2027, 1, 8))
    path = f"/contracts/{cid}/obligations/sla/deliveries"
    first = world.ok("POST", path, body, status=201)
    again = world.ok("POST", path, body, status=201)
    keyed = world.ok("POST", path, body, status=201, headers={"Idempotency-Key": "sla-2026-12"})
    assert first == again == keyed and first["breaches"] == ["connect_rate", "satisfaction"]
    world.deliver()
    assert len(mails("vendor@example.com", "整改通知书")) == 1
    types = audit_types(world, cid)
    assert types.count("ServiceStandardBreached") == 1 and types.count("ObligationDelivered") == 1


def test_a_sheet_corrected_up_to_the_standard_ends_the_run_from_that_day(world: Any) -> None:
    # Given 90 / 80.5 and three sheets below it (2026-11, 2026-12, 2027-01, delivered on the 8th): the ground
    # from 2027-02-08
    cid = world.active_contract(
        obligations=[KPI], service_standards={"connect_rate_min_pct": "90", "satisfaction_min_pct": "80.5"}
    )
    for i in range(3):
        period, on = _month(i)
        deliver(world, cid, "sla", period, on, kpis("89.99", "95"))
    assert "quality_below_standard" in grounds(world, cid, date(2027, 2, 8))
    # When on 2027-02-20 December's sheet is corrected to exactly the standard (90.00 / 80.50)
    world.travel(date(2027, 2, 20))
    path = f"/contracts/{cid}/obligations/sla/deliveries/2026-12/corrections"
    world.ok("POST", path, {"reason": "录入错误", "kpis": kpis("90", "80.5")}, status=201)
    # Then the run is broken from that day; the view as of the day before still shows the ground
    assert grounds(world, cid, date(2027, 2, 20)) == {}
    assert "quality_below_standard" in grounds(world, cid, date(2027, 2, 19))
    assert at(world, cid, "sla", "2026-12", date(2027, 2, 20))["breaches"] == []
    # When on 02-25 it is corrected back to 0.01 below: breached again, the ground again, but no second notice
    world.travel(date(2027, 2, 25))
    world.ok("POST", path, {"reason": "复核后更正", "kpis": kpis("89.99", "80.5")}, status=201)
    assert [e["period"] for e in grounds(world, cid, date(2027, 2, 25))["quality_below_standard"]["evidence"]] == [
        "2026-11",
        "2026-12",
        "2027-01",
    ]
    world.deliver()
    assert len(mails("vendor@example.com", "整改通知书")) == 3
    assert audit_types(world, cid).count("ServiceStandardBreached") == 3


def test_a_late_sheet_that_closes_a_run_of_three_says_so(world: Any) -> None:
    # Given the seeds' 95 / 85: November and January below standard, December's sheet not yet in
    cid = world.active_contract(obligations=[KPI])
    low = kpis("80", "90")
    deliver(world, cid, "sla", "2026-11", date(2026, 12, 8), low)
    deliver(world, cid, "sla", "2027-01", date(2027, 2, 8), low)
    assert grounds(world, cid, date(2027, 2, 8)) == {}
    # When December's comes in late on 2027-02-09, below standard too
    deliver(world, cid, "sla", "2026-12", date(2027, 2, 9), low)
    # Then three periods in a row are below standard: the client's ground, and December's notice says so
    assert "quality_below_standard" in grounds(world, cid, date(2027, 2, 9))
    breached = [
        e["data"]
        for e in world.ok("GET", f"/contracts/{cid}/audit")["entries"]
        if e["type"] == "ServiceStandardBreached"
    ]
    assert [(e["period"], e["consecutive"], e["termination_ground"]) for e in breached] == [
        ("2026-11", 1, False),
        ("2027-01", 1, False),
        ("2026-12", 3, True),
    ]
    notice = world.call("GET", f"/contracts/{cid}/document?part=rectification:sla:2026-12").body.decode()
    assert "连续三期未达标的，甲方有权依约解除合同" in notice
