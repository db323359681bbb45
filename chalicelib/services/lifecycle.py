"""Termination notices (解除合同通知书), supplementary agreements (补充协议), and the daily lifecycle sweep
that makes notices take effect, expires contracts and sends renewal reminders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from chalicelib.domain.calendar import add_days
from chalicelib.domain.contract import REASON_CLAUSES, Contract
from chalicelib.domain.documents import (
    document_sha256,
    render_supplementary_agreement,
    render_termination_notice,
)
from chalicelib.domain.errors import IllegalTransition, ValidationError
from chalicelib.domain.invoice import Invoice
from chalicelib.domain.ledger import ZERO
from chalicelib.domain.money import amount_in_figures, amount_in_words, money_str, quantize
from chalicelib.domain.terms import MAX_TERM_YEARS, Terms, check_contract_amount, pct_str
from chalicelib.services.base import Deps
from chalicelib.services.commands import ProposeAmendment, ServeNotice, TermsChanges, WithdrawNotice
from chalicelib.services.documents import TITLES
from chalicelib.services.ledger_hooks import apply_to_issued_fees
from chalicelib.services.signing import issue_links
from chalicelib.services.unit_of_work import UnitOfWork, run


# ---- termination notices ----------------------------------------------------------------------------
def _notice_document(
    contract: Contract, command: ServeNotice, notice_date: date, invoices: list[Invoice], total: Decimal
) -> str:
    """The 解除合同通知书 as served: the reason's clause, the effective date and what is still owed."""
    period = contract.current_terms.notice_period_days
    return render_termination_notice(
        {
            "contract_no": contract.contract_no,
            "contract_title": TITLES[contract.template],
            "notice_no": len(contract.notices) + 1,
            "by": command.by,
            "client": contract.client.to_dict(),
            "vendor": contract.vendor.to_dict(),
            "reason_code": command.reason_code,
            "clause": REASON_CLAUSES[command.reason_code],
            "details": command.details,
            "notice_date": notice_date.isoformat(),
            "notice_period_days": period,
            "effective_date": add_days(notice_date, period).isoformat(),
            "outstanding": [
                {"year": i.year, "due_date": i.due_on.isoformat(), "outstanding": money_str(i.outstanding)}
                for i in invoices
            ],
            "outstanding_total": money_str(total),
        }
    )


def serve_notice(deps: Deps, contract_id: str, command: ServeNotice, actor: str) -> Contract:
    notice_date = command.notice_date or deps.today()
    if notice_date > deps.today():
        raise ValidationError("notice_date", "must not be after today (a notice is recorded once it is served)")

    def attempt(uow: UnitOfWork) -> Contract:
        contract = uow.contract(contract_id)
        invoices = sorted(
            (i for i in deps.repo.get_invoices(contract_id) if i.is_open and i.outstanding > 0), key=lambda i: i.year
        )
        total = quantize(sum((i.outstanding for i in invoices), ZERO))
        html = _notice_document(contract, command, notice_date, invoices, total)
        sha = document_sha256(html)
        notice, event = contract.serve_notice(
            by=command.by,
            reason_code=command.reason_code,
            details=command.details,
            notice_date=notice_date,
            served_at=deps.now_iso(),
            document_sha256=sha,
        )
        uow.raise_event(replace(event, outstanding_total=total))
        uow.add_document(f"notice:{notice.no}", html, sha)
        # A notice recorded after it was served may end the contract before years already invoiced.
        apply_to_issued_fees(uow, contract)
        uow.commit()
        return contract

    return run(deps, actor, attempt)


def withdraw_notice(deps: Deps, contract_id: str, command: WithdrawNotice, actor: str) -> Contract:
    reason = command.reason
    on = command.withdrawn_on or deps.today()
    if on > deps.today():
        raise ValidationError("withdrawn_on", "must not be after today")

    def attempt(uow: UnitOfWork) -> Contract:
        contract = uow.contract(contract_id)
        notice = contract.pending_notice
        if notice is not None and on < notice.notice_date:
            raise ValidationError("withdrawn_on", "must not be before the notice date")
        if notice is not None and deps.today() >= notice.effective_date:
            raise IllegalTransition(
                "notice", f"{contract.id}:{notice.no}", "served", "withdrawn", "the notice has already taken effect"
            )
        uow.raise_event(contract.withdraw_notice(reason, deps.now_iso(), on))
        uow.commit()
        return contract

    return run(deps, actor, attempt)


# ---- lifecycle sweep ----------------------------------------------------------------------------------
def sweep_contract(deps: Deps, contract_id: str, as_of: date) -> list[str]:
    def attempt(uow: UnitOfWork) -> list[str]:
        contract = uow.contract(contract_id)
        events = contract.due_lifecycle_events(as_of)
        if not events:
            return []
        uow.raise_event(*events)
        if any(e.type == "ContractTerminated" for e in events):
            apply_to_issued_fees(uow, contract)
        uow.commit()
        return [e.type for e in events]

    return run(deps, "worker:lifecycle", attempt)


def run_lifecycle(deps: Deps, as_of: date) -> dict[str, Any]:
    seen = 0
    done: dict[str, int] = {}
    for contract_id in deps.repo.contracts_for_lifecycle(as_of):
        seen += 1
        for kind in sweep_contract(deps, contract_id, as_of):
            done[kind] = done.get(kind, 0) + 1
    return {"as_of": as_of.isoformat(), "contracts_due": seen, "events": done}


# ---- supplementary agreements ---------------------------------------------------------------------------
LABELS = {
    "annual_fee": "年度服务费用",
    "extend_years": "服务期限",
    "services": "服务内容",
    "payment_due_days": "付款期限",
    "breach_penalty_pct": "违约金比例",
    "late_penalty": "逾期违约金",
    "notice_period_days": "解除通知期",
}


def check_changes(contract: Contract, changes: TermsChanges) -> dict[str, Any]:
    """The changes in their stored shape, after the rules that need the contract: the whole term stays within
    MAX_TERM_YEARS and an agreement must change something."""
    out = changes.to_dict()
    if changes.extend_years is not None and contract.term_years + changes.extend_years > MAX_TERM_YEARS:
        raise ValidationError("changes.extend_years", f"the whole term may not exceed {MAX_TERM_YEARS} years")
    check_contract_amount(_amount_after(contract, out), _amount_field(changes))
    current = contract.current_terms.to_dict()
    if "extend_years" not in out and all(current.get(k) == v for k, v in out.items()):
        raise ValidationError("changes", "changes nothing: every value equals the terms in force")
    return out


def _amount_after(contract: Contract, changes: dict[str, Any]) -> Decimal:
    """The contract amount once the agreement is in force: years already invoiced keep their fee, the rest take
    the new terms' (an agreement governs years that start on or after the day it takes effect)."""
    terms = contract.amended_terms(changes)
    kept = [contract.annual_fee_for_year(k) for k in range(1, min(contract.invoiced_years, terms.term_years) + 1)]
    return sum(kept, Decimal(0)) + terms.annual_fee * (terms.term_years - len(kept))


def _amount_field(changes: TermsChanges) -> str:
    return "changes.annual_fee" if changes.annual_fee is not None else "changes.extend_years"


def _fee(terms: Terms) -> str:
    return f"人民币{amount_in_figures(terms.annual_fee)[1:]}元（大写：{amount_in_words(terms.annual_fee)}）"


def _late_penalty(terms: Terms) -> str:
    lp = terms.late_penalty
    cap = f"，累计不超过逾期金额的{pct_str(lp.cap_pct)}%" if lp.cap_pct is not None else ""
    if lp.mode == "daily_pct":
        return f"按逾期金额每日{pct_str(lp.rate_pct)}%计付{cap}"
    return f"每笔逾期款项按合同金额的{pct_str(lp.rate_pct)}%计付{cap}"


# How the supplementary agreement words each amendable term, before and after.
_WORDING: dict[str, Callable[[Terms], str]] = {
    "annual_fee": _fee,
    "extend_years": lambda t: f"{t.term_years}年",
    "services": lambda t: "、".join(t.services),
    "payment_due_days": lambda t: f"{t.payment_due_days}日",
    "notice_period_days": lambda t: f"{t.notice_period_days}日",
    "breach_penalty_pct": lambda t: f"合同金额的{pct_str(t.breach_penalty_pct)}%",
    "late_penalty": _late_penalty,
}


def _describe(contract: Contract, changes: dict[str, Any]) -> list[dict[str, str]]:
    terms = contract.current_terms
    after = contract.amended_terms(changes)
    rows = []
    for key in changes:
        now = _WORDING[key](after)
        if key == "extend_years":
            now += f"（延长{changes[key]}年）"
        rows.append({"field": key, "label": LABELS[key], "before": _WORDING[key](terms), "after": now})
    return rows


def _agreement_document(contract: Contract, changes: dict[str, Any], reason: str) -> str:
    """The 补充协议 proposed: each changed term before and after, and the fee-change rule when the fee changes."""
    return render_supplementary_agreement(
        {
            "contract_no": contract.contract_no,
            "contract_title": TITLES[contract.template],
            "amendment_no": len(contract.amendments) + 1,
            "client": contract.client.to_dict(),
            "vendor": contract.vendor.to_dict(),
            "original_effective_date": None if contract.effective_date is None else contract.effective_date.isoformat(),
            "reason": reason,
            "changes": _describe(contract, changes),
            "fee_change_rule": "annual_fee" in changes,
            "signing_place": contract.current_terms.signing_place,
        }
    )


def propose_amendment(deps: Deps, contract_id: str, command: ProposeAmendment, actor: str) -> Contract:
    reason = command.reason

    def attempt(uow: UnitOfWork) -> Contract:
        contract = uow.contract(contract_id)
        changes = check_changes(contract, command.changes)
        html = _agreement_document(contract, changes, reason)
        sha = document_sha256(html)
        amendment, proposed = contract.propose_amendment(changes, reason, deps.now_iso(), sha)
        subject = f"amendment:{amendment.no}"
        links, tokens = issue_links(deps, contract, subject, sha)
        uow.raise_event(proposed, contract.send_amendment(amendment.no, links, deps.now_iso()))
        uow.add_tokens(tokens)
        uow.add_document(subject, html, sha)
        uow.commit()
        return contract

    return run(deps, actor, attempt)
