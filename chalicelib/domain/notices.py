"""Termination notices (解除合同通知书), the grounds a notice may cite, and the lifecycle that follows a
contract's dates: a notice taking effect, the term running out, renewal reminders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from chalicelib.domain import amendments
from chalicelib.domain.calendar import add_days, instant, today_shanghai
from chalicelib.domain.errors import Conflict, IllegalTransition, ValidationError
from chalicelib.domain.events import (
    ContractExpired,
    ContractTerminated,
    Event,
    NoticeServed,
    NoticeWithdrawn,
    RenewalReminder,
)
from chalicelib.domain.states import CONTRACT_TRANSITIONS, check_transition

if TYPE_CHECKING:
    from chalicelib.domain.contract import Contract

REASON_CODES = (
    "non_payment",
    "data_not_provided",
    "quality_below_standard",
    "confidentiality_breach",
    "late_performance",
    "force_majeure",
    "mutual_agreement",
    "convenience",
    "other",
)
# The seeds' grounds for each reason: the clause a notice cites.
REASON_CLAUSES = {
    "non_payment": "甲方未按照合同约定支付服务费用（违约行为及认定第4项；第五条违约责任）",
    "data_not_provided": "甲方未提供乙方开展服务所需的业务数据和相关信息（违约行为及认定第5项）",
    "quality_below_standard": "乙方提供的服务未达到约定的专业性和服务标准（违约行为及认定第2项；服务质量保证）",
    "confidentiality_breach": "违反保密义务，泄露商业秘密或客户隐私（违约行为及认定第3项；保密条款）",
    "late_performance": "乙方未按照约定时间完成服务工作（违约行为及认定第1项；第五条5.2）",
    "force_majeure": "因不可抗力致使合同目的不能实现（不可抗力条款）",
    "mutual_agreement": "双方协商一致解除合同（合同变更与终止条款）",
    "convenience": "一方依合同约定提前书面通知解除合同（合同期限与终止条款）",
    "other": "其他依法或依约可以解除合同的情形",
}


@dataclass
class TerminationNotice:
    """解除合同通知书 served by one party; takes effect notice_period_days after the notice date."""

    no: int
    by: str
    reason_code: str
    details: str
    notice_date: date
    effective_date: date
    status: str  # served | effective | withdrawn | lapsed (the term ended before it took effect)
    served_at: str
    document_sha256: str
    withdrawn_at: str | None = None
    withdrawal_reason: str | None = None
    withdrawn_on: date | None = None  # the day both parties agreed, between the notice date and the day recorded


def serve(
    c: Contract, *, by: str, reason_code: str, details: str, notice_date: date, served_at: str, document_sha256: str
) -> tuple[TerminationNotice, NoticeServed]:
    if c.status != "active":
        raise IllegalTransition(
            "contract", c.id, c.status, "terminating", "only an active contract can receive a termination notice"
        )
    if c.pending_amendment is not None:
        raise Conflict(f"supplementary agreement {c.pending_amendment.no} is pending; void it first")
    assert c.effective_date is not None
    if notice_date < c.effective_date:
        raise ValidationError("notice_date", "must not be before the contract's effective date")
    end = c.end_date
    if end is not None and notice_date > end:  # the contract expired after its term, whether or not the job ran
        raise IllegalTransition("contract", c.id, c.status, "terminating", f"its term ended on {end.isoformat()}")
    notice = TerminationNotice(
        no=len(c.notices) + 1,
        by=by,
        reason_code=reason_code,
        details=details,
        notice_date=notice_date,
        # The notice period of the terms in force on the notice date: a notice recorded late keeps the period it
        # was served under, whatever an agreement in force since then says.
        effective_date=add_days(notice_date, c.terms_on(notice_date).notice_period_days),
        status="served",
        served_at=served_at,
        document_sha256=document_sha256,
    )
    check_transition(CONTRACT_TRANSITIONS, "contract", c.id, c.status, "terminating")
    c.status = "terminating"
    c.notices.append(notice)
    return notice, NoticeServed(
        no=notice.no,
        by=notice.by,
        reason_code=notice.reason_code,
        details=notice.details,
        notice_date=notice.notice_date,
        effective_date=notice.effective_date,
        status=notice.status,
        served_at=notice.served_at,
        document_sha256=notice.document_sha256,
        withdrawn_at=notice.withdrawn_at,
        withdrawal_reason=notice.withdrawal_reason,
        clause=REASON_CLAUSES[reason_code],
    )


def withdraw(c: Contract, reason: str, at: str, today: date, withdrawn_on: date | None = None) -> NoticeWithdrawn:
    """Both parties withdraw the pending notice: only before it takes effect (as of today, whether or not the
    lifecycle job has run), dated between the notice date and today."""
    notice = c.pending_notice
    if notice is None:
        raise IllegalTransition("contract", c.id, c.status, "active", "no termination notice is pending")
    on = withdrawn_on or today
    if on > today:
        raise ValidationError("withdrawn_on", "must not be after today")
    if on < notice.notice_date:
        raise ValidationError("withdrawn_on", "must not be before the notice date")
    if today >= notice.effective_date:
        raise IllegalTransition(
            "notice", f"{c.id}:{notice.no}", "served", "withdrawn", "the notice has already taken effect"
        )
    end = c.end_date
    if end is not None and today > end:  # the notice lapsed when the term ended, whether or not the job ran
        raise IllegalTransition("notice", f"{c.id}:{notice.no}", "served", "withdrawn", f"the term ended on {end}")
    check_transition(CONTRACT_TRANSITIONS, "contract", c.id, c.status, "active")
    notice.status = "withdrawn"
    notice.withdrawn_at = at
    notice.withdrawal_reason = reason
    notice.withdrawn_on = on
    c.status = "active"
    return NoticeWithdrawn(notice_no=notice.no, reason=reason, effective_date=notice.effective_date, withdrawn_on=on)


def due_events(c: Contract, as_of: date) -> list[Event]:
    """Apply what is due on `as_of`: notice effect, expiry, renewal reminders (each once)."""
    if c.status not in ("active", "terminating") or c.effective_date is None:
        return []
    end = c.end_date
    assert end is not None
    notice = c.pending_notice
    if notice is not None and as_of >= notice.effective_date and notice.effective_date <= end:
        check_transition(CONTRACT_TRANSITIONS, "contract", c.id, c.status, "terminated")
        notice.status = "effective"
        c.status = "terminated"
        c.closed_on = notice.effective_date
        c.closed_reason = notice.reason_code
        return [ContractTerminated(notice.no, notice.effective_date, notice.reason_code, c.invoiced_years)]
    if as_of > end:
        check_transition(CONTRACT_TRANSITIONS, "contract", c.id, c.status, "expired")
        if notice is not None:  # nobody withdrew it: it lapsed with the term
            notice.status = "lapsed"
            notice.withdrawal_reason = "the term ended before the notice took effect"
        c.status = "expired"
        c.closed_on = add_days(end, 1)
        return [ContractExpired(end_date=end, invoiced_years=c.invoiced_years), *amendments.lapse_pending(c)]
    if c.status == "active":
        due = [d for d in sorted(c.reminder_days) if d not in c.reminders_sent and as_of >= add_days(end, -d)]
        if due:
            # A late run that skipped a reminder sends only the nearest one; all due are marked sent.
            c.reminders_sent = sorted(set(c.reminders_sent) | set(due), reverse=True)
            return [RenewalReminder(days_before_end=min(due), end_date=end, days_left=(end - as_of).days)]
    return []


_IN_FORCE = ("active", "terminating", "terminated", "expired")


def status_on(c: Contract, day: date) -> str:
    """The contract's status as it stood on `day`, from its dates (a report as of a past day names the status of
    that day, not today's): terminated from the day a notice that ended it took effect, expired after the term's
    last day, terminating from a notice's date until it was withdrawn (or took effect, or lapsed), else active.
    A contract never in force keeps its status."""
    end = c.end_date
    if c.status not in _IN_FORCE or c.effective_date is None or end is None or day < c.effective_date:
        return c.status
    ending = [n for n in c.notices if n.status in ("served", "effective") and n.effective_date <= end]
    if any(day >= n.effective_date for n in ending):
        return "terminated"
    if day > end:
        return "expired"
    if any(n.notice_date <= day and not _withdrawn_by(n, day) for n in c.notices):
        return "terminating"
    return "active"


def _withdrawn_by(n: TerminationNotice, day: date) -> bool:
    if n.status != "withdrawn":
        return False
    on = n.withdrawn_on  # older notices recorded only the instant it was recorded
    if on is None:
        on = today_shanghai(instant(n.withdrawn_at)) if n.withdrawn_at else n.notice_date
    return on <= day
