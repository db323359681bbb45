"""Termination notices (解除合同通知书), supplementary agreements (补充协议), and the daily lifecycle sweep
that makes notices take effect, expires contracts and sends renewal reminders."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import Any

from chalicelib.domain.calendar import InvalidDate, parse_date
from chalicelib.domain.contract import AMENDABLE_FIELDS, PARTIES, REASON_CLAUSES, REASON_CODES, Contract
from chalicelib.domain.documents import (
    document_sha256,
    render_supplementary_agreement,
    render_termination_notice,
)
from chalicelib.domain.errors import IllegalTransition, ValidationError
from chalicelib.domain.ledger import ZERO
from chalicelib.domain.money import amount_in_figures, amount_in_words, money_str, quantize
from chalicelib.domain.terms import LatePenalty, parse_services, pct_str
from chalicelib.services.base import Deps, retry_on_conflict, stage_events
from chalicelib.services.documents import TITLES
from chalicelib.services.ledger_hooks import apply_to_issued_fees
from chalicelib.services.ports import Changes, StoredDocument
from chalicelib.services.signing import issue_links


def _text(data: Mapping[str, Any], key: str, max_len: int = 2000, required: bool = True) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(key, "is required and must be a non-empty string")
    if len(value) > max_len:
        raise ValidationError(key, f"must be at most {max_len} characters")
    return value.strip()


def _date(data: Mapping[str, Any], key: str, default: date) -> date:
    raw = data.get(key)
    if raw is None:
        return default
    try:
        return parse_date(raw)
    except (InvalidDate, TypeError):
        raise ValidationError(key, "must be a real date YYYY-MM-DD") from None


# ---- termination notices ----------------------------------------------------------------------------
def serve_notice(deps: Deps, contract_id: str, body: object, actor: str) -> Contract:
    if not isinstance(body, Mapping):
        raise ValidationError("body", "must be a JSON object")
    by = body.get("by")
    if by not in PARTIES:
        raise ValidationError("by", "must be client or vendor")
    reason_code = body.get("reason_code")
    if reason_code not in REASON_CODES:
        raise ValidationError("reason_code", f"must be one of {', '.join(REASON_CODES)}")
    details = _text(body, "details")
    notice_date = _date(body, "notice_date", deps.today())

    if notice_date > deps.today():
        raise ValidationError("notice_date", "must not be after today")

    def attempt() -> Contract:
        contract = deps.repo.get_contract(contract_id)
        expected = contract.version
        invoices = sorted(
            (i for i in deps.repo.get_invoices(contract_id) if i.is_open and i.outstanding > 0), key=lambda i: i.year
        )
        total = quantize(sum((i.outstanding for i in invoices), ZERO))
        no = len(contract.notices) + 1
        effective = contract.current_terms.notice_period_days
        from chalicelib.domain.calendar import add_days

        html = render_termination_notice(
            {
                "contract_no": contract.contract_no,
                "contract_title": TITLES[contract.template],
                "notice_no": no,
                "by": by,
                "client": contract.client.to_dict(),
                "vendor": contract.vendor.to_dict(),
                "reason_code": reason_code,
                "clause": REASON_CLAUSES[str(reason_code)],
                "details": details,
                "notice_date": notice_date.isoformat(),
                "notice_period_days": effective,
                "effective_date": add_days(notice_date, effective).isoformat(),
                "outstanding": [
                    {"year": i.year, "due_date": i.due_on.isoformat(), "outstanding": money_str(i.outstanding)}
                    for i in invoices
                ],
                "outstanding_total": money_str(total),
            }
        )
        sha = document_sha256(html)
        notice, event = contract.serve_notice(
            by=str(by),
            reason_code=str(reason_code),
            details=details,
            notice_date=notice_date,
            served_at=deps.now_iso(),
            document_sha256=sha,
        )
        event = replace(event, outstanding_total=total)
        changes = Changes(
            contract=contract,
            expected_version=expected,
            documents=[StoredDocument(contract.id, f"notice:{notice.no}", html, sha)],
        )
        # A notice recorded after it was served may end the contract before years already invoiced.
        stage_events(changes, [event, *apply_to_issued_fees(deps, contract, changes, actor)], actor, deps.now_iso())
        deps.repo.commit(changes)
        return contract

    return retry_on_conflict(attempt)


def withdraw_notice(deps: Deps, contract_id: str, body: object, actor: str) -> Contract:
    if not isinstance(body, Mapping):
        raise ValidationError("body", "must be a JSON object")
    reason = _text(body, "reason", 1000)
    agreed = body.get("agreed_by")
    if (
        not isinstance(agreed, list)
        or not all(isinstance(p, str) for p in agreed)
        or sorted(set(agreed)) != ["client", "vendor"]
    ):
        raise ValidationError(
            "agreed_by",
            'must list both parties, ["client", "vendor"]: withdrawing a notice needs both parties\' agreement',
        )
    on = _date(body, "withdrawn_on", deps.today())
    if on > deps.today():
        raise ValidationError("withdrawn_on", "must not be after today")

    def attempt() -> Contract:
        contract = deps.repo.get_contract(contract_id)
        expected = contract.version
        notice = contract.pending_notice
        if notice is not None and on < notice.notice_date:
            raise ValidationError("withdrawn_on", "must not be before the notice date")
        if notice is not None and deps.today() >= notice.effective_date:
            raise IllegalTransition(
                "notice", f"{contract.id}:{notice.no}", "served", "withdrawn", "the notice has already taken effect"
            )
        event = contract.withdraw_notice(reason, deps.now_iso(), on)
        changes = Changes(contract=contract, expected_version=expected)
        stage_events(changes, [event], actor, deps.now_iso())
        deps.repo.commit(changes)
        return contract

    return retry_on_conflict(attempt)


# ---- lifecycle sweep ----------------------------------------------------------------------------------
def sweep_contract(deps: Deps, contract_id: str, as_of: date) -> list[str]:
    def attempt() -> list[str]:
        contract = deps.repo.get_contract(contract_id)
        expected = contract.version
        events = contract.due_lifecycle_events(as_of)
        if not events:
            return []
        changes = Changes(contract=contract, expected_version=expected)
        staged: list[Any] = list(events)
        if any(e.type == "ContractTerminated" for e in events):
            staged.extend(apply_to_issued_fees(deps, contract, changes, "worker:lifecycle"))
        stage_events(changes, staged, "worker:lifecycle", deps.now_iso())
        deps.repo.commit(changes)
        return [e.type for e in events]

    return retry_on_conflict(attempt)


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


def parse_changes(contract: Contract, data: object) -> dict[str, Any]:
    if not isinstance(data, Mapping) or not data:
        raise ValidationError("changes", f"must be an object with at least one of {', '.join(AMENDABLE_FIELDS)}")
    unknown = sorted(set(data) - set(AMENDABLE_FIELDS))
    if unknown:
        raise ValidationError(f"changes.{unknown[0]}", f"cannot be amended (amendable: {', '.join(AMENDABLE_FIELDS)})")
    from chalicelib.domain.terms import Terms

    current = contract.current_terms.to_dict()
    probe = dict(current)
    out: dict[str, Any] = {}
    if "annual_fee" in data:
        probe["annual_fee"] = data["annual_fee"]
    if "services" in data:
        out["services"] = list(parse_services(data["services"], "changes.services"))
    for key in ("payment_due_days", "notice_period_days", "breach_penalty_pct", "late_penalty"):
        if key in data:
            probe[key] = data[key]
    try:
        parsed = Terms.parse(probe, "changes")
    except ValidationError as exc:
        raise ValidationError(exc.field, exc.message.split(": ", 1)[-1]) from None
    if "annual_fee" in data:
        out["annual_fee"] = money_str(parsed.annual_fee)
    for key in ("payment_due_days", "notice_period_days"):
        if key in data:
            out[key] = getattr(parsed, key)
    if "breach_penalty_pct" in data:
        out["breach_penalty_pct"] = pct_str(parsed.breach_penalty_pct)
    if "late_penalty" in data:
        out["late_penalty"] = parsed.late_penalty.to_dict()
    if "extend_years" in data:
        years = data["extend_years"]
        if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= 10:
            raise ValidationError("changes.extend_years", "must be an integer between 1 and 10")
        if contract.term_years + years > 30:
            raise ValidationError("changes.extend_years", "the whole term may not exceed 30 years")
        out["extend_years"] = years
    if all(k != "extend_years" and current.get(k) == v for k, v in out.items()) and "extend_years" not in out:
        raise ValidationError("changes", "changes nothing: every value equals the terms in force")
    return out


def _describe(contract: Contract, changes: dict[str, Any]) -> list[dict[str, str]]:
    terms = contract.current_terms
    after = contract.amended_terms(changes)
    rows = []

    def fee(v: Any) -> str:
        return f"人民币{amount_in_figures(v)[1:]}元（大写：{amount_in_words(v)}）"

    def penalty(lp: LatePenalty) -> str:
        cap = f"，累计不超过逾期金额的{pct_str(lp.cap_pct)}%" if lp.cap_pct is not None else ""
        if lp.mode == "daily_pct":
            return f"按逾期金额每日{pct_str(lp.rate_pct)}%计付{cap}"
        return f"每笔逾期款项按合同金额的{pct_str(lp.rate_pct)}%计付{cap}"

    for key in changes:
        if key == "annual_fee":
            before, now = fee(terms.annual_fee), fee(after.annual_fee)
        elif key == "extend_years":
            before, now = f"{terms.term_years}年", f"{after.term_years}年（延长{changes[key]}年）"
        elif key == "services":
            before, now = "、".join(terms.services), "、".join(after.services)
        elif key == "payment_due_days":
            before, now = f"{terms.payment_due_days}日", f"{after.payment_due_days}日"
        elif key == "notice_period_days":
            before, now = f"{terms.notice_period_days}日", f"{after.notice_period_days}日"
        elif key == "breach_penalty_pct":
            before, now = (
                f"合同金额的{pct_str(terms.breach_penalty_pct)}%",
                f"合同金额的{pct_str(after.breach_penalty_pct)}%",
            )
        else:
            before, now = penalty(terms.late_penalty), penalty(after.late_penalty)
        rows.append({"field": key, "label": LABELS[key], "before": before, "after": now})
    return rows


def propose_amendment(deps: Deps, contract_id: str, body: object, actor: str) -> Contract:
    if not isinstance(body, Mapping):
        raise ValidationError("body", "must be a JSON object")
    reason = _text(body, "reason", 1000)

    def attempt() -> Contract:
        contract = deps.repo.get_contract(contract_id)
        expected = contract.version
        changes_in = parse_changes(contract, body.get("changes"))
        no = len(contract.amendments) + 1
        html = render_supplementary_agreement(
            {
                "contract_no": contract.contract_no,
                "contract_title": TITLES[contract.template],
                "amendment_no": no,
                "client": contract.client.to_dict(),
                "vendor": contract.vendor.to_dict(),
                "original_effective_date": None
                if contract.effective_date is None
                else contract.effective_date.isoformat(),
                "reason": reason,
                "changes": _describe(contract, changes_in),
                "fee_change_rule": "annual_fee" in changes_in,
                "signing_place": contract.current_terms.signing_place,
            }
        )
        sha = document_sha256(html)
        amendment, proposed = contract.propose_amendment(changes_in, reason, deps.now_iso(), sha)
        subject = f"amendment:{amendment.no}"
        links, tokens = issue_links(deps, contract, subject, sha)
        sent = contract.send_amendment(amendment.no, links, deps.now_iso())
        changes = Changes(
            contract=contract,
            expected_version=expected,
            new_tokens=tokens,
            documents=[StoredDocument(contract.id, subject, html, sha)],
        )
        stage_events(changes, [proposed, sent], actor, deps.now_iso())
        deps.repo.commit(changes)
        return contract

    return retry_on_conflict(attempt)
