"""The receivables-ledger migration (services/migrations.py) on data stored the way the code wrote it before the
ledger: invoices holding their own allocations, assessments and void status, payments without `seq`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from chalicelib.adapters.ledger_codec import invoice_to_dict
from chalicelib.domain.audit import canonical_json
from chalicelib.domain.invoice import Allocation, PenaltyAssessment
from chalicelib.domain.ledger import FeeCancellation
from chalicelib.services import ledger as ledgers
from chalicelib.services.base import stage_events
from chalicelib.services.migrations import migrate_ledger
from chalicelib.services.ports import Changes
from tests.fakes import _invoice_item, raw_event
from tests.stored_items import store_body, stored_body
from tests.unit.conftest import Office, shanghai

EFFECTIVE = date(2026, 11, 22)  # years due 2026-12-22, 2027-12-22; 120000.00 a year, 0.05 %/day
TODAY = date(2028, 1, 10)


# ---- writing data in the old shape ----------------------------------------------------------------------------
def chain(office: Office, cid: str, at: str, type_: str, data: dict[str, Any]) -> int:
    """An audit entry as the old code wrote it (its outbox event was delivered long ago); returns its seq."""
    c = office.repo.get_contract(cid)
    changes = Changes(contract=c, expected_version=c.version)
    stage_events(changes, [raw_event(type_, data)], "finance:test", at)
    changes.outbox = []
    office.repo.commit(changes)
    return changes.audit[0].seq


def old_invoice(
    office: Office,
    cid: str,
    year: int,
    status: str,
    paid: Iterable[tuple[str, date, str]] = (),
    assessed: Iterable[tuple[date, int, str]] = (),
    void_reason: str | None = None,
) -> None:
    inv = office.repo.get_invoice(cid, year)
    assert inv is not None
    inv.status = status
    inv.allocations = [Allocation(v, on, Decimal(a)) for v, on, a in paid]
    inv.assessments = [PenaltyAssessment(on, days, Decimal(t), Decimal(t)) for on, days, t in assessed]
    inv.levels_alerted = [1, 15, 30, 60, 90] if inv.assessments else []
    inv.void_reason = void_reason
    body = invoice_to_dict(inv)
    for key in ("original_amount", "original_due_on", "payment_due_days"):
        del body[key]
    office.repo.put_raw_item(
        f"CONTRACT#{cid}",
        f"INVOICE#{year:03d}",
        {**_invoice_item(inv, office.repo.shards), "body": canonical_json(body)},
    )


def old_payment(
    office: Office, cid: str, voucher: str, amount: str, paid_on: date, recorded_at: str, year: int
) -> None:
    item = {
        "kind": "payment",
        "voucher_no": voucher,
        "amount": amount,
        "paid_on": paid_on.isoformat(),
        "method": "bank_transfer",
        "recorded_at": recorded_at,
        "recorded_by": "finance:test",
        "allocations": canonical_json([{"year": year, "amount": amount}]),
    }
    office.repo.put_raw_item(f"CONTRACT#{cid}", f"PAYMENT#{voucher}", item)
    office.repo.put_raw_item(f"VOUCHER#{voucher}", "UNIQUE", {"kind": "unique", "ref": cid, "at": recorded_at})


def before_the_ledger(office: Office, cid: str) -> None:
    """No receivables mark and no cached credit: the contract as the old code left it."""
    office.repo.put_raw_item(f"CONTRACT#{cid}", "RECEIVABLE", None)
    meta = office.repo.raw_item(f"CONTRACT#{cid}", "META")
    meta["r1pk"] = meta["r1sk"] = None
    body = stored_body(meta)
    body.pop("ledger_credit", None)
    body.pop("receivable_until", None)
    store_body(meta, body, plain=True)  # and the plain body the old code wrote


def old_portfolio(office: Office) -> dict[str, Any]:
    a = office.activate(EFFECTIVE)  # the story: the December slip recorded first went to year 1
    b = office.activate(EFFECTIVE)  # a partly paid invoice voided: its money stranded on it
    office.run_invoicing(EFFECTIVE)
    office.run_invoicing(date(2027, 11, 22))
    c = office.activate(date(2027, 12, 1))  # paid on time; its payment has no audit entry
    office.run_invoicing(date(2027, 12, 1))
    seqs = {
        "DEC-1": chain(office, a, "2027-12-02T02:00:00Z", "PaymentReceived", {"voucher_no": "DEC-1"}),
        "JAN-1": chain(office, a, "2027-12-03T02:00:00Z", "PaymentReceived", {"voucher_no": "JAN-1"}),
        "B-1": chain(office, b, "2026-12-01T02:00:00Z", "PaymentReceived", {"voucher_no": "B-1"}),
    }
    # 17:00 UTC on 10 December is 01:00 on 11 December in Shanghai
    void_seq = chain(office, b, "2026-12-10T17:00:00Z", "InvoiceVoided", {"year": 1, "reason": "金额开错"})
    old_payment(office, a, "DEC-1", "120000.00", date(2027, 12, 1), "2027-12-02T02:00:00Z", 1)
    old_payment(office, a, "JAN-1", "120000.00", date(2027, 1, 5), "2027-12-03T02:00:00Z", 2)
    old_invoice(
        office, a, 1, "paid", [("DEC-1", date(2027, 12, 1), "120000.00")], [(date(2027, 12, 1), 344, "20640.00")]
    )
    old_invoice(office, a, 2, "paid", [("JAN-1", date(2027, 1, 5), "120000.00")])
    old_payment(office, b, "B-1", "30000.00", date(2026, 12, 1), "2026-12-01T02:00:00Z", 1)
    old_invoice(office, b, 1, "void", [("B-1", date(2026, 12, 1), "30000.00")], void_reason="金额开错")
    old_invoice(office, b, 2, "open")
    old_payment(office, c, "C-1", "120000.00", date(2027, 12, 5), "2027-12-05T02:00:00Z", 1)
    old_invoice(office, c, 1, "paid", [("C-1", date(2027, 12, 5), "120000.00")])
    for cid in (a, b, c):
        before_the_ledger(office, cid)
    return {"a": a, "b": b, "c": c, "seqs": seqs, "void_seq": void_seq}


def migrate(office: Office) -> dict[str, Any]:
    office.at(shanghai(TODAY, 4))
    return migrate_ledger(office.deps, TODAY)


def state_row(office: Office, cid: str) -> str:
    """The contract's key in the receivables index: listed until this day."""
    return str(office.repo.raw_item(f"CONTRACT#{cid}", "META")["r1sk"])


# ---- the stories ------------------------------------------------------------------------------------------
def test_old_invoices_and_payments_are_carried_over_once(office: Office) -> None:
    # Given invoices and payments stored before the ledger
    old = old_portfolio(office)
    a, b, c = old["a"], old["b"], old["c"]
    events_before = len(office.repo.outbox)

    # When the migration runs
    summary = migrate(office)

    # Then every contract was migrated, and finance is told what moved (nothing else)
    assert (summary["contracts"], summary["migrated"], summary["failed"]) == (3, 3, {})
    assert (summary["payments_sequenced"], summary["cancellations_added"]) == (4, 1)
    assert summary["events"] == {"PaymentsReallocated": 2, "PenaltyAdjusted": 1}
    assert [w.split(": ", 1)[1] for w in summary["warnings"]] == [
        "payment C-1: no PaymentReceived entry; seq 1 by recorded_at"
    ]
    new_events = office.repo.outbox[events_before:]
    assert sorted((e.contract_id, e.type) for e in new_events) == sorted(
        [(a, "PaymentsReallocated"), (a, "PenaltyAdjusted"), (b, "PaymentsReallocated")]
    )

    # And payments carry the seq of the audit entry that recorded them
    seqs = {p.voucher_no: p.seq for cid in (a, b, c) for p in office.repo.get_payments(cid)}
    assert seqs == {**old["seqs"], "C-1": 1}

    # And contract A: the January slip paid year 1 (14 days late: 840.00), the December money year 2
    book = office.repo.load_ledger(a)
    ledger = ledgers.view(book, TODAY)
    assert ledger.placed("payment:JAN-1") == {(1, "fee"): Decimal("120000.00")}
    assert ledger.placed("payment:DEC-1") == {(2, "fee"): Decimal("120000.00")}
    assert (ledger.fees[1].penalty_accrued, ledger.fees[2].penalty_accrued) == (Decimal("840.00"), Decimal("0.00"))
    assert [x.voucher_no for x in book.invoices[1].allocations] == ["JAN-1"]
    assert [x.voucher_no for x in book.invoices[2].allocations] == ["DEC-1"]
    [adjusted] = [e for e in new_events if e.type == "PenaltyAdjusted"]
    assert (adjusted.payload["penalty_total"], adjusted.payload["penalty_delta"]) == ("840.00", "-19800.00")
    assert state_row(office, a) == "9999-12-31"  # the 840.00 penalty is still owed

    # And contract B: year 1 void from the Shanghai day of its InvoiceVoided entry; its money paid year 2
    book = office.repo.load_ledger(b)
    assert book.facts == [FeeCancellation(1, date(2026, 12, 11), old["void_seq"], "void", "金额开错")]
    ledger = ledgers.view(book, TODAY)
    assert (book.invoices[1].status, book.invoices[1].allocations) == ("void", [])
    assert (book.invoices[2].status, book.invoices[2].paid) == ("partially_paid", Decimal("30000.00"))
    assert ledger.fees[2].outstanding == Decimal("90000.00")
    assert ledger.fees[2].penalty_accrued == Decimal("855.00")  # 90000.00 × 0.05 % × 19 days
    assert book.contract.ledger_credit == Decimal("0.00")
    assert state_row(office, b) == "9999-12-31"

    # And contract C, paid on time, is settled since its payment and leaves the receivables report
    assert state_row(office, c) == "2027-12-05"
    assert sorted(office.repo.receivable_contracts(TODAY)) == sorted([a, b])

    # When it runs again
    snapshot = office.repo.snapshot()
    office.repo.reset_counters()
    again = migrate(office)

    # Then nothing is written and nobody is told anything
    assert (again["migrated"], again["unchanged"], again["events"]) == (0, 3, {})
    assert office.repo.writes == {}
    assert office.repo.snapshot() == snapshot


def test_a_void_partly_paid_invoice_releases_its_money_to_credit(office: Office) -> None:
    # Given a year-1 invoice paid 30000.00 and then voided, before the ledger, and no other year invoiced
    cid = office.activate(EFFECTIVE)
    office.run_invoicing(EFFECTIVE)
    chain(office, cid, "2026-12-01T02:00:00Z", "PaymentReceived", {"voucher_no": "P-1"})
    chain(office, cid, "2026-12-10T02:00:00Z", "InvoiceVoided", {"year": 1, "reason": "重开"})
    old_payment(office, cid, "P-1", "30000.00", date(2026, 12, 1), "2026-12-01T02:00:00Z", 1)
    old_invoice(office, cid, 1, "void", [("P-1", date(2026, 12, 1), "30000.00")], void_reason="重开")
    before_the_ledger(office, cid)

    # When the migration runs before year 2 starts
    office.at(shanghai(date(2027, 1, 10), 4))
    migrate_ledger(office.deps, date(2027, 1, 10))

    # Then the money is the contract's credit, cached for the invoicing job, and the contract stays receivable
    contract = office.repo.get_contract(cid)
    assert contract.ledger_credit == Decimal("30000.00")
    assert state_row(office, cid) == "9999-12-31"
    [moved] = office.repo.events("PaymentsReallocated", cid)
    assert moved.payload["credit_after"] == "30000.00"


def test_data_the_ledger_wrote_is_left_alone(office: Office) -> None:
    # Given contracts recorded through today's services only: invoiced, paid late, one without invoices
    cid = office.activate(EFFECTIVE)
    office.activate(EFFECTIVE)
    office.run_invoicing(EFFECTIVE)
    office.pay(cid, "50000.00", date(2027, 1, 5), "N-1")
    office.run_overdue(date(2027, 1, 10))
    office.activate(date(2027, 1, 20))

    # When the migration runs
    snapshot = office.repo.snapshot()
    office.repo.reset_counters()
    summary = migrate(office)

    # Then it changes nothing
    assert (summary["migrated"], summary["failed"], summary["events"]) == (0, {}, {})
    assert (summary["unchanged"], summary["without_invoices"]) == (2, 1)
    assert office.repo.writes == {}
    assert office.repo.snapshot() == snapshot
