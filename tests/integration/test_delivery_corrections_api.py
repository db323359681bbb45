"""Corrections of recorded deliveries on moto: route → store → the obligations view, the audit, the emails the
notifier sends, Idempotency-Key retries, refused bodies writing nothing, a set-off beyond a corrected penalty, and
two corrections racing on the real table."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.support import emails_to

pytestmark = pytest.mark.integration

GOOD = {"connect_rate_pct": "96.5", "satisfaction_pct": "88", "call_quality_ok": True}
LOW = {"connect_rate_pct": "93", "satisfaction_pct": "88", "call_quality_ok": True}
# 0.01 % of the contract amount (360000.00) per day late: 36.00 a day, at most 1 % (3600.00).
VENDOR_PENALTY = {"mode": "daily_pct", "rate_pct": "0.01", "cap_pct": "1"}
TITLE = "履约记录更正通知"


def _deliver(world: Any, cid: str, key: str, period: str, on: date, kpis: Any = None) -> Any:
    world.travel(on)
    body: dict[str, Any] = {"period": period, "delivered_on": on.isoformat()}
    if kpis is not None:
        body["kpis"] = kpis
    return world.ok("POST", f"/contracts/{cid}/obligations/{key}/deliveries", body, status=201)


def _path(cid: str, key: str, period: str) -> str:
    return f"/contracts/{cid}/obligations/{key}/deliveries/{period}/corrections"


def _period(world: Any, cid: str, key: str, period: str, as_of: date | None = None) -> dict[str, Any]:
    q = f"?as_of={as_of.isoformat()}" if as_of else ""
    view = world.ok("GET", f"/contracts/{cid}/obligations{q}")
    ob = next(o for o in view["obligations"] if o["key"] == key)
    return dict(next(p for p in ob["periods"] if p["period"] == period))


def _audit(world: Any, cid: str) -> list[dict[str, Any]]:
    audit = world.ok("GET", f"/contracts/{cid}/audit")
    assert audit["verified"] is True
    return list(audit["entries"])


def _subjects(address: str, title: str) -> list[dict[str, Any]]:
    return [m for m in emails_to(address) if title in m["subject"]]


def test_a_late_report_corrected_to_on_time(world: Any) -> None:
    # Given the vendor's November call results recorded as delivered on 2026-12-08 (due 12-05): 3 days late
    cid = world.active_contract(vendor_late_penalty=VENDOR_PENALTY)
    _deliver(world, cid, "call_results", "2026-11", date(2026, 12, 8))
    world.travel(date(2026, 12, 20))
    before = _period(world, cid, "call_results", "2026-11", date(2026, 12, 19))
    assert (before["status"], before["days_late"], before["penalty"]["amount"]) == ("late", 3, "108.00")

    # When the operator corrects it on 12-20 with an Idempotency-Key, and the client retries the same request
    body = {"reason": "回执日期录入错误，实际12月4日收到", "delivered_on": "2026-12-04", "note": "以邮件回执为准"}
    keyed = {"Idempotency-Key": "fix-call-results-2026-11"}
    reply = world.ok("POST", _path(cid, "call_results", "2026-11"), body, status=201, headers=keyed)
    assert world.ok("POST", _path(cid, "call_results", "2026-11"), body, status=201, headers=keyed) == reply
    world.deliver()

    # Then the period is on time, with no penalty, and the correction beside the original
    assert (reply["status"], reply["delivered_on"], reply["days_late"], reply["note"]) == (
        "delivered",
        "2026-12-04",
        0,
        "以邮件回执为准",
    )
    assert reply["penalty"]["amount"] == "0.00" and reply["corrected"] is True
    [fix] = reply["corrections"]
    assert (fix["action"], fix["changed"], fix["reason"]) == ("corrected", ["delivered_on", "note"], body["reason"])
    assert fix["actor"].startswith("staff:operator:") and fix["at"].endswith("+08:00")
    assert (fix["before"]["delivered_on"], fix["after"]["delivered_on"]) == ("2026-12-08", "2026-12-04")
    view = _period(world, cid, "call_results", "2026-11")
    assert {k: view[k] for k in ("status", "days_late", "corrections")} == {
        "status": "delivered",
        "days_late": 0,
        "corrections": reply["corrections"],
    }
    # And as of the day before the correction was recorded, the view is what it was
    assert _period(world, cid, "call_results", "2026-11", date(2026, 12, 19)) == before
    # And one audit entry with before and after, in the verified chain
    [entry] = [e for e in _audit(world, cid) if e["type"] == "DeliveryCorrected"]
    assert entry["data"]["before"]["delivered_on"] == "2026-12-08"
    assert entry["data"]["after"]["delivered_on"] == "2026-12-04"
    assert (entry["data"]["penalty_before"], entry["data"]["penalty_after"]) == ("108.00", "0.00")
    # And the operator, the vendor (whose record it is) and the client (its penalty claim changed) are told once
    for who in ("operator@hetong.test", "vendor@example.com", "client@example.com"):
        mails = _subjects(who, TITLE)
        assert len(mails) == 1, who
        assert "108.00" in mails[0]["body"] and "2026-12-08 → 2026-12-04" in mails[0]["body"]


def test_bad_corrections_name_the_field_and_write_nothing(world: Any) -> None:
    cid = world.active_contract()
    _deliver(world, cid, "quality_kpis", "2026-11", date(2026, 12, 5), GOOD)
    world.travel(date(2026, 12, 20))
    audit = len(_audit(world, cid))
    view = world.ok("GET", f"/contracts/{cid}/obligations")
    path = _path(cid, "quality_kpis", "2026-11")
    cases = [
        (path, {"delivered_on": "2026-12-06"}, 400, "reason"),
        (path, {"reason": "", "delivered_on": "2026-12-06"}, 400, "reason"),
        (path, {"reason": "日期\u202e错误", "delivered_on": "2026-12-06"}, 400, "reason"),
        (path, {"reason": "r"}, 400, "body"),
        (path, {"reason": "r", "delivered_on": "2026-12-21"}, 400, "delivered_on"),  # after today
        (path, {"reason": "r", "delivered_on": "2026-11-21"}, 400, "delivered_on"),  # before the period
        (path, {"reason": "r", "kpis": {**GOOD, "connect_rate_pct": "101"}}, 400, "kpis.connect_rate_pct"),
        (path, {"reason": "r", "kpis": {**GOOD, "call_quality_ok": "yes"}}, 400, "kpis.call_quality_ok"),
        (path, {"reason": "r", "withdrawn": True, "note": "x"}, 400, "note"),
        (path, {"reason": "r", "withdrawn": False}, 400, "withdrawn"),
        (path, {"reason": "r", "note": "x", "extra": 1}, 400, "extra"),
        (path, {"reason": "r", "note": ""}, 409, "period"),  # nothing to correct: the note is already empty
        (_path(cid, "call_results", "2026-11"), {"reason": "r", "note": "x"}, 409, "period"),  # not delivered
        (_path(cid, "call_results", "2026-11"), {"reason": "r", "kpis": GOOD}, 409, "period"),
        (_path(cid, "quality_kpis", "2030-01"), {"reason": "r", "note": "x"}, 404, "period"),
        (_path(cid, "quality_kpis", "2026-Q4"), {"reason": "r", "note": "x"}, 404, "period"),
        (_path(cid, "quality_kpis", "next"), {"reason": "r", "note": "x"}, 400, "period"),
        (_path(cid, "nope", "2026-11"), {"reason": "r", "note": "x"}, 404, "key"),
    ]
    for url, body, status, field in cases:
        resp = world.call("POST", url, body)
        assert resp.status_code == status and resp.json_body["error"]["field"] == field, (body, resp.json_body)
    unknown = world.call("POST", _path("0" * 26, "quality_kpis", "2026-11"), {"reason": "r", "note": "x"})
    assert unknown.status_code == 404
    finance = world.call("POST", path, {"reason": "r", "note": "x"}, role="finance")
    assert finance.status_code == 403
    # A kpis correction on a report that carries none, once it is delivered
    _deliver(world, cid, "call_results", "2026-11", date(2026, 12, 20))
    audit += 1
    resp = world.call("POST", _path(cid, "call_results", "2026-11"), {"reason": "r", "kpis": GOOD})
    assert resp.status_code == 400 and resp.json_body["error"]["field"] == "kpis"
    assert len(_audit(world, cid)) == audit
    after = world.ok("GET", f"/contracts/{cid}/obligations")
    assert _kpis_period(after) == _kpis_period(view) and _kpis_period(after)["corrections"] == []


def _kpis_period(view: dict[str, Any]) -> dict[str, Any]:
    ob = next(o for o in view["obligations"] if o["key"] == "quality_kpis")
    return dict(next(p for p in ob["periods"] if p["period"] == "2026-11"))


def test_withdrawn_then_the_job_then_delivered_again(world: Any) -> None:
    # Given December's call results recorded on 2027-01-03 (due 01-05), the job run on its days to 01-10
    cid = world.active_contract(vendor_late_penalty=VENDOR_PENALTY)
    _deliver(world, cid, "call_results", "2026-12", date(2027, 1, 3))
    for day in (date(2026, 12, 31), date(2027, 1, 6), date(2027, 1, 10)):
        world.run("obligations", day)
    letters = "overdue-notice:call_results:2026-12"
    assert world.call("GET", f"/contracts/{cid}/document?part={letters}").status_code == 404
    # When the operator withdraws it: the vendor never sent it
    world.travel(date(2027, 1, 10))
    gone = world.ok(
        "POST", _path(cid, "call_results", "2026-12"), {"reason": "误录，乙方未报送", "withdrawn": True}, status=201
    )
    assert (gone["status"], gone["delivered_on"], gone["days_late"], gone["penalty"]["amount"]) == (
        "missed",
        None,
        5,
        "180.00",
    )
    # Then the next daily run issues its 逾期履行通知书, once
    first = world.run("obligations", date(2027, 1, 11))
    again = world.run("obligations", date(2027, 1, 11))
    assert first["overdue"] >= 1 and again["overdue"] == 0
    assert world.call("GET", f"/contracts/{cid}/document?part={letters}").status_code == 200
    overdue = [
        m
        for m in _subjects("client@example.com", "逾期履行通知书")
        if "外呼结果反馈 / Call results」（2026-12期" in m["body"]
    ]
    assert len(overdue) == 1
    # And it can be delivered again; the view keeps every step
    _deliver(world, cid, "call_results", "2026-12", date(2027, 1, 12))
    period = _period(world, cid, "call_results", "2026-12")
    assert (period["status"], period["days_late"], period["penalty"]["amount"]) == ("late", 7, "252.00")
    assert [c["action"] for c in period["corrections"]] == ["withdrawn", "redelivered"]
    # And a second withdrawal of the same period, with the same key, changes nothing twice
    body = {"reason": "再次误录", "withdrawn": True}
    keyed = {"Idempotency-Key": "withdraw-2"}
    world.travel(date(2027, 1, 13))
    one = world.ok("POST", _path(cid, "call_results", "2026-12"), body, status=201, headers=keyed)
    two = world.ok("POST", _path(cid, "call_results", "2026-12"), body, status=201, headers=keyed)
    assert one == two and [c["action"] for c in one["corrections"]] == ["withdrawn", "redelivered", "withdrawn"]
    assert [e["type"] for e in _audit(world, cid)].count("DeliveryCorrected") == 2


def _grounds(world: Any, cid: str) -> list[str]:
    return [g["code"] for g in world.contract(cid)["termination_grounds"]]


def test_kpis_corrected_above_standard_end_the_termination_ground(world: Any) -> None:
    # Given three KPI sheets below standard: three 整改通知书 and the client's ground
    cid = world.active_contract()
    for period, on in (("2026-11", date(2026, 12, 8)), ("2026-12", date(2027, 1, 8)), ("2027-01", date(2027, 2, 8))):
        _deliver(world, cid, "quality_kpis", period, on, LOW)
    world.deliver()
    assert "quality_below_standard" in _grounds(world, cid)
    # When January's figures are corrected: they met the standard
    world.travel(date(2027, 2, 12))
    world.ok("POST", _path(cid, "quality_kpis", "2027-01"), {"reason": "数据口径更正", "kpis": GOOD}, status=201)
    world.deliver()
    # Then the ground is gone; the notices already sent stay
    assert "quality_below_standard" not in _grounds(world, cid)
    assert len(_subjects("vendor@example.com", "整改通知书")) == 3
    [mail] = _subjects("client@example.com", TITLE)
    assert "不再成立" in mail["body"] and "93.00% → " not in mail["body"]
    assert "接通率 93.00%" in mail["body"] and "接通率 96.50%" in mail["body"]


def test_a_set_off_beyond_a_corrected_penalty(world: Any) -> None:
    # Given a late report (3 days: 108.00) whose penalty the client set off against the fee
    cid = world.active_contract(vendor_late_penalty=VENDOR_PENALTY)
    world.run("invoicing", date(2026, 11, 22))
    _deliver(world, cid, "call_results", "2026-11", date(2026, 12, 8))
    world.travel(date(2026, 12, 15))
    claim = "obligation:call_results:2026-11"
    set_off = {"year": 1, "amount": "108.00", "reason": "逾期违约金抵扣", "claim": claim}
    world.ok("POST", f"/contracts/{cid}/set-offs", set_off, role="finance", status=201)
    # When the date is corrected to one day late (36.00)
    world.travel(date(2026, 12, 20))
    world.ok(
        "POST", _path(cid, "call_results", "2026-11"), {"reason": "日期更正", "delivered_on": "2026-12-06"}, status=201
    )
    world.deliver()
    # Then the view shows the 72.00 deducted beyond it, and finance is told
    penalty = _period(world, cid, "call_results", "2026-11")["penalty"]
    assert (penalty["amount"], penalty["set_off"], penalty["over_set_off"], penalty["settled"]) == (
        "36.00",
        "36.00",
        "72.00",
        True,
    )
    [mail] = _subjects("finance@hetong.test", TITLE)
    assert "72.00" in mail["body"]


def test_two_corrections_racing_on_the_table(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.api.obligation_correction_requests import CorrectDeliveryRequest
    from chalicelib.bootstrap import get_deps
    from chalicelib.services import delivery_corrections
    from tests.factories import command

    cid = world.active_contract()
    _deliver(world, cid, "call_results", "2026-11", date(2026, 12, 3))
    world.travel(date(2026, 12, 20))
    repo = get_deps().repo
    commit = repo.commit
    raced: list[bool] = []

    def racing_commit(changes: Any) -> None:
        if not raced and any(i.kind == "delivery_revision" for i in changes.items):
            raced.append(True)
            rival = command(CorrectDeliveryRequest, {"reason": "备注补录", "note": "邮件回执"})
            delivery_corrections.correct_delivery(get_deps(), cid, "call_results", "2026-11", rival, "staff:other")
        commit(changes)

    monkeypatch.setattr(repo, "commit", racing_commit)
    reply = world.ok(
        "POST", _path(cid, "call_results", "2026-11"), {"reason": "日期", "delivered_on": "2026-12-04"}, status=201
    )
    # The rival landed first; ours ran again on top of it
    assert (reply["corrections"][0]["no"], reply["corrections"][0]["actor"]) == (1, "staff:other")
    assert (reply["delivered_on"], reply["note"], len(reply["corrections"])) == ("2026-12-04", "邮件回执", 2)
    assert [e["type"] for e in _audit(world, cid)].count("DeliveryCorrected") == 2
