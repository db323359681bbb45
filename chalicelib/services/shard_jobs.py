"""The daily jobs that fan out over the index shards (services/fanout.py): what one page of a shard is and what
one item's work is, for invoicing, overdue detection, the lifecycle sweep and the obligations check. Each item's work
is the same use case the whole-table run does (billing.issue_for_contract, billing.check_overdue,
lifecycle.sweep_contract, obligation_job.check_contract)."""

from __future__ import annotations

from datetime import date

from chalicelib.domain.contract import Contract
from chalicelib.domain.invoice import Invoice
from chalicelib.services.base import Deps
from chalicelib.services.billing import check_overdue, issue_for_contract
from chalicelib.services.fanout import ShardJob, register
from chalicelib.services.lifecycle import sweep_contract
from chalicelib.services.obligation_job import check_contract


def _invoice(deps: Deps, contract: Contract, as_of: date) -> dict[str, int]:
    return {"contracts_due": 1, "invoices_issued": issue_for_contract(deps, contract, as_of)}


def _overdue(deps: Deps, invoice: Invoice, as_of: date) -> dict[str, int]:
    return check_overdue(deps, invoice, as_of)


def _sweep(deps: Deps, contract_id: str, as_of: date) -> dict[str, int]:
    counts = {"contracts_due": 1}
    for kind in sweep_contract(deps, contract_id, as_of):
        counts[f"event:{kind}"] = counts.get(f"event:{kind}", 0) + 1
    return counts


def _obligations(deps: Deps, contract_id: str, as_of: date) -> dict[str, int]:
    return {"contracts_due": 1, **check_contract(deps, contract_id, as_of)}


INVOICING = register(
    ShardJob("invoicing", lambda d, on, n, cur, lim: d.repo.contracts_to_invoice_page(on, n, cur, lim), _invoice)
)
OVERDUE = register(ShardJob("overdue", lambda d, on, n, cur, lim: d.repo.open_invoices_page(on, n, cur, lim), _overdue))
LIFECYCLE = register(ShardJob("lifecycle", lambda d, on, n, cur, lim: d.repo.lifecycle_page(on, n, cur, lim), _sweep))
OBLIGATIONS = register(
    ShardJob("obligations", lambda d, on, n, cur, lim: d.repo.obligations_page(on, n, cur, lim), _obligations)
)
