"""Held-out-style receivables scenarios over the API on moto: aging buckets at their exact boundaries, fees not
yet due, a contract owing only its penalty, one holding only credit, several contracts, contracts in every status,
and the CSV's rows matching the JSON's. Figures are hand-computed from docs/domain-rules.md ("Receivables ledger",
"Overdue invoices and late penalties"): 100000.00 a year, 10 days to pay, 0.05 %/day (50.00 a day)."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest

pytestmark = pytest.mark.integration

FEE = "100000.00"
TERMS: dict[str, Any] = {
    "annual_fee": FEE,
    "payment_due_days": 10,
    "late_penalty": {"mode": "daily_pct", "rate_pct": "0.05", "cap_pct": None},
    "term_years": 5,
}
START = date(2025, 1, 1)  # year 1 issued 2025-01-01, due 2025-01-11


def active(world: Any, on: date = START, **terms: Any) -> str:
    world.travel(on)
    return str(world.active_contract(**{**TERMS, **terms}))


def report(world: Any, as_of: str) -> dict[str, Any]:
    return dict(world.ok("GET", f"/receivables?as_of={as_of}", role="finance"))


def row_of(world: Any, cid: str, as_of: str) -> dict[str, Any] | None:
    return next((r for r in report(world, as_of)["contracts"] if r["contract_id"] == cid), None)


def pay(world: Any, cid: str, amount: str, paid_on: str, voucher: str) -> Any:
    world.travel(max(world.today, date.fromisoformat(paid_on)))
    body = {"amount": amount, "paid_on": paid_on, "voucher_no": voucher, "method": "bank_transfer"}
    return world.ok("POST", f"/contracts/{cid}/payments", body, role="finance", status=201)


BUCKET_CASES = [
    # as_of, days overdue, bucket (None: not yet due), penalty = 50.00 × days
    ("2025-01-01", 0, None, "0.00"),
    ("2025-01-11", 0, None, "0.00"),  # the due date itself: not overdue yet
    ("2025-01-12", 1, "0-30", "50.00"),
    ("2025-02-10", 30, "0-30", "1500.00"),
    ("2025-02-11", 31, "31-60", "1550.00"),
    ("2025-03-12", 60, "31-60", "3000.00"),
    ("2025-03-13", 61, "61-90", "3050.00"),
    ("2025-04-11", 90, "61-90", "4500.00"),
    ("2025-04-12", 91, "90+", "4550.00"),
]


def test_aging_buckets_at_their_exact_boundaries(world: Any) -> None:
    # Given a contract effective 2025-01-01 whose year-1 fee of 100000.00 is due 2025-01-11 and never paid
    cid = active(world)
    world.run("invoicing", START)
    world.travel(date(2025, 4, 12))
    # Before the first invoice: nothing is owed, nothing is listed
    assert report(world, "2024-12-31")["contracts"] == []
    for as_of, days, bucket, penalty in BUCKET_CASES:
        row = row_of(world, cid, as_of)
        assert row is not None, as_of
        buckets = {b: row[b] for b in ("0-30", "31-60", "61-90", "90+")}
        expected = {b: (FEE if b == bucket else "0.00") for b in buckets}
        assert buckets == expected, (as_of, buckets)
        assert row["not_yet_due"] == (FEE if bucket is None else "0.00"), as_of
        assert row["overdue"] == ("0.00" if bucket is None else FEE), as_of
        assert row["outstanding"] == FEE
        assert (row["penalties"], row["penalties_outstanding"]) == (penalty, penalty), as_of
        assert row["invoices"] == [
            {
                "year": 1,
                "due_date": "2025-01-11",
                "outstanding": FEE,
                "days_overdue": days,
                "penalty_outstanding": penalty,
            }
        ], as_of
        # net = fees + penalties − credit
        assert row["net"] == f"{100000 + float(penalty):.2f}", as_of


def test_only_penalty_only_credit_net_negative_several_contracts_and_totals(world: Any) -> None:
    # A: paid 20 days late → the fee is settled, 20 × 50.00 = 1000.00 of penalty is still owed
    a = active(world)
    # B: effective the same day, overpays: 130000.00 against 100000.00 → 30000.00 credit, net −30000.00
    b = active(world)
    # C: effective 2025-01-20, pays nothing: its fee is due 2025-01-30
    c = active(world, date(2025, 1, 20))
    world.run("invoicing", date(2025, 1, 20))
    pay(world, a, FEE, "2025-01-31", "A-1")
    pay(world, b, "130000.00", "2025-01-05", "B-1")
    rep = report(world, "2025-02-05")
    rows = {r["contract_id"]: r for r in rep["contracts"]}
    assert set(rows) == {a, b, c}
    ra, rb, rc = rows[a], rows[b], rows[c]
    assert (ra["outstanding"], ra["penalties"], ra["penalties_outstanding"], ra["credit"], ra["net"]) == (
        "0.00",
        "1000.00",
        "1000.00",
        "0.00",
        "1000.00",
    )
    assert ra["invoices"] == [
        {
            "year": 1,
            "due_date": "2025-01-11",
            "outstanding": "0.00",
            "days_overdue": 0,
            "penalty_outstanding": "1000.00",
        }
    ]
    assert (rb["outstanding"], rb["penalties_outstanding"], rb["credit"], rb["net"]) == (
        "0.00",
        "0.00",
        "30000.00",
        "-30000.00",
    )
    # C: due 2025-01-30, 6 days overdue on 2025-02-05: 300.00 of penalty
    assert (rc["0-30"], rc["overdue"], rc["penalties_outstanding"], rc["net"]) == (FEE, FEE, "300.00", "100300.00")
    # Totals: the sum of the rows
    t = rep["totals"]
    assert (t["outstanding"], t["0-30"], t["penalties"], t["penalties_outstanding"], t["credit"], t["net"]) == (
        FEE,
        FEE,
        "1300.00",
        "1300.00",
        "30000.00",
        "71300.00",
    )
    # The CSV: the JSON's field names as its header, one line per JSON row in the same order with the same figures
    # (a negative amount in the accountant's parentheses), no totals line
    text = world.api.http.get(
        "/receivables?as_of=2025-02-05&format=csv", headers={"Authorization": f"Bearer {world.keys['finance']}"}
    ).body.decode("utf-8")
    assert text.startswith("\ufeff")
    lines = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    figures = [
        "outstanding",
        "not_yet_due",
        "overdue",
        "0-30",
        "31-60",
        "61-90",
        "90+",
        "penalties",
        "penalties_outstanding",
        "credit",
        "net",
    ]
    assert list(lines[0]) == ["contract_id", "contract_no", "client", "status", *figures]
    assert [line["contract_id"] for line in lines] == [r["contract_id"] for r in rep["contracts"]]
    for line, row in zip(lines, rep["contracts"], strict=True):
        assert [line["contract_no"], line["client"], line["status"]] == [
            row["contract_no"],
            row["client"],
            row["status"],
        ]
        assert [_signed(line[f]) for f in figures] == [row[f] for f in figures]


def test_contracts_in_every_status(world: Any) -> None:
    # A draft and a voided contract owe nothing and are never listed
    world.travel(START)
    draft = world.draft(**TERMS)
    voided = world.draft(**TERMS)
    world.ok("POST", f"/contracts/{voided}/send")
    world.ok("POST", f"/contracts/{voided}/void", {"reason": "作废"})
    # An expired one-year contract still owing its fee, a terminated one still owing its year-1 fee
    expired = active(world, term_years=1)
    ended = active(world)
    world.run("invoicing", START)
    world.travel(date(2025, 2, 1))
    served = world.ok(
        "POST",
        f"/contracts/{ended}/termination",
        {"by": "client", "reason_code": "convenience", "details": "提前解除", "notice_date": "2025-02-01"},
        status=201,
    )
    assert served["effective_date"] == "2025-03-03"  # 2025-02-01 + 30 days
    world.run("lifecycle", date(2025, 3, 3))
    world.run("lifecycle", date(2026, 1, 1))  # the one-year term ended 2025-12-31
    assert world.contract(ended)["status"] == "terminated"
    assert world.contract(expired)["status"] == "expired"
    world.run("invoicing", date(2026, 1, 1))  # neither gets a year 2
    assert [i["year"] for i in world.invoices(ended)] == [1]
    assert [i["year"] for i in world.invoices(expired)] == [1]
    rows = {r["contract_id"]: r for r in report(world, "2026-01-01")["contracts"]}
    assert draft not in rows and voided not in rows
    # 2025-01-11 → 2026-01-01: 355 days overdue, 90+; penalty 355 × 50.00 = 17750.00
    for cid, status in ((expired, "expired"), (ended, "terminated")):
        assert (rows[cid]["status"], rows[cid]["90+"], rows[cid]["penalties_outstanding"]) == (
            status,
            FEE,
            "17750.00",
        )


def test_a_contract_settled_later_is_still_listed_as_of_the_days_before(world: Any) -> None:
    # Year 1 paid 5 days late (2025-01-16: 5 × 50.00 = 250.00 of penalty), the penalty paid 2025-02-01
    cid = active(world)
    world.run("invoicing", START)
    pay(world, cid, FEE, "2025-01-16", "S-1")
    pay(world, cid, "250.00", "2025-02-01", "S-2")
    world.travel(date(2025, 3, 1))
    assert row_of(world, cid, "2025-03-01") is None  # settled
    assert row_of(world, cid, "2025-02-01") is None  # settled that day
    on_31 = row_of(world, cid, "2025-01-31")  # only the penalty
    assert on_31 is not None
    assert (on_31["outstanding"], on_31["penalties_outstanding"], on_31["net"]) == ("0.00", "250.00", "250.00")
    on_15 = row_of(world, cid, "2025-01-15")  # 4 days overdue: 200.00
    assert on_15 is not None
    assert (on_15["0-30"], on_15["penalties_outstanding"], on_15["net"]) == (FEE, "200.00", "100200.00")
    on_5 = row_of(world, cid, "2025-01-05")  # not yet due
    assert on_5 is not None and (on_5["not_yet_due"], on_5["overdue"]) == (FEE, "0.00")


def test_days_are_counted_in_asia_shanghai(world: Any) -> None:
    from datetime import UTC, datetime

    cid = active(world)
    world.run("invoicing", START)
    # 2025-01-11T16:30Z is 2025-01-12 00:30 in Shanghai: the report of "today" is as of 2025-01-12, 1 day overdue
    world.clock.set(datetime(2025, 1, 11, 16, 30, tzinfo=UTC))
    rep = world.ok("GET", "/receivables", role="finance")
    assert rep["as_of"] == "2025-01-12"
    [row] = rep["contracts"]
    assert (row["contract_id"], row["0-30"], row["penalties_outstanding"]) == (cid, FEE, "50.00")
    # A notice served then is dated 2025-01-12 in Shanghai: effective 30 days later, 2025-02-11
    served = world.ok(
        "POST",
        f"/contracts/{cid}/termination",
        {"by": "vendor", "reason_code": "non_payment", "details": "逾期未付"},
        status=201,
    )
    assert (served["notice_date"], served["effective_date"]) == ("2025-01-12", "2025-02-11")


def _signed(cell: str) -> str:
    """A CSV amount as the JSON writes it: "(30000.00)" is -30000.00."""
    return "-" + cell[1:-1] if cell.startswith("(") else cell
