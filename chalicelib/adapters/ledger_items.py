"""The receivables ledger's items in the main table: payments, ledger facts and the contract's receivable mark,
written by a commit and read back, with the contract and its invoices, by the one Query over a contract's ledger
(see docs/data-model.md)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from chalicelib.adapters.items import PendingWrite, contract_from, contract_pk, invoice_from
from chalicelib.adapters.ledger_codec import (
    designations_from_list,
    designations_to_list,
    fact_from_dict,
    fact_to_dict,
)
from chalicelib.adapters.records import (
    RECEIVABLE,
    ContractRecord,
    InvoiceRecord,
    LedgerFactRecord,
    LedgerStateRecord,
    PaymentItem,
    UniqueRecord,
)
from chalicelib.adapters.shards import shard_key
from chalicelib.domain.audit import canonical_json
from chalicelib.domain.contract import Contract
from chalicelib.domain.errors import NotFound
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.ledger import Fact
from chalicelib.domain.money import money_str, to_money
from chalicelib.services.ports import Changes, LedgerBook, PaymentRecord, ReceivableMark


# ---- reading ----------------------------------------------------------------------------------------------
def payment_from(r: PaymentItem, contract_id: str) -> PaymentRecord:
    return PaymentRecord(
        contract_id=contract_id,
        voucher_no=r.voucher_no,
        amount=to_money(r.amount),
        paid_on=date.fromisoformat(r.paid_on),
        method=r.method,
        recorded_at=r.recorded_at,
        recorded_by=r.recorded_by,
        allocations=json.loads(r.allocations),
        seq=int(r.seq or 0),
        applies_to=designations_from_list(json.loads(r.applies_to) if r.applies_to else None),
    )


@dataclass
class LedgerReader:
    """Collects the raw items of one contract's ledger Query, page by page, into its LedgerBook."""

    contract_id: str
    contract: Contract | None = None
    invoices: dict[int, Invoice] = field(default_factory=dict)
    payments: list[PaymentRecord] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)

    def add(self, raw: dict[str, Any]) -> None:
        sk = raw["sk"]["S"]
        if sk == "META":
            self.contract = contract_from(ContractRecord.from_raw_data(raw))
        elif sk.startswith("INVOICE#"):
            inv = invoice_from(InvoiceRecord.from_raw_data(raw))
            self.invoices[inv.year] = inv
        elif sk.startswith("PAYMENT#"):
            self.payments.append(payment_from(PaymentItem.from_raw_data(raw), self.contract_id))
        elif sk.startswith("LEDGER#"):
            self.facts.append(fact_from_dict(json.loads(LedgerFactRecord.from_raw_data(raw).body)))

    def book(self) -> LedgerBook:
        if self.contract is None:
            raise NotFound("contract", self.contract_id)
        return LedgerBook(self.contract, dict(sorted(self.invoices.items())), self.payments, self.facts)


# ---- the writes of one commit -----------------------------------------------------------------------------
def ledger_state_record(mark: ReceivableMark) -> LedgerStateRecord:
    rec = LedgerStateRecord(contract_pk(mark.contract_id), RECEIVABLE, kind="ledger_state")
    rec.contract_id = mark.contract_id
    since = None if mark.settled_since is None else mark.settled_since.isoformat()
    rec.settled_since = since
    rec.s1pk = shard_key(RECEIVABLE, mark.contract_id)
    rec.s1sk = f"{since or '9999-12-31'}#{mark.contract_id}"
    return rec


def payment_record(pay: PaymentRecord) -> PaymentItem:
    """pk CONTRACT#<id>, sk PAYMENT#<voucher>: a payment fact."""
    return PaymentItem(
        contract_pk(pay.contract_id),
        f"PAYMENT#{pay.voucher_no}",
        kind="payment",
        voucher_no=pay.voucher_no,
        amount=money_str(pay.amount),
        paid_on=pay.paid_on.isoformat(),
        method=pay.method,
        recorded_at=pay.recorded_at,
        recorded_by=pay.recorded_by,
        allocations=canonical_json(pay.allocations),
        seq=pay.seq,
        applies_to=canonical_json(designations_to_list(pay.applies_to)),
    )


def payment_writes(changes: Changes) -> Iterator[PendingWrite]:
    """Each payment and the claim on its voucher number (a voucher is recorded once, across contracts)."""
    for pay in changes.payments:
        claim = UniqueRecord(
            f"VOUCHER#{pay.voucher_no}", "UNIQUE", kind="unique", ref=pay.contract_id, at=pay.recorded_at
        )
        yield PendingWrite(claim, UniqueRecord.pk.does_not_exist(), "voucher", pay.voucher_no, "exists")
        yield PendingWrite(payment_record(pay), PaymentItem.pk.does_not_exist(), "payment", pay.voucher_no, "exists")


def fact_writes(changes: Changes) -> Iterator[PendingWrite]:
    """Each new ledger fact under its recorded order; a refund also claims its voucher number."""
    c = changes.contract
    for fact in changes.facts:
        body = fact_to_dict(fact)
        seq = int(body["seq"])
        if body["type"] == "refund":
            at = changes.audit[0].at if changes.audit else None
            claim = UniqueRecord(f"VOUCHER#{body['voucher_no']}", "UNIQUE", kind="unique", ref=c.id, at=at)
            yield PendingWrite(claim, UniqueRecord.pk.does_not_exist(), "voucher", body["voucher_no"], "exists")
        f = LedgerFactRecord(contract_pk(c.id), f"LEDGER#{seq:06d}", kind="ledger", type=body["type"])
        f.body = canonical_json(body)
        yield PendingWrite(f, LedgerFactRecord.pk.does_not_exist(), "ledger_fact", f"{c.id}#{seq}", "version")
