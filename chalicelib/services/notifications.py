"""Turns outbox events into the messages people get: SES emails (zh first, en beside) and SNS finance alerts.
`deliver_event` sends each message at most once per event id (idempotency records), so a redelivered stream
record sends nothing twice."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from chalicelib.domain.contract import PARTY_LABELS, REASON_CLAUSES
from chalicelib.domain.events import FINANCE_EVENTS
from chalicelib.domain.links import link_token
from chalicelib.domain.money import amount_in_figures, amount_in_words
from chalicelib.services.ports import Email, Mailer, OutboxEvent, Publisher
from chalicelib.settings import Settings

logger = logging.getLogger(__name__)
TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "emails"


@dataclass(frozen=True)
class Alert:
    event_type: str
    subject: str
    message: dict[str, Any]


@dataclass(frozen=True)
class Outgoing:
    """One message of an event; `key` is unique within the event (e.g. email:client, sns)."""

    key: str
    email: Email | None = None
    alert: Alert | None = None


@dataclass
class Spec:
    to: tuple[str, ...]
    title_zh: str
    title_en: str
    paragraphs: list[tuple[str, str]] = field(default_factory=list)
    facts: list[tuple[str, str, str]] = field(default_factory=list)
    greeting: tuple[str, str] = ("您好：", "Hello,")
    link: str | None = None
    link_label: tuple[str, str] = ("打开", "Open")
    certificate: str | None = None


@lru_cache(maxsize=1)
def _env() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render_email(spec: Spec, contract: dict[str, Any], reply_to: str | None = None) -> Email:
    subject = (
        f"[{contract['contract_no']}] {spec.title_zh} / {spec.title_en} — "
        f"{contract['client']['name']} · {contract['vendor']['name']}"
    )
    ctx = {
        "subject": subject,
        "contract_no": contract["contract_no"],
        "title_zh": spec.title_zh,
        "title_en": spec.title_en,
        "greeting_zh": spec.greeting[0],
        "greeting_en": spec.greeting[1],
        "paragraphs": spec.paragraphs,
        "facts": spec.facts,
        "link": spec.link,
        "link_label_zh": spec.link_label[0],
        "link_label_en": spec.link_label[1],
        "certificate": spec.certificate,
    }
    env = _env()
    text_env = env.overlay(autoescape=False)
    return Email(
        to=spec.to,
        subject=subject,
        html=env.get_template("message.html").render(ctx),
        text=text_env.get_template("message.txt").render(ctx),
        reply_to=reply_to,
    )


def money(value: str) -> str:
    d = Decimal(value)
    return f"{amount_in_figures(d)}（{amount_in_words(d)}）"


def _parties(c: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [("甲方", "Client", c["client"]["name"]), ("乙方", "Vendor", c["vendor"]["name"])]


def _both(c: dict[str, Any]) -> dict[str, str]:
    return {"client": c["client"]["email"], "vendor": c["vendor"]["email"]}


class MessageBuilder:
    def __init__(self, settings: Settings, api_base_url: str) -> None:
        self.settings = settings
        self.base = (settings.public_base_url or api_base_url).rstrip("/")

    def sign_url(self, token_id: str) -> str:
        return f"{self.base}/sign/{link_token(self.settings.link_secret, token_id)}"

    def build(self, event: OutboxEvent) -> list[Outgoing]:
        handler: Callable[[OutboxEvent], list[Outgoing]] | None = getattr(self, f"_on_{event.type}", None)
        out = handler(event) if handler else []
        if event.type in FINANCE_EVENTS:
            out.append(Outgoing("sns", alert=self._alert(event)))
        return out

    # ---- helpers ----------------------------------------------------------------------------------------
    def _emails(
        self, event: OutboxEvent, recipients: dict[str, str], spec_for: Callable[[str], Spec]
    ) -> list[Outgoing]:
        c = event.payload["contract"]
        return [
            Outgoing(f"email:{who}", email=render_email(spec_for(who), c)) for who, addr in recipients.items() if addr
        ]

    def _alert(self, event: OutboxEvent) -> Alert:
        c = event.payload["contract"]
        body = {k: v for k, v in event.payload.items() if k not in ("contract", "links")}
        message = {
            "event_type": event.type,
            "event_id": event.event_id,
            "at": event.at,
            "contract_id": event.contract_id,
            "contract_no": c["contract_no"],
            "client": c["client"]["name"],
            "vendor": c["vendor"]["name"],
            **body,
        }
        return Alert(event.type, f"[{c['contract_no']}] {event.type}", message)

    def _signing_links(self, event: OutboxEvent, what_zh: str, what_en: str) -> list[Outgoing]:
        c = event.payload["contract"]
        out = []
        for party, link in event.payload["links"].items():
            spec = Spec(
                to=(link["email"],),
                title_zh=f"请签署{what_zh}",
                title_en=f"Please sign the {what_en}",
                greeting=(f"{c[party]['contact_person']} 您好：", f"Dear {c[party]['contact_person']},"),
                paragraphs=[
                    (
                        f"您作为{PARTY_LABELS[party]}（{c[party]['name']}）的签署人，收到《{what_zh}》的签署邀请。"
                        "请点击下方链接阅读全文并签署或拒签。此链接仅供您本人使用。",
                        f"You are invited to sign the {what_en} for the {party} ({c[party]['name']}). "
                        "Open the link to read the whole document, then sign or decline. The link is yours "
                        "alone.",
                    )
                ],
                facts=[
                    *_parties(c),
                    ("文件摘要", "Document SHA-256", event.payload["document_sha256"]),
                    ("链接有效期至", "Link expires", link["expires_at"]),
                ],
                link=self.sign_url(link["token_id"]),
                link_label=("阅读并签署", "Read and sign"),
            )
            out.append(Outgoing(f"email:{party}", email=render_email(spec, c)))
        return out

    # ---- events -----------------------------------------------------------------------------------------
    def _on_ContractSent(self, event: OutboxEvent) -> list[Outgoing]:
        return self._signing_links(event, "合同", "contract")

    def _on_AmendmentSent(self, event: OutboxEvent) -> list[Outgoing]:
        no = event.payload["amendment_no"]
        return self._signing_links(event, f"补充协议（第{no}号）", f"supplementary agreement no. {no}")

    def _on_SigningLinkReissued(self, event: OutboxEvent) -> list[Outgoing]:
        p = event.payload
        subject = p["subject"]
        what = ("合同", "contract") if subject == "contract" else ("补充协议", "supplementary agreement")
        links = {
            "links": {p["party"]: {"token_id": p["token_id"], "email": p["email"], "expires_at": p["expires_at"]}},
            "document_sha256": p.get("document_sha256", ""),
            "contract": p["contract"],
        }
        return self._signing_links(
            OutboxEvent(event.event_id, event.type, event.contract_id, event.at, event.actor, links), *what
        )

    def _certificate(self, payload: dict[str, Any]) -> str:
        lines = [f"文件 SHA-256 / Document SHA-256: {payload['document_sha256']}"]
        for party, sig in sorted(payload["signatures"].items()):
            lines.append(
                f"{PARTY_LABELS[party]} {party}: {sig['signer_name']} <{sig['signer_email']}> "
                f"于 {sig['signed_at']} (UTC) 签署; IP {sig['ip_address']}; UA {sig['user_agent'][:80]}; "
                f"consent {sig['consent_version']} {sig['consent_sha256'][:16]}…"
            )
        return "\n".join(lines)

    def _on_InvoiceIssued(self, event: OutboxEvent) -> list[Outgoing]:
        p = event.payload
        c = p["contract"]
        return [
            Outgoing(
                "email:client",
                email=render_email(
                    Spec(
                        to=(c["client"]["email"],),
                        title_zh="付款通知书",
                        title_en="Payment notice",
                        greeting=(f"{c['client']['name']}：", f"To {c['client']['name']},"),
                        paragraphs=[
                            (
                                f"根据合同约定，第{p['year']}个合同年度的服务费用已到期开票，请于付款期限前支付至乙方。",
                                f"Under the contract, the service fee of contract year {p['year']} is now invoiced; "
                                "please pay the vendor by the due date.",
                            )
                        ],
                        facts=[
                            ("收款方", "Payee", c["vendor"]["name"]),
                            ("合同年度", "Contract year", str(p["year"])),
                            ("服务期间", "Period", f"{p['period_start']} — {p['period_end']}"),
                            ("金额", "Amount", money(p["amount"])),
                            ("开票日期", "Issue date", p["issue_date"]),
                            ("付款期限", "Due date", p["due_date"]),
                        ],
                    ),
                    c,
                ),
            )
        ]

    def _on_PaymentReceived(self, event: OutboxEvent) -> list[Outgoing]:
        p = event.payload
        c = p["contract"]
        alloc = "; ".join(f"第{a['year']}年度 {a['amount']}" for a in p["allocations"])
        return [
            Outgoing(
                "email:client",
                email=render_email(
                    Spec(
                        to=(c["client"]["email"],),
                        title_zh="收款确认",
                        title_en="Payment receipt",
                        greeting=(f"{c['client']['name']}：", f"To {c['client']['name']},"),
                        paragraphs=[("我方已收到以下款项，谢谢。", "We have received the payment below. Thank you.")],
                        facts=[
                            ("金额", "Amount", money(p["amount"])),
                            ("支付凭证号", "Voucher no.", p["voucher_no"]),
                            ("付款日期", "Paid on", p["paid_on"]),
                            ("支付方式", "Method", p["method"]),
                            ("冲抵", "Applied to", alloc),
                            ("尚欠", "Still outstanding", money(p["outstanding_after"])),
                        ],
                    ),
                    c,
                ),
            )
        ]

    def _on_InvoiceOverdue(self, event: OutboxEvent) -> list[Outgoing]:
        p = event.payload
        c = p["contract"]
        facts = [
            ("合同年度", "Contract year", str(p["year"])),
            ("付款期限", "Due date", p["due_date"]),
            ("逾期天数", "Days overdue", str(p["days_overdue"])),
            ("未付金额", "Outstanding", money(p["outstanding"])),
            ("逾期违约金", "Late penalty accrued", money(p["penalty_accrued"])),
        ]
        letter = Spec(
            to=(c["client"]["email"],),
            title_zh="催款函",
            title_en="Payment reminder",
            greeting=(f"{c['client']['name']}：", f"To {c['client']['name']},"),
            paragraphs=[
                (
                    f"贵方第{p['year']}个合同年度的服务费用已逾期{p['days_overdue']}日，请尽快支付。"
                    "逾期付款将依合同约定计收逾期违约金。",
                    f"The service fee of contract year {p['year']} is {p['days_overdue']} days overdue. "
                    "Please pay promptly; late payment accrues the contractual late penalty.",
                )
            ],
            facts=[("收款方", "Payee", c["vendor"]["name"]), *facts],
        )
        finance = Spec(
            to=(self.settings.finance_email,),
            title_zh=f"逾期提醒（逾期{p['level']}日）",
            title_en=f"Invoice overdue ({p['level']} days)",
            greeting=("财务同事：", "Finance,"),
            facts=[*_parties(c), *facts],
        )
        return [
            Outgoing("email:client", email=render_email(letter, c)),
            Outgoing("email:finance", email=render_email(finance, c)),
        ]

    def _on_InvoiceVoided(self, event: OutboxEvent) -> list[Outgoing]:
        p = event.payload
        c = p["contract"]
        return [
            Outgoing(
                "email:client",
                email=render_email(
                    Spec(
                        to=(c["client"]["email"],),
                        title_zh="付款通知书作废",
                        title_en="Invoice voided",
                        paragraphs=[
                            (
                                f"第{p['year']}个合同年度的付款通知书已作废，理由：{p['reason']}",
                                f"The invoice of contract year {p['year']} was voided. Reason: {p['reason']}",
                            )
                        ],
                        facts=[("金额", "Amount", money(p["amount"]))],
                    ),
                    c,
                ),
            )
        ]

    def _to_parties(
        self,
        event: OutboxEvent,
        title: tuple[str, str],
        text: tuple[str, str],
        facts: list[tuple[str, str, str]] | None = None,
        certificate: str | None = None,
        operator: bool = False,
    ) -> list[Outgoing]:
        """One email each to client and vendor (and the operator), the same notice for all."""
        c = event.payload["contract"]
        recipients = {**_both(c), **({"operator": self.settings.operator_email} if operator else {})}
        return self._emails(
            event,
            recipients,
            lambda who: Spec(
                to=(recipients[who],),
                title_zh=title[0],
                title_en=title[1],
                paragraphs=[text],
                facts=facts if facts is not None else _parties(c),
                certificate=certificate,
            ),
        )

    def _on_ContractActivated(self, event: OutboxEvent) -> list[Outgoing]:
        p = event.payload
        return self._to_parties(
            event,
            ("合同已生效", "The contract is in force"),
            (
                "双方均已签署，合同自签署完成之日起生效。签署证书附后。",
                "Both parties have signed; the contract takes effect on the day the second party signed. "
                "The completion certificate follows.",
            ),
            facts=[
                *_parties(p["contract"]),
                ("生效日期", "Effective date", p["effective_date"]),
                ("期限届满", "End of term", p["end_date"]),
                ("合同金额", "Contract amount", money(p["contract_amount"])),
            ],
            certificate=self._certificate(p),
        )

    def _on_SignatureDeclined(self, event: OutboxEvent) -> list[Outgoing]:
        p = event.payload
        return self._to_parties(
            event,
            ("签署被拒绝", "Signature declined"),
            (
                f"{PARTY_LABELS[p['party']]}拒绝签署（{p['subject']}），理由：{p['reason']}",
                f"The {p['party']} declined to sign ({p['subject']}). Reason: {p['reason']}",
            ),
            operator=True,
        )

    def _on_SigningVoided(self, event: OutboxEvent) -> list[Outgoing]:
        p = event.payload
        return self._to_parties(
            event,
            ("签署已撤销", "Signing withdrawn"),
            (
                f"经办人已撤销（{p['subject']}）的签署，原签署链接已失效。理由：{p['reason']}",
                f"The operator voided {p['subject']}; earlier signing links no longer work. Reason: {p['reason']}",
            ),
        )

    def _on_NoticeServed(self, event: OutboxEvent) -> list[Outgoing]:
        p = event.payload
        sender = p["contract"][p["by"]]["name"]
        return self._to_parties(
            event,
            ("解除合同通知书", "Notice of termination"),
            (
                f"{PARTY_LABELS[p['by']]}（{sender}）依据合同约定发出解除合同通知，合同将于 {p['effective_date']} 解除。",
                f"The {p['by']} ({sender}) gives notice of termination; the contract ends on {p['effective_date']}.",
            ),
            facts=[
                ("通知日期", "Notice date", p["notice_date"]),
                ("生效日期", "Effective date", p["effective_date"]),
                ("解除事由", "Grounds", REASON_CLAUSES.get(p["reason_code"], p["reason_code"])),
                ("说明", "Details", p["details"]),
                ("尚欠款项", "Outstanding", money(p.get("outstanding_total", "0.00"))),
            ],
        )

    def _on_NoticeWithdrawn(self, event: OutboxEvent) -> list[Outgoing]:
        p = event.payload
        return self._to_parties(
            event,
            ("解除通知已撤回", "Termination notice withdrawn"),
            (
                f"原定于 {p['effective_date']} 生效的解除通知已撤回，合同继续履行。理由：{p['reason']}",
                f"The notice that would have taken effect on {p['effective_date']} is withdrawn; the contract "
                f"continues. Reason: {p['reason']}",
            ),
        )

    def _on_ContractTerminated(self, event: OutboxEvent) -> list[Outgoing]:
        p = event.payload
        return self._to_parties(
            event,
            ("合同已解除", "The contract is terminated"),
            (
                f"解除通知已于 {p['effective_date']} 生效，合同解除。已开具的款项仍应支付。",
                f"The termination notice took effect on {p['effective_date']}. Invoices already issued remain payable.",
            ),
        )

    def _on_ContractExpired(self, event: OutboxEvent) -> list[Outgoing]:
        p = event.payload
        return self._to_parties(
            event,
            ("合同期限届满", "The contract has expired"),
            (f"合同服务期限已于 {p['end_date']} 届满。", f"The term ended on {p['end_date']}."),
        )

    def _on_RenewalReminder(self, event: OutboxEvent) -> list[Outgoing]:
        p = event.payload
        return self._to_parties(
            event,
            ("续约提醒", "Renewal reminder"),
            (
                f"合同将于 {p['end_date']} 期满（{p['days_before_end']}日后），如需续约请及时联系。",
                f"The contract ends on {p['end_date']} ({p['days_before_end']} days from the reminder). "
                "Contact us if you wish to renew.",
            ),
            operator=True,
        )

    def _on_AmendmentEffective(self, event: OutboxEvent) -> list[Outgoing]:
        p = event.payload
        no = p["amendment_no"]
        return self._to_parties(
            event,
            (f"补充协议（第{no}号）已生效", f"Supplementary agreement no. {no} is in force"),
            (
                "双方均已签署补充协议，自签署完成之日起生效。",
                "Both parties signed the supplementary agreement; it takes effect today.",
            ),
            facts=[
                ("生效日期", "Effective date", p["effective_date"]),
                ("期限届满", "End of term", str(p["end_date"])),
                ("合同金额", "Contract amount", money(p["contract_amount"])),
            ],
            certificate=self._certificate(p),
        )


class Delivery:
    """Sends an event's messages once each. `once(key, send)` is the idempotency guard."""

    def __init__(
        self,
        builder: MessageBuilder,
        mailer: Mailer,
        publisher: Publisher,
        once: Callable[[str, Callable[[], str]], str],
    ) -> None:
        self.builder = builder
        self.mailer = mailer
        self.publisher = publisher
        self.once = once

    def deliver(self, event: OutboxEvent) -> list[str]:
        sent = []
        for msg in self.builder.build(event):
            key = f"{event.event_id}#{msg.key}"
            if msg.email is not None:
                email = msg.email
                self.once(key, lambda e=email: self.mailer.send(e))  # type: ignore[misc]
            elif msg.alert is not None:
                alert = msg.alert
                self.once(key, lambda a=alert: self.publisher.publish(a.event_type, a.subject, a.message))  # type: ignore[misc]
            sent.append(key)
        return sent
