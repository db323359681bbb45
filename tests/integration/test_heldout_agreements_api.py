"""Held-out-style stories of supplementary agreements, termination notices and the contract's end, through the API
and the workers on moto: the figures as of several days, the documents (part=amendment:N, notice:N) and the emails
and finance alerts each step sends, once each. Expected values are worked out by hand from
docs/domain-rules.md in the comments."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.support import emails_to, finance_messages, sent_emails, signing_link, token_of

pytestmark = pytest.mark.integration

D = date.fromisoformat
CLIENT, VENDOR, OPERATOR = "client@example.com", "vendor@example.com", "operator@hetong.test"


def at(world: Any, day: str, hour_utc: int = 4) -> None:
    d = D(day)
    world.clock.set(datetime(d.year, d.month, d.day, hour_utc, 0, tzinfo=UTC))


def signed_on(world: Any, day: str, **terms: Any) -> str:
    at(world, (D(day) - timedelta(days=2)).isoformat())
    cid = world.draft(**terms)
    world.ok("POST", f"/contracts/{cid}/send")
    world.deliver()
    at(world, day)
    for who in (CLIENT, VENDOR):
        token = token_of(signing_link(who))
        world.ok("POST", f"/sign/{token}", {"signer_name": "张伟", "consent": True}, role=None, status=201)
    world.deliver()
    return cid


def amend(world: Any, cid: str, day: str, changes: dict[str, Any], hour_utc: int = 6) -> dict[str, Any]:
    at(world, day, hour_utc)
    reply = world.ok("POST", f"/contracts/{cid}/amendments", {"changes": changes, "reason": "双方协商变更"}, status=201)
    world.deliver()
    for who in (CLIENT, VENDOR):
        token = token_of(signing_link(who))
        world.ok("POST", f"/sign/{token}", {"signer_name": "王芳", "consent": True}, role=None, status=201)
    world.deliver()
    return dict(reply)


def pay(world: Any, cid: str, amount: str, day: str, voucher: str) -> dict[str, Any]:
    at(world, day, 7)
    body = {"amount": amount, "paid_on": day, "voucher_no": voucher, "method": "bank_transfer"}
    reply = world.ok("POST", f"/contracts/{cid}/payments", body, role="finance", status=201)
    world.deliver()
    return dict(reply)


def subjects(address: str, words: str) -> int:
    return len([m for m in emails_to(address) if words in m["subject"]])


def alerts(world: Any, event_type: str) -> list[dict[str, Any]]:
    return [m for m in finance_messages(world.aws) if m.get("type", m.get("event_type")) == event_type]


def document(world: Any, cid: str, part: str) -> str:
    resp = world.call("GET", f"/contracts/{cid}/document?part={part}")
    assert resp.status_code == 200, resp.body
    return resp.body.decode() if isinstance(resp.body, bytes) else str(resp.body)


def ledger(world: Any, cid: str, as_of: str) -> dict[str, Any]:
    return dict(world.ok("GET", f"/contracts/{cid}/ledger?as_of={as_of}", role="finance"))


def test_leap_day_fee_lowered_on_a_paid_years_first_day_then_the_vendors_notice(world: Any) -> None:
    # Effective 2024-02-29, 5 years, 123,456.78 a year, due 7 days, 90 days' notice.
    cid = signed_on(
        world, "2024-02-29", term_years=5, annual_fee="123456.78", payment_due_days=7, notice_period_days=90
    )
    contract = world.contract(cid)
    # The term ends the day before 2029-02-28 (2029 has no 29 Feb): 2029-02-27.
    assert (contract["effective_date"], contract["end_date"]) == ("2024-02-29", "2029-02-27")
    assert contract["contract_amount"] == "617283.90"  # 5 x 123,456.78
    world.run("invoicing", D("2024-02-29"))
    pay(world, cid, "123456.78", "2024-03-07", "BK-1")
    # Year 2 starts 2025-02-28, issued at 123,456.78 due 2025-03-07, paid that morning.
    world.run("invoicing", D("2025-02-28"))
    pay(world, cid, "123456.78", "2025-02-28", "BK-2")
    before = len(sent_emails())
    # That afternoon both sign agreement 1: the fee is lowered to 98,765.43 from the day it is in force.
    reply = amend(world, cid, "2025-02-28", {"annual_fee": "98765.43"})
    assert reply["amendment_no"] == 1
    html = document(world, cid, "amendment:1")
    assert "123,456.78" in html and "人民币壹拾贰万叁仟肆佰伍拾陆元柒角捌分" in html
    assert "98,765.43" in html and "人民币玖万捌仟柒佰陆拾伍元肆角叁分" in html
    # In force on year 2's first day: year 2 revised to 98,765.43, due max(2025-03-07, 2025-02-28 + 7); the
    # 24,691.35 paid beyond it is credit.
    year2 = world.invoices(cid, D("2025-02-28"))[1]
    assert (year2["amount"], year2["original_amount"], year2["due_date"], year2["status"]) == (
        "98765.43",
        "123456.78",
        "2025-03-07",
        "paid",
    )
    assert [(r["on"], r["amount"]) for r in year2["revisions"]] == [("2025-02-28", "98765.43")]
    assert ledger(world, cid, "2025-02-28")["balances"]["credit"] == "24691.35"
    # Emails: each party one invitation and one in-force notice; the client one revised 付款通知书.
    new = sent_emails()[before:]
    for who in (CLIENT, VENDOR):
        assert len([m for m in new if who in m["to"] and "补充协议（第1号）已生效" in m["subject"]]) == 1
    assert len([m for m in new if CLIENT in m["to"] and "付款通知书（修订）" in m["subject"]]) == 1
    assert len([m for m in new if VENDOR in m["to"] and "付款通知书（修订）" in m["subject"]]) == 0
    assert len(alerts(world, "InvoiceRevised")) == 1
    # 合同金额 = 123,456.78 + 4 x 98,765.43 = 518,518.50
    assert world.contract(cid)["contract_amount"] == "518518.50"
    # Year 3 (2026-02-28): 98,765.43 due 2026-03-07, the credit pays 24,691.35 on its issue date.
    world.run("invoicing", D("2026-02-28"))
    year3 = world.invoices(cid, D("2026-02-28"))[2]
    assert (year3["amount"], year3["due_date"], year3["outstanding"]) == ("98765.43", "2026-03-07", "74074.08")
    # The vendor serves notice for non-payment on 2026-06-01: in force 2026-08-30 (90 days), mid-year 3.
    at(world, "2026-06-01")
    served = world.ok(
        "POST",
        f"/contracts/{cid}/termination",
        {"by": "vendor", "reason_code": "non_payment", "details": "甲方逾期未付第三年度服务费"},
        status=201,
    )
    assert served["effective_date"] == "2026-08-30"
    world.deliver()
    notice_html = document(world, cid, "notice:1")
    assert "2026年8月30日" in notice_html and "74,074.08" in notice_html
    assert "人民币柒万肆仟零柒拾肆元零捌分" in notice_html
    for who in (CLIENT, VENDOR):
        assert subjects(who, "解除合同通知书") == 1
    assert world.run("lifecycle", D("2026-08-29"))["events"] == {}
    assert world.run("lifecycle", D("2026-08-30"))["events"] == {"ContractTerminated": 1}
    assert world.run("lifecycle", D("2026-08-31"))["events"] == {}
    for who in (CLIENT, VENDOR):
        assert subjects(who, "合同已解除") == 1
    # Finance hears of each once, on the topic.
    for kind in ("NoticeServed", "ContractTerminated", "CreditApplied"):
        assert len(alerts(world, kind)) == 1, kind
    # Year 3 stays whole and collectible; year 4 (2027-02-28) is never issued.
    assert world.run("invoicing", D("2027-02-28"))["invoices_issued"] == 0
    rows = world.invoices(cid, D("2027-03-01"))
    assert [(i["year"], i["amount"], i["outstanding"]) for i in rows] == [
        (1, "123456.78", "0.00"),
        (2, "98765.43", "0.00"),
        (3, "98765.43", "74074.08"),
    ]
    assert world.contract(cid)["status"] == "terminated"
    assert world.ok("GET", f"/contracts/{cid}/audit")["verified"] is True


def test_withdrawn_notice_then_the_blocked_year_is_issued_and_reminders_and_expiry(world: Any) -> None:
    # Effective 2025-12-31, 2 years, 88,888.88, due 45 days, 30 days' notice. The term ends 2027-12-30.
    cid = signed_on(world, "2025-12-31", term_years=2, annual_fee="88888.88", payment_due_days=45)
    assert world.contract(cid)["end_date"] == "2027-12-30"
    world.run("invoicing", D("2025-12-31"))
    # The client serves notice on 2026-12-01: in force 2026-12-31, year 2's first day.
    at(world, "2026-12-01")
    world.ok(
        "POST",
        f"/contracts/{cid}/termination",
        {"by": "client", "reason_code": "convenience", "details": "业务调整"},
        status=201,
    )
    world.deliver()
    # Withdrawn on 2026-12-30 (the last day before it takes effect), dated 2026-12-29.
    at(world, "2026-12-30")
    body = {"reason": "双方同意继续合作", "agreed_by": ["client", "vendor"], "withdrawn_on": "2026-12-29"}
    world.ok("POST", f"/contracts/{cid}/termination/withdraw", body)
    world.deliver()
    for who in (CLIENT, VENDOR):
        assert subjects(who, "解除通知已撤回") == 1
    # Year 2 is issued on its first day, due 2026-12-31 + 45 = 2027-02-14; the lifecycle job has nothing to do.
    assert world.run("invoicing", D("2026-12-31"))["invoices_issued"] == 1
    assert world.run("lifecycle", D("2026-12-31"))["events"] == {}
    year2 = world.invoices(cid)[1]
    assert (year2["issue_date"], year2["due_date"], year2["amount"]) == ("2026-12-31", "2027-02-14", "88888.88")
    # Reminders 60 and 30 days before 2027-12-30: 2027-10-31 (Dec 30 - 30 = Nov 30, - 30 = Oct 31) and
    # 2027-11-30; expiry on 2027-12-31.
    assert world.run("lifecycle", D("2027-10-30"))["events"] == {}
    assert world.run("lifecycle", D("2027-10-31"))["events"] == {"RenewalReminder": 1}
    assert world.run("lifecycle", D("2027-11-29"))["events"] == {}
    assert world.run("lifecycle", D("2027-11-30"))["events"] == {"RenewalReminder": 1}
    assert world.run("lifecycle", D("2027-12-30"))["events"] == {}
    assert world.run("lifecycle", D("2027-12-31"))["events"] == {"ContractExpired": 1}
    assert world.run("lifecycle", D("2028-01-01"))["events"] == {}
    for who in (CLIENT, VENDOR, OPERATOR):
        assert subjects(who, "续约提醒") == 2
    for who in (CLIENT, VENDOR):
        assert subjects(who, "合同期限届满") == 1
    assert world.run("invoicing", D("2027-12-31"))["invoices_issued"] == 0
    contract = world.contract(cid)
    assert contract["status"] == "expired"
    assert [n["status"] for n in contract["notices"]] == ["withdrawn"]


def test_a_notice_recorded_late_cancels_a_paid_year(world: Any) -> None:
    # Effective 2026-01-31, 100,000.01 a year, due 7 days, 30 days' notice. Year 2 (2027-01-31, due 2027-02-07) is
    # paid 2027-02-03. On 2027-02-10 a notice the client served by post on 2027-01-01 is recorded: in force
    # 2027-01-31, year 2's first day; year 2 is cancelled and its 100,000.01 is credit from 2027-02-03.
    cid = signed_on(world, "2026-01-31", annual_fee="100000.01", payment_due_days=7)
    world.run("invoicing", D("2026-01-31"))
    pay(world, cid, "100000.01", "2026-02-06", "P-1")
    world.run("invoicing", D("2027-01-31"))
    pay(world, cid, "100000.01", "2027-02-03", "P-2")
    at(world, "2027-02-10")
    body = {"by": "client", "reason_code": "force_majeure", "details": "不可抗力", "notice_date": "2027-01-01"}
    assert world.ok("POST", f"/contracts/{cid}/termination", body, status=201)["effective_date"] == "2027-01-31"
    world.deliver()
    year2 = world.invoices(cid, D("2027-02-10"))[1]
    assert (year2["status"], year2["outstanding"]) == ("cancelled", "0.00")
    assert ledger(world, cid, "2027-02-02")["balances"]["credit"] == "0.00"
    assert ledger(world, cid, "2027-02-10")["balances"] == {
        "fees_outstanding": "0.00",
        "penalties_outstanding": "0.00",
        "credit": "100000.01",
        "net": "-100000.01",
    }
    assert subjects(CLIENT, "付款通知书撤销") == 1
    assert len(alerts(world, "InvoiceCancelled")) == 1
    assert world.run("lifecycle", D("2027-02-10"))["events"] == {"ContractTerminated": 1}
    assert world.contract(cid)["status"] == "terminated"
    for who in (CLIENT, VENDOR):
        assert subjects(who, "合同已解除") == 1
    assert world.run("invoicing", D("2028-01-31"))["invoices_issued"] == 0


def test_an_extension_signed_after_the_term_ended_is_refused_and_the_contract_expires(world: Any) -> None:
    # Effective 2026-03-31, 1 year, 66,666.66: the term ends 2027-03-30. An extension is proposed on 2027-03-29;
    # the client signs on 2027-03-30 (the last day), the vendor on 2027-03-31 when the lifecycle job has not yet
    # run: the contract expired after 2027-03-30, so the signature is refused (409) and nothing changes; the job
    # then expires it as of 2027-03-31 and no year-2 invoice is ever issued.
    cid = signed_on(world, "2026-03-31", term_years=1, annual_fee="66666.66")
    world.run("invoicing", D("2026-03-31"))
    at(world, "2027-03-29")
    body = {"changes": {"extend_years": 2, "annual_fee": "70000.00"}, "reason": "续期两年"}
    world.ok("POST", f"/contracts/{cid}/amendments", body, status=201)
    world.deliver()
    client_token, vendor_token = token_of(signing_link(CLIENT)), token_of(signing_link(VENDOR))
    at(world, "2027-03-30")
    world.ok("POST", f"/sign/{client_token}", {"signer_name": "王芳", "consent": True}, role=None, status=201)
    at(world, "2027-03-31", 2)  # 10:00 in Shanghai
    late = world.call("POST", f"/sign/{vendor_token}", {"signer_name": "李娜", "consent": True}, role=None)
    assert late.status_code == 409, late.json_body
    world.deliver()
    contract = world.contract(cid)
    assert contract["end_date"] == "2027-03-30" and contract["amendments"][0]["status"] == "awaiting_signatures"
    assert subjects(CLIENT, "补充协议（第1号）已生效") == 0
    # A new agreement is refused too, by the contract's state, and nothing is written.
    again = world.call("POST", f"/contracts/{cid}/amendments", {"changes": {"extend_years": 1}, "reason": "续期"})
    assert again.status_code == 409, again.json_body
    # The expiry voids the extension still awaiting a signature (it lapsed with the term)
    assert world.run("lifecycle", D("2027-03-31"))["events"] == {"ContractExpired": 1, "SigningVoided": 1}
    assert world.contract(cid)["amendments"][0]["status"] == "voided"
    assert world.run("invoicing", D("2027-03-31"))["invoices_issued"] == 0
    assert [i["year"] for i in world.invoices(cid)] == [1]
    assert world.contract(cid)["status"] == "expired"
    assert world.ok("GET", f"/contracts/{cid}/audit")["verified"] is True


def test_two_agreements_and_two_notices_each_have_their_own_document(world: Any) -> None:
    # Effective 2026-11-22, 3 years, 120,000.00. Agreement 1 (2026-12-01) sets the fee to 130,000.10;
    # agreement 2 (2027-01-15) sets due days 0 and notice 1 day. Notice 1 by the client (2027-02-01, 1 day:
    # in force 2027-02-02) is withdrawn on 2027-02-01; notice 2 by the vendor on 2027-03-01 takes effect
    # 2027-03-02. Each document is its own: agreement 2 shows the fee of agreement 1 nowhere as a change.
    cid = signed_on(world, "2026-11-22")
    amend(world, cid, "2026-12-01", {"annual_fee": "130000.10"})
    amend(world, cid, "2027-01-15", {"payment_due_days": 0, "notice_period_days": 1})
    first, second = document(world, cid, "amendment:1"), document(world, cid, "amendment:2")
    assert "人民币壹拾叁万元壹角" in first and "人民币壹拾叁万元壹角" not in second
    assert "1日" in second and "0日" in second
    at(world, "2027-02-01")
    body = {"by": "client", "reason_code": "convenience", "details": "调整"}
    assert world.ok("POST", f"/contracts/{cid}/termination", body, status=201)["effective_date"] == "2027-02-02"
    withdrawal = {"reason": "继续合作", "agreed_by": ["client", "vendor"]}
    world.ok("POST", f"/contracts/{cid}/termination/withdraw", withdrawal)
    at(world, "2027-03-01")
    body = {"by": "vendor", "reason_code": "late_performance", "details": "逾期"}
    assert world.ok("POST", f"/contracts/{cid}/termination", body, status=201)["effective_date"] == "2027-03-02"
    world.deliver()
    one, two = document(world, cid, "notice:1"), document(world, cid, "notice:2")
    assert "2027年2月2日" in one and "2027年3月2日" in two
    assert "第1号" in one and "第2号" in two
    assert world.call("GET", f"/contracts/{cid}/document?part=notice:3").status_code == 404
    for who in (CLIENT, VENDOR):
        assert subjects(who, "解除合同通知书") == 2 and subjects(who, "解除通知已撤回") == 1
    assert world.run("lifecycle", D("2027-03-02"))["events"] == {"ContractTerminated": 1}
    # The invoicing job never ran: its late run catches up year 1 (it started before the contract ended), at the
    # fee in force on 2026-11-22, 120,000.00, due 30 days later, 2026-12-22; year 2 (2027-11-22) is never issued.
    assert world.run("invoicing", D("2027-11-22"))["invoices_issued"] == 1
    assert [(i["year"], i["amount"], i["due_date"]) for i in world.invoices(cid)] == [(1, "120000.00", "2026-12-22")]


def test_an_agreement_signed_just_after_midnight_in_shanghai_governs_the_year_starting_that_day(world: Any) -> None:
    # Effective 2026-01-31 (3 years, 120,000.00, due 30 days). Both sign agreement 1 (fee 95,000.95, due 7 days)
    # at 2027-01-30T16:30Z = 00:30 on 2027-01-31 in Shanghai, year 2's first day: it is in force from 2027-01-31,
    # so the run at 01:00 that day issues year 2 at 95,000.95 due 2027-02-07, with nothing to revise.
    cid = signed_on(world, "2026-01-31")
    world.run("invoicing", D("2026-01-31"))
    at(world, "2027-01-30", 16)
    world.ok(
        "POST",
        f"/contracts/{cid}/amendments",
        {"changes": {"annual_fee": "95000.95", "payment_due_days": 7}, "reason": "调价"},
        status=201,
    )
    world.deliver()
    world.clock.set(datetime(2027, 1, 30, 16, 30, tzinfo=UTC))
    for who in (CLIENT, VENDOR):
        token = token_of(signing_link(who))
        world.ok("POST", f"/sign/{token}", {"signer_name": "王芳", "consent": True}, role=None, status=201)
    world.deliver()
    amendment = world.contract(cid)["amendments"][0]
    assert (amendment["status"], amendment["effective_date"]) == ("effective", "2027-01-31")
    world.clock.set(datetime(2027, 1, 30, 17, 0, tzinfo=UTC))
    assert world.run("invoicing", D("2027-01-31"))["invoices_issued"] == 1
    year2 = world.invoices(cid)[1]
    assert (year2["amount"], year2["due_date"], year2["revisions"]) == ("95000.95", "2027-02-07", [])
    assert subjects(CLIENT, "付款通知书（修订）") == 0
    # 合同金额 = 120,000.00 + 2 x 95,000.95 = 310,001.90
    assert world.contract(cid)["contract_amount"] == "310001.90"


def test_an_extension_signed_on_the_last_day_of_the_term_keeps_the_contract_running(world: Any) -> None:
    # Effective 2025-12-31, 1 year, 54,321.09, due 7 days: the term ends 2026-12-30; reminders on 2026-10-31 and
    # 2026-11-30 are sent. On 2026-12-30 both sign a 2-year extension at 60,000.00: the term ends the day before
    # 2028-12-31, i.e. 2028-12-30. The run on 2026-12-31 expires nothing; year 2 is issued that day at 60,000.00
    # due 2027-01-07; reminders come again on 2028-10-31 and 2028-11-30; the contract expires on 2028-12-31.
    cid = signed_on(world, "2025-12-31", term_years=1, annual_fee="54321.09", payment_due_days=7)
    world.run("invoicing", D("2025-12-31"))
    assert world.run("lifecycle", D("2026-10-31"))["events"] == {"RenewalReminder": 1}
    assert world.run("lifecycle", D("2026-11-30"))["events"] == {"RenewalReminder": 1}
    amend(world, cid, "2026-12-30", {"extend_years": 2, "annual_fee": "60000.00"})
    contract = world.contract(cid)
    assert (contract["end_date"], contract["contract_amount"]) == ("2028-12-30", "174321.09")  # 54,321.09 + 2 x 60k
    assert world.run("lifecycle", D("2026-12-31"))["events"] == {}
    assert world.run("invoicing", D("2026-12-31"))["invoices_issued"] == 1
    assert [(i["year"], i["amount"], i["due_date"]) for i in world.invoices(cid)] == [
        (1, "54321.09", "2026-01-07"),
        (2, "60000.00", "2027-01-07"),
    ]
    assert world.run("lifecycle", D("2028-10-30"))["events"] == {}
    assert world.run("lifecycle", D("2028-10-31"))["events"] == {"RenewalReminder": 1}
    assert world.run("lifecycle", D("2028-11-30"))["events"] == {"RenewalReminder": 1}
    assert world.run("invoicing", D("2027-12-31"))["invoices_issued"] == 1
    assert world.run("lifecycle", D("2028-12-31"))["events"] == {"ContractExpired": 1}
    assert world.run("invoicing", D("2028-12-31"))["invoices_issued"] == 0
    for who in (CLIENT, VENDOR, OPERATOR):
        assert subjects(who, "续约提醒") == 4
    assert world.contract(cid)["status"] == "expired"
