"""The 履约 part of `python -m devstack demo`, in the contract's first (partial) month, 2024-03-18 to 03-31: the
client's target list arrives on time; the daily obligations job finds the vendor's call results late
(逾期履行通知书, with the penalty so far) and reminds it of its KPI sheet; the results come in late and the KPI sheet
below the service standard (整改通知书); the operator corrects the results' date from the vendor's email receipt,
and the penalty follows. Every step checks its figures and claims the emails it explains, like the rest of the
story."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from chalicelib.domain.calendar import add_days
from chalicelib.domain.money import amount_in_figures, quantize, to_money
from devstack.demo import ANNUAL_FEE, CLIENT, PENALTY_RATE_PCT, SIGNED_ON, TERM_YEARS, VENDOR, expect, money

if TYPE_CHECKING:
    from devstack.demo import Story

PERIOD = f"{SIGNED_ON:%Y-%m}"
MONTH_END = date(2024, 3, 31)  # the first period ends with the calendar month (Asia/Shanghai)
LIST_ON = add_days(MONTH_END, -2)
RESULTS_DUE = add_days(MONTH_END, 5)  # 外呼结果反馈 3.3(4): 5 days after the month
JOB_ON = add_days(RESULTS_DUE, 1)
REPORTS_ON = add_days(RESULTS_DUE, 3)
CORRECTED_ON = add_days(REPORTS_ON, 1)
RECEIPT_ON = add_days(REPORTS_ON, -1)
# The vendor late penalty defaults to the late-payment clause: 0.05 % of the contract amount a day.
CONTRACT_AMOUNT = ANNUAL_FEE * TERM_YEARS
LOW_KPIS = {"connect_rate_pct": "93.2", "satisfaction_pct": "88", "call_quality_ok": True}


def _penalty(days: int) -> Decimal:
    return quantize(CONTRACT_AMOUNT * PENALTY_RATE_PCT / Decimal(100) * days)


def _period(story: Story, key: str) -> dict[str, Any]:
    view = story.api.call("GET", f"/contracts/{story.contract_id}/obligations")
    ob = next(o for o in view["obligations"] if o["key"] == key)
    return dict(next(p for p in ob["periods"] if p["period"] == PERIOD))


def _deliver(story: Story, key: str, on: date, kpis: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"period": PERIOD, "delivered_on": on.isoformat()}
    if kpis is not None:
        body["kpis"] = kpis
    path = f"/contracts/{story.contract_id}/obligations/{key}/deliveries"
    return dict(story.api.call("POST", path, body, expect_status=201))


def first_month(story: Story) -> None:
    """The client's list on time; the job on the day after the results were due."""
    t, client, vendor = story.timeline, CLIENT["email"], VENDOR["email"]
    operator = str(story.stack.info["operator_email"])
    with story.at(LIST_ON, "目标客户名单 target list"):
        done = _deliver(story, "target_list", LIST_ON)
        expect(done["status"] == "delivered", f"the client's {PERIOD} target list is {done['status']}")
        t.event(LIST_ON, "甲方报送目标客户名单 client's target list", f"{PERIOD}期 on time (due {done['due_on']})")
        story.deliveries()  # a delivery on time tells no one; the view shows it

    with story.at(JOB_ON, "履约检查 obligations job"):
        result = story.worker("obligations", JOB_ON)
        results = _period(story, "call_results")
        expect(
            (results["status"], results["days_late"]) == ("missed", 1),
            f"the call results for {PERIOD} are {results['status']}, {results['days_late']} days late on {JOB_ON}",
        )
        expect(to_money(results["penalty"]["amount"]) == _penalty(1), f"penalty so far {results['penalty']}")
        t.event(
            JOB_ON,
            "逾期履行通知书 notice of late performance",
            f"乙方 vendor's call results for {PERIOD}, due {RESULTS_DUE}: 1 day late",
        )
        t.more(
            f"逾期违约金 so far {money(results['penalty']['amount'])} (obligations --as-of {JOB_ON}: "
            f"{result['overdue']} overdue, {result['reminders']} reminder{'' if result['reminders'] == 1 else 's'})"
        )
        t.more(f"履约报送提醒 the vendor is reminded of its {PERIOD} KPI sheet, with its submit link")
        late = "逾期履行通知书"
        story.deliveries([(client, late), (vendor, late), (operator, late), (vendor, "履约报送提醒")])


def reports(story: Story) -> None:
    """The results late, the KPI sheet below standard; then the results' date corrected."""
    t, client, vendor = story.timeline, CLIENT["email"], VENDOR["email"]
    operator = str(story.stack.info["operator_email"])
    with story.at(REPORTS_ON, "乙方报送 vendor's reports"):
        results = _deliver(story, "call_results", REPORTS_ON)
        expect(
            (results["status"], results["days_late"], to_money(results["penalty"]["amount"]))
            == ("late", 3, _penalty(3)),
            f"the late call results: {results['status']}, {results['days_late']} days, {results['penalty']}",
        )
        sheet = _deliver(story, "quality_kpis", REPORTS_ON, LOW_KPIS)
        expect(sheet["breaches"] == ["connect_rate"], f"the KPI sheet's breaches are {sheet['breaches']}")
        t.event(REPORTS_ON, "乙方补报外呼结果 call results, late", f"{PERIOD}期 逾期3天 3 days late")
        t.more(
            f"逾期违约金 late penalty {money(results['penalty']['amount'])} = "
            f"{amount_in_figures(CONTRACT_AMOUNT)} × {PENALTY_RATE_PCT}% × 3 天"
        )
        t.event(
            REPORTS_ON,
            "服务质量指标未达标 KPI sheet below standard",
            f"接通率 connect rate {LOW_KPIS['connect_rate_pct']}% < 95% → 整改通知书 rectification notice",
        )
        notice = "整改通知书"
        story.deliveries([(client, notice), (vendor, notice), (operator, notice)])

    with story.at(CORRECTED_ON, "更正报送记录 delivery corrected"):
        reason = f"以乙方邮件回执为准，{RECEIPT_ON:%-m月%-d日}已收到"
        fixed = story.api.call(
            "POST",
            f"/contracts/{story.contract_id}/obligations/call_results/deliveries/{PERIOD}/corrections",
            {"reason": reason, "delivered_on": RECEIPT_ON.isoformat()},
            expect_status=201,
        )
        expect(
            (fixed["days_late"], to_money(fixed["penalty"]["amount"]), len(fixed["corrections"]))
            == (2, _penalty(2), 1),
            f"after the correction: {fixed['days_late']} days, {fixed['penalty']}, {fixed['corrections']}",
        )
        t.event(
            CORRECTED_ON,
            "更正报送记录 delivery corrected",
            f"外呼结果 {PERIOD}期 delivered {REPORTS_ON} → {RECEIPT_ON} (原记录保留 the original is kept)",
        )
        t.more(f"理由 reason: {reason}")
        t.more(f"逾期2天 2 days late · 逾期违约金 late penalty {money(fixed['penalty']['amount'])}")
        corrected = "履约记录更正通知"
        story.deliveries([(operator, corrected), (vendor, corrected), (client, corrected)])
