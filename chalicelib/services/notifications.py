"""Turns outbox events into the messages people get: SES emails (zh first, en beside) and SNS finance alerts.
Each outbox payload is read back into its typed event; `BUILDERS` says, for every event type, which messages
it sends (the text of each lives in templates/emails/<event>.j2). `Delivery` sends each message at most once
per event id (idempotency records), so a redelivered stream record sends nothing twice."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from chalicelib.domain.events import (
    EVENT_TYPES,
    AmendmentEffective,
    AmendmentProposed,
    AmendmentSent,
    ContractActivated,
    ContractDrafted,
    ContractExpired,
    ContractSent,
    ContractSummary,
    ContractTerminated,
    CreditApplied,
    Event,
    InvoiceCancelled,
    InvoiceIssued,
    InvoiceOverdue,
    InvoiceRevised,
    InvoiceVoided,
    LinkSent,
    NoticeServed,
    NoticeWithdrawn,
    PaymentReceived,
    PaymentsReallocated,
    PenaltyAdjusted,
    PenaltyAssessed,
    PenaltyWaived,
    RefundRecorded,
    RenewalReminder,
    SetOffRecorded,
    SignatureDeclined,
    SignatureRecorded,
    SigningLinkReissued,
    SigningVoided,
    event_from_payload,
    summary_from_payload,
)
from chalicelib.domain.links import link_token, signing_token, without_link_material
from chalicelib.domain.money import amount_in_figures, amount_in_words, money_str
from chalicelib.domain.notices import REASON_CLAUSES
from chalicelib.domain.signing import PARTY_LABELS
from chalicelib.services.email_wording import document_en, document_zh, local_time
from chalicelib.services.ports import Attachment, Email, Mailer, OutboxEvent, Publisher
from chalicelib.services.quoting import quoted, unlinked
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


# ---- rendering -----------------------------------------------------------------------------------------
def money(value: Decimal | str | int) -> str:
    d = Decimal(str(value))
    return f"{amount_in_figures(d)}（{amount_in_words(d)}）"


@lru_cache(maxsize=1)
def _env() -> Any:
    """Layouts (message.html escapes, message.txt does not) and the event templates, which set the text."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    # The event templates only compute text; escaping happens once, in the HTML layout.
    text = env.overlay(autoescape=False)
    # said: a person's words, quoted and defanged; unlinked: a signer-written field, defanged
    text.filters.update(money=money, plain=money_str, said=quoted, unlinked=unlinked, local=local_time)
    text.filters.update(doc_zh=document_zh, doc_en=document_en)  # a document's title, not its key
    text.globals.update(labels=PARTY_LABELS, clauses=REASON_CLAUSES)
    return env, text


def _text(module: Any, name: str, default: str | None = None) -> str | None:
    value = getattr(module, name, default)
    return None if value is None else str(value).strip()


def render_email(template: str, to: str, contract: ContractSummary, url: str | None = None, **context: Any) -> Email:
    """The email `template` (templates/emails/<template>.j2) sets for this contract and event, in both layouts."""
    env, text_env = _env()
    parties = [("甲方", "Client", contract.client.name), ("乙方", "Vendor", contract.vendor.name)]
    m = text_env.get_template(f"{template}.j2").make_module({"c": contract, "parties": parties, **context})
    title_zh, title_en = _text(m, "title_zh"), _text(m, "title_en")
    body = (_text(m, "body_zh"), _text(m, "body_en"))
    subject = f"[{contract.contract_no}] {title_zh} / {title_en} — {contract.client.name} · {contract.vendor.name}"
    ctx = {
        "subject": subject,
        "contract_no": contract.contract_no,
        "title_zh": title_zh,
        "title_en": title_en,
        "greeting_zh": _text(m, "greeting_zh", "您好："),
        "greeting_en": _text(m, "greeting_en", "Hello,"),
        "paragraphs": [body] if body[0] else [],
        "facts": getattr(m, "facts", []),
        "link": url,
        "link_label_zh": _text(m, "link_label_zh", "打开"),
        "link_label_en": _text(m, "link_label_en", "Open"),
        "certificate": _text(m, "certificate"),
    }
    return Email(
        to=(to,),
        subject=subject,
        html=env.get_template("message.html").render(ctx),
        text=text_env.get_template("message.txt").render(ctx),
    )


# ---- what each event sends ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Envelope:
    """The outbox record around a typed event: ids, the contract summary, and the payload as stored."""

    event: OutboxEvent
    contract: ContractSummary

    @property
    def payload(self) -> Mapping[str, Any]:
        return self.event.payload


Builder = Callable[["MessageBuilder", Envelope, Any], list[Outgoing]]


def _invitations(template: str) -> Builder:
    """One email per party with that party's own signing link."""

    def build(mb: MessageBuilder, env: Envelope, ev: Any) -> list[Outgoing]:
        if isinstance(ev, SigningLinkReissued):
            links = {ev.party: LinkSent(ev.token_id, ev.email, ev.expires_at)}
            sha = ""  # the reissue event does not carry the document hash
        else:
            links, sha = ev.links, ev.document_sha256
        return [
            Outgoing(
                f"email:{party}",
                email=render_email(
                    template,
                    link.email,
                    env.contract,
                    url=mb.sign_url(link.token_id, env.contract.contract_id),
                    ev=ev,
                    party=party,
                    link=link,
                    document_sha256=sha,
                ),
            )
            for party, link in links.items()
        ]

    return build


def _to_client(template: str) -> Builder:
    def build(mb: MessageBuilder, env: Envelope, ev: Any) -> list[Outgoing]:
        c = env.contract
        return [Outgoing("email:client", email=render_email(template, c.client.email, c, ev=ev))]

    return build


def _to_parties(template: str, operator: bool = False) -> Builder:
    """The same notice to client and vendor (and the operator)."""

    def build(mb: MessageBuilder, env: Envelope, ev: Any) -> list[Outgoing]:
        c = env.contract
        recipients = {"client": c.client.email, "vendor": c.vendor.email}
        if operator:
            recipients["operator"] = mb.settings.operator_email
        return [
            Outgoing(f"email:{who}", email=render_email(template, addr, c, ev=ev))
            for who, addr in recipients.items()
            if addr
        ]

    return build


def _overdue(mb: MessageBuilder, env: Envelope, ev: Any) -> list[Outgoing]:
    """The 催款函 to the client and the overdue alert to finance."""
    c = env.contract
    return [
        Outgoing("email:client", email=render_email("invoice-overdue", c.client.email, c, ev=ev, who="client")),
        Outgoing(
            "email:finance",
            email=render_email("invoice-overdue", mb.settings.finance_email, c, ev=ev, who="finance"),
        ),
    ]


# Every event type has an entry (tests/unit/test_events.py checks it); None sends no email on purpose.
# Finance events (Event.finance) also go to the SNS topic, whatever their entry says. A None entry for any other
# event means nobody is told of it: its class says `audit_only=True`, so it stays out of the outbox and never
# reaches here (tests/unit/test_audit_only_events.py holds the two to each other).
BUILDERS: dict[type[Event], Builder | None] = {
    ContractDrafted: None,  # nothing to tell anyone until the contract is sent
    ContractSent: _invitations("contract-sent"),
    SigningLinkReissued: _invitations("signing-link-reissued"),
    SignatureRecorded: None,  # the signer has the receipt; both hear when the document takes effect
    ContractActivated: _to_parties("contract-activated"),
    SignatureDeclined: _to_parties("signature-declined", operator=True),
    SigningVoided: None,  # services/signing_messages.py: to the parties that were invited
    AmendmentProposed: None,  # AmendmentSent follows in the same transaction
    AmendmentSent: _invitations("amendment-sent"),
    AmendmentEffective: _to_parties("amendment-effective"),
    NoticeServed: _to_parties("notice-served"),
    NoticeWithdrawn: _to_parties("notice-withdrawn"),
    ContractTerminated: _to_parties("contract-terminated"),
    ContractExpired: _to_parties("contract-expired"),
    RenewalReminder: _to_parties("renewal-reminder", operator=True),
    InvoiceIssued: _to_client("invoice-issued"),
    PaymentReceived: _to_client("payment-received"),
    InvoiceOverdue: _overdue,
    PenaltyAssessed: None,  # finance's SNS alert only; the client reads penalties in the 催款函
    InvoiceVoided: _to_client("invoice-voided"),
    InvoiceRevised: _to_client("invoice-revised"),  # the revised 付款通知书
    InvoiceCancelled: _to_client("invoice-cancelled"),
    CreditApplied: None,  # the client sees it in the year's 付款通知书 figures; finance on the topic
    PaymentsReallocated: None,  # finance's SNS alert only
    PenaltyAdjusted: None,  # finance's SNS alert only
    PenaltyWaived: None,  # finance's SNS alert only
    SetOffRecorded: None,  # finance's SNS alert only
    RefundRecorded: None,  # finance's SNS alert only
}


class MessageBuilder:
    def __init__(
        self,
        settings: Settings,
        api_base_url: str,
        link_secret: Callable[[], str] | None = None,
        originals: Callable[[str, str], Attachment] | None = None,
    ) -> None:
        self.settings = settings
        self.base = (settings.public_base_url or api_base_url).rstrip("/")
        self.link_secret = link_secret  # read only when an email needs a signing link
        # (contract id, part) → the signed original to attach to the "in force" emails (services/original_mail)
        self.originals = originals

    def sign_url(self, token_id: str, contract_id: str | None = None) -> str:
        """The link as emailed: with the contract id (one-read signing) when it is known."""
        if self.link_secret is None:
            raise RuntimeError("this message builder has no link secret; it cannot build signing links")
        if contract_id is None:
            return f"{self.base}/sign/{link_token(self.link_secret(), token_id)}"
        return f"{self.base}/sign/{signing_token(self.link_secret(), contract_id, token_id)}"

    def build(self, event: OutboxEvent) -> list[Outgoing]:
        cls = EVENT_TYPES.get(event.type)
        if cls is None:
            logger.warning("no messages for unknown event type %s (%s)", event.type, event.event_id)
            return []
        typed = event_from_payload(event.type, event.payload)
        builder = BUILDERS[cls]
        out = [] if builder is None else builder(self, Envelope(event, summary_from_payload(event.payload)), typed)
        if cls.finance:
            out.append(Outgoing("sns", alert=self._alert(event)))
        return out

    def _alert(self, event: OutboxEvent) -> Alert:
        """The stored payload as finance subscribers have always had it, less the contract and signing links."""
        c = event.payload["contract"]
        body = without_link_material({k: v for k, v in event.payload.items() if k not in ("contract", "links")})
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


# Builders kept in their own modules register themselves into BUILDERS when imported (here, so every user of
# BUILDERS sees them): the in-force emails (ContractActivated, AmendmentEffective) carry the signed original
# (original_mail, replacing the two entries above); the signing events' (signing_messages).
from chalicelib.services import (  # noqa: E402
    correction_notifications,  # noqa: F401 - corrected deliveries (履约)
    obligation_notifications,  # noqa: F401 - 履约
    original_mail,  # noqa: F401
)
from chalicelib.services import signing_messages as _signing_messages  # noqa: E402, F401
