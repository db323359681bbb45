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
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.ledger import ZERO, FeeState
from chalicelib.domain.money import amount_in_figures, amount_in_words, money_str, quantize
from chalicelib.domain.terms import Terms, pct_str
from chalicelib.services import ledger as ledgers
from chalicelib.services.base import Deps
from chalicelib.services.commands import ProposeAmendment, ServeNotice, WithdrawNotice
from chalicelib.services.documents import TITLES
from chalicelib.services.ledger_hooks import apply_to_issued_fees
from chalicelib.services.obligation_documents import PERFORMANCE_WORDING
from chalicelib.services.signing import apply_order, issue_links
from chalicelib.services.unit_of_work import UnitOfWork, run


# ---- termination notices ----------------------------------------------------------------------------
def _notice_document(
    contract: Contract, command: ServeNotice, notice_date: date, owed: list[FeeState], total: Decimal
) -> str:
    """The 解除合同通知书 as served: the reason's clause, the effective date and what is still owed."""
    period = contract.terms_on(notice_date).notice_period_days
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
                {"year": st.year, "due_date": st.due_on.isoformat(), "outstanding": money_str(st.outstanding)}
                for st in owed
            ],
            "outstanding_total": money_str(total),
        }
    )


def serve_notice(deps: Deps, contract_id: str, command: ServeNotice, actor: str) -> Contract:
    notice_date = command.notice_date or deps.today()
    if notice_date > deps.today():
        raise ValidationError("notice_date", "must not be after today (a notice is recorded once it is served)")

    def attempt(uow: UnitOfWork) -> Contract:
        book = uow.ledger(contract_id)  # the contract and what it owed on the notice date, one Query
        contract = book.contract
        owed = [st for st in ledgers.view(book, notice_date).fees.values() if st.outstanding > 0]
        total = quantize(sum((st.outstanding for st in owed), ZERO))
        html = _notice_document(contract, command, notice_date, owed, total)
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
        apply_to_issued_fees(uow, contract, book)
        uow.commit()
        return contract

    return run(deps, actor, attempt)


def withdraw_notice(deps: Deps, contract_id: str, command: WithdrawNotice, actor: str) -> Contract:
    def attempt(uow: UnitOfWork) -> Contract:
        contract = uow.contract(contract_id)
        uow.raise_event(contract.withdraw_notice(command.reason, deps.now_iso(), deps.today(), command.withdrawn_on))
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
    "obligations": "履约义务",
    "vendor_late_penalty": "乙方逾期履行违约金",
    "incident_report_hours": "危机事件报告时限",
    "service_standards": "服务标准",
}


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
    **PERFORMANCE_WORDING,
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
        changes = contract.check_changes(command.changes.to_dict())
        html = _agreement_document(contract, changes, reason)
        sha = document_sha256(html)
        amendment, proposed = contract.propose_amendment(changes, reason, deps.now_iso(), sha, deps.today())
        subject = f"amendment:{amendment.no}"
        links, tokens = issue_links(deps, contract, subject, sha)
        sent = contract.send_amendment(amendment.no, links, deps.now_iso())
        uow.raise_event(proposed, apply_order(amendment.signing, sent, command.signing_order, deps.settings))
        uow.add_tokens(tokens)
        uow.add_document(subject, html, sha)
        uow.commit()
        return contract

    return run(deps, actor, attempt)
