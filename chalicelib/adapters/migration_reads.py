"""What the one-off data migrations (services/migrations.py) need from the main table beyond the request paths:
every contract's id (a Scan), a contract's receivables-index item, and writing a `seq` onto payments stored before
the ledger. DynamoRepository calls these; nothing else should (a Scan reads the whole table)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.adapters.items import contract_pk
from chalicelib.adapters.records import RECEIVABLE, ContractRecord, LedgerStateRecord, PaymentItem
from chalicelib.services.ports import ReceivableMark


def scan_contract_ids() -> Iterator[str]:
    """Every contract's id: a Scan filtered on kind = contract, page by page (PynamoDB follows LastEvaluatedKey)."""
    for rec in ContractRecord.scan(ContractRecord.kind == "contract", attributes_to_get=["pk", "sk", "contract_id"]):
        if rec.sk == "META":
            yield rec.contract_id


def receivable_mark(contract_id: str) -> ReceivableMark | None:
    try:
        rec = LedgerStateRecord.get(contract_pk(contract_id), RECEIVABLE, consistent_read=True)
    except DoesNotExist:
        return None
    return ReceivableMark(contract_id, date.fromisoformat(rec.settled_since) if rec.settled_since else None)


def set_payment_seqs(contract_id: str, seqs: dict[str, int]) -> None:
    """Each payment gets its seq only where it has none (so reruns and concurrent runs agree); a payment that
    already has one, or no longer exists, is left alone."""
    for voucher_no, seq in seqs.items():
        item = PaymentItem(contract_pk(contract_id), f"PAYMENT#{voucher_no}")
        try:
            item.update(
                actions=[PaymentItem.seq.set(seq)],
                condition=PaymentItem.pk.exists() & PaymentItem.seq.does_not_exist(),
            )
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
