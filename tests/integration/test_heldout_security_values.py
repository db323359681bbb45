"""Held-out checks of single values a client gets subtly wrong or an attacker shapes on purpose (docs/domain-rules.md
"Security" and "Request bodies"): money strings, dates, voucher numbers, period ids, codes and keys with a trailing
newline or another script's digits, amounts beyond anything the documents can write, times outside the calendar.
Each is a 4xx naming the field with nothing written, or — where the value is right — exactly what it says."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import contract_body
from tests.integration.heldout_security import INCIDENT, fingerprint, post, refusal, stage

pytestmark = pytest.mark.integration


def _payment(**fields: Any) -> dict[str, Any]:
    return {"amount": "100.00", "paid_on": "2026-11-22", "voucher_no": "YH-1", "method": "bank_transfer", **fields}


MONEY = [
    "100.001",  # more than two places
    "-100.00",
    "0",
    "0.00",
    "-0",
    "+100.00",
    " 100.00",
    "100.00 ",
    "1 000.00",
    "1,000.00",
    "1e3",
    "1E3",
    "Infinity",
    "NaN",
    "１００.００",
    "١٠٠",
    "¥100",
    "100.",
    ".5",
    "",
]


def test_money_strings_other_than_plain_cents_are_400_naming_the_amount(world: Any) -> None:
    st = stage(world)
    before = fingerprint(world.aws)
    a = st.active
    places = [
        (f"/contracts/{a}/payments", "finance", _payment()),
        (f"/contracts/{a}/refunds", "finance", {"paid_on": "2026-11-22", "voucher_no": "R-1", "reason": "退"}),
        (f"/contracts/{a}/penalties/1/waive", "finance", {"reason": "减免"}),
        (f"/contracts/{a}/set-offs", "finance", {"year": 1, "reason": "抵销"}),
    ]
    for path, role, body in places:
        for amount in [*MONEY, 10**30, -5, 0, 1.5, True, None, ["1.00"], {"value": "1.00"}]:
            assert refusal(post(world, path, role, {**body, "amount": amount}))["field"] == "amount", (path, amount)
    draft = contract_body()
    for fee in MONEY:
        draft["terms"]["annual_fee"] = fee
        assert refusal(post(world, "/contracts", "operator", draft))["field"] == "terms.annual_fee", fee
    assert fingerprint(world.aws) == before


def test_an_amount_beyond_what_a_document_can_write_in_words_is_400_not_500(world: Any) -> None:
    # Given the largest amount 大写 can write is 9999999999999.99 (人民币玖仟玖佰玖拾玖万亿...)
    st = stage(world)
    before = fingerprint(world.aws)
    a = st.active
    for amount in ("10000000000000.00", "999999999999999999999999999999.99", 10**30, 10**39):
        for path, body in (
            (f"/contracts/{a}/payments", _payment(amount=amount)),
            (f"/contracts/{a}/set-offs", {"year": 1, "amount": amount, "reason": "抵销"}),
            (f"/contracts/{a}/penalties/1/waive", {"amount": amount, "reason": "减免"}),
            (
                f"/contracts/{a}/refunds",
                {"amount": amount, "paid_on": "2026-11-22", "voucher_no": "R-9", "reason": "退"},
            ),
        ):
            err = refusal(post(world, path, "finance", body))
            assert err["field"] == "amount", (path, amount, err)
            assert "9999999999999.99" in err["message"] or amount == 10**39, err  # 10**39 is not even a Decimal
    assert fingerprint(world.aws) == before
    # The largest itself is an amount (a payment far above what is owed is credit, never refused)
    paid = world.ok("POST", f"/contracts/{a}/payments", _payment(amount="9999999999999.99"), role="finance", status=201)
    assert paid["amount"] == "9999999999999.99"
    balances = world.ok("GET", f"/contracts/{a}/ledger", role="finance")["balances"]
    assert balances["credit"] == "9999999879999.99"  # 9999999999999.99 − the year-1 fee of 120000.00


DATES = [
    "2026-02-30",
    "2026-2-3",
    "2026-11-22T00:00:00+08:00",
    "2026-11-22 ",
    "20261122",
    "２０２６-11-22",
    "٢٠٢٦-11-22",
]


def test_dates_must_be_real_plain_calendar_dates_and_years_1_and_9999_do_not_break_anything(world: Any) -> None:
    st = stage(world)
    a = st.active
    before = fingerprint(world.aws)
    places = [
        (f"/contracts/{a}/payments", "finance", _payment(), "paid_on"),
        (f"/contracts/{a}/refunds", "finance", {"amount": "1.00", "voucher_no": "R-1", "reason": "退"}, "paid_on"),
        (f"/contracts/{a}/penalties/1/waive", "finance", {"amount": "1.00", "reason": "减免"}, "on"),
        (f"/contracts/{a}/set-offs", "finance", {"year": 1, "amount": "1.00", "reason": "抵销"}, "on"),
        (
            f"/contracts/{a}/termination",
            "operator",
            {"by": "client", "reason_code": "convenience", "details": "d"},
            "notice_date",
        ),
        (
            f"/contracts/{a}/obligations/call_results/deliveries",
            "operator",
            {"period": "2026-11"},
            "delivered_on",
        ),
    ]
    for path, role, body, field in places:
        for day in DATES:
            assert refusal(post(world, path, role, {**body, field: day}))["field"] == field, (path, day)
        # year 1 and year 9999 are real dates, but before the contract or after today: a 4xx, never a 500
        for day in ("0001-01-01", "9999-12-31"):
            refusal(post(world, path, role, {**body, field: day}), (400, 409, 422))
    for as_of in ("0001-01-01", "9999-12-31"):
        for path, role in ((f"/contracts/{a}/invoices", "finance"), (f"/contracts/{a}/ledger", "finance")):
            assert world.call("GET", f"{path}?as_of={as_of}", role=role).status_code < 500, (path, as_of)
        assert world.call("GET", f"/receivables?as_of={as_of}", role="finance").status_code < 500
        assert world.call("GET", f"/contracts/{a}/obligations?as_of={as_of}").status_code < 500
    assert fingerprint(world.aws) == before


def test_a_voucher_number_with_a_trailing_newline_is_refused_not_a_second_voucher(world: Any) -> None:
    # Given voucher YH-1 recorded
    st = stage(world)
    a = st.active
    world.ok("POST", f"/contracts/{a}/payments", _payment(), role="finance", status=201)
    before = fingerprint(world.aws)
    # When the same slip is typed again with a newline (Python's `$` matches before one), or a control character
    for voucher in ("YH-1\n", "YH-1\r\n", "YH-1\x00", "\nYH-1", "ＹＨ-1", "YH-１"):
        resp = post(world, f"/contracts/{a}/payments", "finance", _payment(voucher_no=voucher))
        # Then it is refused naming voucher_no: not recorded as a second payment
        assert refusal(resp)["field"] == "voucher_no", voucher
        resp = post(
            world,
            f"/contracts/{a}/refunds",
            "finance",
            {"amount": "1.00", "paid_on": "2026-11-22", "voucher_no": voucher, "reason": "退"},
        )
        assert refusal(resp)["field"] == "voucher_no", voucher
    assert fingerprint(world.aws) == before
    assert [p["voucher_no"] for p in world.ok("GET", f"/contracts/{a}/payments", role="finance")["items"]] == ["YH-1"]


def test_period_ids_codes_and_keys_with_a_newline_or_other_digits_are_400(world: Any) -> None:
    st = stage(world)
    a = st.active
    before = fingerprint(world.aws)
    deliveries = f"/contracts/{a}/obligations/call_results/deliveries"
    for period in ("2026-11\n", "２０２６-11", "٢٠٢٦-11", "2026-Q４", "２０２６", "once\n", " 2026-11"):
        body = {"period": period, "delivered_on": "2026-11-22"}
        assert refusal(post(world, deliveries, "operator", body))["field"] == "period", period
    for period in ("２０２６-11", "2026-１1", "٢٠٢٦"):  # the period in a correction's path
        resp = world.call("POST", f"{deliveries}/{period}/corrections", {"reason": "r", "withdrawn": True})
        assert refusal(resp)["field"] == "period", period
    for code in ("123456\n", "１２３４５６", "١٢٣٤٥٦", "12345", "1234567", " 123456"):
        resp = post(world, f"/sign/{st.token}", None, {"signer_name": "张伟", "consent": True, "code": code})
        assert refusal(resp)["field"] == "code", code
        assert (
            refusal(post(world, f"/sign/{st.token}/decline", None, {"reason": "不", "code": code}))["field"] == "code"
        )
    resend = post(world, f"/contracts/{st.awaiting}/resend", "operator", {"party": "client", "subject": "contract\n"})
    assert refusal(resend)["field"] == "subject"
    for key in ("weekly_report\n", "weekly_report\r", "ｗeekly"):
        ob = {
            "key": key,
            "party": "vendor",
            "title": "周报",
            "clause": "2.3",
            "period": "month",
            "due_days_after": 5,
            "kind": "report",
        }
        draft = contract_body(obligations=[ob])
        assert refusal(post(world, "/contracts", "operator", draft))["field"] == "terms.obligations[0].key", key
        change = {"changes": {"obligations": [ob]}, "reason": "加周报"}
        assert (
            refusal(post(world, f"/contracts/{a}/amendments", "operator", change))["field"]
            == "changes.obligations[0].key"
        )
    assert fingerprint(world.aws) == before
    # and no refused code counted against the link: asking for a code, the signer still has all 5 tries
    assert world.ok("POST", f"/sign/{st.token}/code", {}, role=None, status=201)["tries_left"] == 5


@pytest.mark.parametrize(
    "when",
    [
        "0001-01-01T00:00:00+08:00",  # before year 1 in UTC
        "0001-01-01T07:59:59+08:00",
        "9999-12-31T23:59:59-08:00",  # after year 9999 in UTC
        "2026-11-22T25:00:00+08:00",
        "2026-02-30T10:00:00+08:00",
        "２０２６-11-22T09:00:00+08:00",
        "2026-11-22T09:00:00",  # no zone
        "",
    ],
)
def test_incident_times_outside_the_calendar_are_400_naming_them(world: Any, when: str) -> None:
    cid = world.active_contract()
    world.ok("POST", f"/contracts/{cid}/incidents", INCIDENT, status=201)
    before = fingerprint(world.aws)
    for field in ("occurred_at", "reported_at"):
        resp = post(world, f"/contracts/{cid}/incidents", "operator", {**INCIDENT, field: when})
        assert refusal(resp)["field"] == field
    update = {"stage": "plan", "at": when, "note": "方案"}
    assert refusal(post(world, f"/contracts/{cid}/incidents/1/updates", "operator", update))["field"] == "at"
    assert fingerprint(world.aws) == before
