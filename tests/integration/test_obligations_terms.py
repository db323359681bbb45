"""履约 terms changed by a supplementary agreement, and contracts stored before obligations existed, on moto."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tests.integration.test_notices_and_amendments import sign_amendment

pytestmark = pytest.mark.integration


def _keys(world: Any, cid: str, as_of: str) -> dict[str, list[str]]:
    view = world.ok("GET", f"/contracts/{cid}/obligations?as_of={as_of}")
    return {o["key"]: [p["period"] for p in o["periods"]] for o in view["obligations"]}


def test_an_agreement_changes_the_obligations_of_later_periods(world: Any) -> None:
    # Given an outbound-call contract in force from 2026-11-22
    cid = world.active_contract()
    # When a supplementary agreement signed on 2027-01-15 drops the satisfaction survey, gives the KPI sheet 5 days
    # and sets the incident reporting time to 4 hours
    world.travel(date(2027, 1, 15))
    kpi = {
        "key": "quality_kpis",
        "party": "vendor",
        "title": "服务质量指标 / Quality indicators",
        "clause": "3.2, 6.2",
        "period": "month",
        "due_days_after": 5,
        "kind": "kpi",
    }
    bad = world.call(
        "POST", f"/contracts/{cid}/amendments", {"changes": {"obligations": [kpi, kpi]}, "reason": "调整报送"}
    )
    assert bad.status_code == 400 and bad.json_body["error"]["field"] == "changes.obligations[1].key"
    world.ok(
        "POST",
        f"/contracts/{cid}/amendments",
        {"changes": {"obligations": [kpi], "incident_report_hours": 4}, "reason": "调整报送"},
        status=201,
    )
    doc = world.call("GET", f"/contracts/{cid}/document?part=amendment:1").body.decode()
    assert "履约义务" in doc and "危机事件报告时限" in doc and "4小时" in doc
    sign_amendment(world, 1)
    # Then periods that started before it keep the old terms, later ones follow the new
    view = world.ok("GET", f"/contracts/{cid}/obligations?as_of=2027-03-01")
    kpis = next(o for o in view["obligations"] if o["key"] == "quality_kpis")
    assert [(p["period"], p["due_on"]) for p in kpis["periods"]] == [
        ("2026-11", "2026-12-10"),
        ("2026-12", "2027-01-10"),
        ("2027-01", "2027-02-10"),  # started before the agreement
        ("2027-02", "2027-03-05"),
        ("2027-03", "2027-04-05"),
    ]
    # the dropped survey keeps the periods that started before the agreement; none after it
    survey = next(o for o in view["obligations"] if o["key"] == "satisfaction_survey")
    assert [p["period"] for p in survey["periods"]] == ["2026-Q4", "2027-Q1"]
    assert [o["key"] for o in view["obligations"]] == [
        "quality_kpis",
        "call_results",
        "satisfaction_survey",
        "target_list",
    ]
    assert view["incident_report_hours"] == 4
    assert world.contract(cid)["terms"]["incident_report_hours"] == 4


def test_a_contract_stored_before_obligations_gets_the_template_defaults(world: Any, aws: dict[str, Any]) -> None:
    import boto3

    from tests.stored_items import store_body, stored_body

    # Given a contract whose stored terms have no obligation fields (written before this feature)
    cid = world.active_contract()
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(aws["tables"]["MainTable"]["name"])
    item = table.get_item(Key={"pk": f"CONTRACT#{cid}", "sk": "META"})["Item"]
    body = stored_body(item)
    for version in body["terms_versions"]:
        for key in ("obligations", "vendor_late_penalty", "incident_report_hours"):
            version["terms"].pop(key, None)
    for key in ("obligations_checked_on", "obligations_indexed_on", "incident_count"):
        body.pop(key)
    table.delete_item(Key={"pk": f"CONTRACT#{cid}", "sk": "DUTIES"})
    table.put_item(Item=store_body(item, body, plain=True))  # the plain body of then
    # Then it reads with the template's obligations, 2 hours for incidents and the late-payment clause for the vendor
    view = world.ok("GET", f"/contracts/{cid}/obligations?as_of=2026-12-31")
    assert [o["key"] for o in view["obligations"]] == [
        "call_results",
        "quality_kpis",
        "satisfaction_survey",
        "target_list",
    ]
    assert view["incident_report_hours"] == 2
    assert view["vendor_late_penalty"] == {"mode": "daily_pct", "rate_pct": "0.05", "cap_pct": None}
    assert world.contract(cid)["termination_grounds"] == []
    # And the migration step puts it on the obligations schedule (once), so the daily job reminds from then on
    assert world.run("obligations", date(2026, 12, 5))["contracts_due"] == 0
    assert world.run("migrate", date(2026, 12, 5))["obligations_indexed"] == 1
    assert world.run("migrate", date(2026, 12, 5))["obligations_indexed"] == 0
    assert world.run("obligations", date(2026, 12, 5))["reminders"] >= 1


def test_a_migrated_contract_is_not_notified_of_periods_missed_before_the_migration(
    world: Any, aws: dict[str, Any]
) -> None:
    import boto3

    from tests.stored_items import store_body, stored_body

    # Given a contract in force since 2026, stored before obligations existed, migrated months later
    cid = world.active_contract()
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(aws["tables"]["MainTable"]["name"])
    item = table.get_item(Key={"pk": f"CONTRACT#{cid}", "sk": "META"})["Item"]
    body = stored_body(item)
    for key in ("obligations_checked_on", "obligations_indexed_on"):
        body.pop(key)
    table.delete_item(Key={"pk": f"CONTRACT#{cid}", "sk": "DUTIES"})
    table.put_item(Item=store_body(item, body, plain=True))
    migrated_on = date(2027, 4, 1)
    assert world.run("migrate", migrated_on)["obligations_indexed"] == 1
    before = world.ok("GET", f"/contracts/{cid}/obligations?as_of=2027-04-01")
    missed = [(o["key"], p["period"]) for o in before["obligations"] for p in o["periods"] if p["status"] == "missed"]
    assert missed  # months of undelivered reports: shown as missed...
    # When the daily job runs every day of the following month
    overdue = 0
    for day in range(1, 31):
        overdue += world.run("obligations", date(2027, 4, day))["overdue"]
    # Then only periods that became overdue after the migration are notified, each once
    view = world.ok("GET", f"/contracts/{cid}/obligations?as_of=2027-04-30")
    newly = [
        (o["key"], p["period"])
        for o in view["obligations"]
        for p in o["periods"]
        if p["status"] == "missed" and date.fromisoformat(p["due_on"]) >= migrated_on - timedelta(days=1)
    ]
    assert overdue == len(newly)
    assert newly  # the April run did find something to notify (the test would pass vacuously otherwise)
    # And a delivery recorded late for a period before the migration, then withdrawn, does not reopen the rest
    key, period = next(kp for kp in missed if kp[0] == "call_results")
    world.travel(date(2027, 5, 2))
    body = {"period": period, "delivered_on": "2027-05-02"}
    world.ok("POST", f"/contracts/{cid}/obligations/{key}/deliveries", body, status=201)
    path = f"/contracts/{cid}/obligations/{key}/deliveries/{period}/corrections"
    world.ok("POST", path, {"reason": "recorded against the wrong month", "withdrawn": True}, status=201)
    later = sum(world.run("obligations", date(2027, 5, day))["overdue"] for day in range(2, 6))
    view = world.ok("GET", f"/contracts/{cid}/obligations?as_of=2027-05-05")
    due_since = [  # overdue for the first time on 05-01 .. 05-05: notified by these runs, nothing older
        p["period"]
        for o in view["obligations"]
        for p in o["periods"]
        if p["status"] == "missed" and date(2027, 4, 30) <= date.fromisoformat(p["due_on"]) <= date(2027, 5, 4)
    ]
    assert later == len(due_since)
