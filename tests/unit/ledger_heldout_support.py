"""A finance desk for held-out style ledger scenarios on the in-memory fakes: record payments (with `applies_to`),
waivers, set-offs and refunds the way the API does, and read back exactly what the API's views return (invoices,
ledger and receivables as of a day). Expected figures in the tests that use it are computed by hand from
docs/domain-rules.md ("Receivables ledger")."""

from __future__ import annotations

from datetime import date
from typing import Any

from chalicelib.api import money_requests as mq
from chalicelib.api.body import parse
from chalicelib.services import ledger_views, payments, receivables
from tests.factories import command
from tests.unit.conftest import FINANCE, Office, shanghai


def clause(mode: str, rate: str, cap: str | None = None) -> dict[str, Any]:
    return {"mode": mode, "rate_pct": rate, "cap_pct": cap}


class Desk:
    """Finance recording facts on `office`; `record_on` is the day finance types them in (default: the fact's day,
    or today when that is later)."""

    def __init__(self, office: Office) -> None:
        self.office = office
        self.deps = office.deps

    def _today(self, on: date, record_on: date | None) -> None:
        when = record_on or max(on, self.deps.today())
        self.office.at(shanghai(when, 15))

    def pay(
        self,
        cid: str,
        amount: str,
        on: date,
        voucher: str,
        applies_to: list[tuple[int, str]] | None = None,
        record_on: date | None = None,
    ) -> dict[str, Any]:
        self._today(on, record_on)
        body: dict[str, Any] = {
            "amount": amount,
            "paid_on": on.isoformat(),
            "voucher_no": voucher,
            "method": "bank_transfer",
        }
        if applies_to:
            body["applies_to"] = [{"year": y, "what": w} for y, w in applies_to]
        return payments.record_payment(self.deps, cid, command(mq.RecordPaymentRequest, body), FINANCE)

    def waive(self, cid: str, year: int, amount: str, on: date, record_on: date | None = None) -> dict[str, Any]:
        self._today(on, record_on)
        body = {"amount": amount, "reason": "减免", "on": on.isoformat()}
        cmd = parse(mq.WaivePenaltyRequest, body).command(year)
        return payments.waive_penalty(self.deps, cid, cmd, FINANCE)

    def refund(self, cid: str, amount: str, on: date, voucher: str, record_on: date | None = None) -> dict[str, Any]:
        self._today(on, record_on)
        body = {"amount": amount, "paid_on": on.isoformat(), "voucher_no": voucher, "reason": "退还预收"}
        return payments.record_refund(self.deps, cid, command(mq.RefundRequest, body), FINANCE)

    # ---- what finance reads (the API's own response builders) -----------------------------------------
    def invoices(self, cid: str, as_of: date | None = None) -> dict[int, dict[str, Any]]:
        book = self.office.repo.load_ledger(cid)
        reply = ledger_views.invoices_response(book, as_of, self.deps.today())
        return {i["year"]: i for i in reply["items"]}

    def ledger(self, cid: str, as_of: date | None = None) -> dict[str, Any]:
        return ledger_views.ledger_response(self.office.repo.load_ledger(cid), as_of, self.deps.today())

    def balances(self, cid: str, as_of: date) -> dict[str, str]:
        return dict(self.ledger(cid, as_of)["balances"])

    def receivables(self, as_of: date) -> dict[str, Any]:
        return receivables.receivables(self.deps, as_of)

    def row(self, cid: str, as_of: date) -> dict[str, Any] | None:
        rows = [r for r in self.receivables(as_of)["contracts"] if r["contract_id"] == cid]
        return rows[0] if rows else None

    def told(self, cid: str, event_type: str) -> list[dict[str, Any]]:
        return [e.payload for e in self.office.repo.events(event_type, cid)]
