"""Outbox events into messages: each party's own signing link, invoices with 大写 amounts, SNS alerts carrying
event_type, and at most one send per event and message however often the stream redelivers."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from chalicelib.domain.links import split_token, token_hash
from chalicelib.services.notifications import Delivery, MessageBuilder
from chalicelib.services.ports import OutboxEvent
from tests.fakes import DictOnce, FakeMailer, FakePublisher
from tests.unit.conftest import Office

D = date.fromisoformat
LINK = re.compile(r"http://testserver/sign/([A-Za-z0-9_\-]+)")


class Notifier:
    def __init__(self, office: Office) -> None:
        self.mailer = FakeMailer()
        self.publisher = FakePublisher()
        self.once = DictOnce()
        self.builder = MessageBuilder(office.settings, "http://api.local", office.deps.link_secret)
        self.delivery = Delivery(self.builder, self.mailer, self.publisher, self.once)

    def deliver(self, event: OutboxEvent) -> list[str]:
        return self.delivery.deliver(event)


@pytest.fixture
def notifier(office: Office) -> Notifier:
    return Notifier(office)


def test_contract_sent_emails_each_party_its_own_link(office: Office, notifier: Notifier) -> None:
    # Given a contract sent for signature
    office.at("2026-11-20T02:00:00Z")
    cid = office.draft()
    office.send(cid)
    event = office.repo.events("ContractSent", cid)[0]
    # When the notifier delivers the event
    notifier.deliver(event)
    # Then each party got one email, with a link whose token hashes to its stored token and to its party's link
    assert [e.to for e in notifier.mailer.sent] == [("client@example.com",), ("vendor@example.com",)]
    contract = office.contract(cid)
    tokens = {}
    for party, email in zip(("client", "vendor"), notifier.mailer.sent, strict=True):
        found = set(LINK.findall(email.text)) | set(LINK.findall(email.html))
        assert len(found) == 1
        token = found.pop()
        stored = office.repo.find_token(token_hash(split_token(token)[1]))
        assert stored is not None and (stored.party, stored.contract_id, stored.status) == (party, cid, "active")
        assert contract.signing.links[party].token_hash == token_hash(split_token(token)[1])
        assert "请签署合同" in email.subject and contract.contract_no in email.subject
        tokens[party] = token
    assert tokens["client"] != tokens["vendor"]
    assert notifier.publisher.published == []  # not a finance event


def test_an_invoice_emails_the_client_in_words_and_alerts_finance(office: Office, notifier: Notifier) -> None:
    cid = office.activate(D("2026-11-22"))
    office.run_invoicing(D("2026-11-22"))
    event = office.repo.events("InvoiceIssued", cid)[0]

    keys = notifier.deliver(event)

    assert keys == [f"{event.event_id}#email:client", f"{event.event_id}#sns"]
    [email] = notifier.mailer.sent
    assert email.to == ("client@example.com",)
    assert "付款通知书" in email.subject
    assert "¥120,000.00（人民币壹拾贰万元整）" in email.text
    assert "2026-12-22" in email.text
    [alert] = notifier.publisher.published
    assert alert.event_type == "InvoiceIssued"
    assert (alert.message["event_type"], alert.message["amount"], alert.message["year"]) == (
        "InvoiceIssued",
        "120000.00",
        1,
    )
    assert alert.message["contract_no"] == office.contract(cid).contract_no
    assert "links" not in alert.message and "contract" not in alert.message


def test_redelivering_an_event_sends_nothing_twice(office: Office, notifier: Notifier) -> None:
    cid = office.activate(D("2026-11-22"))
    office.run_invoicing(D("2026-11-22"))
    event = office.repo.events("InvoiceIssued", cid)[0]
    notifier.deliver(event)
    notifier.deliver(event)
    notifier.deliver(event)
    assert (len(notifier.mailer.sent), len(notifier.publisher.published)) == (1, 1)


def test_a_failed_send_propagates_and_the_next_delivery_sends_exactly_once(office: Office, notifier: Notifier) -> None:
    # Given SES fails once
    office.at("2026-11-20T02:00:00Z")
    cid = office.draft()
    office.send(cid)
    event = office.repo.events("ContractSent", cid)[0]
    notifier.mailer.fail_next(1, ConnectionError("SES throttled"))
    # When the event is delivered, the failure reaches the caller (so the stream retries the record)
    with pytest.raises(ConnectionError):
        notifier.deliver(event)
    assert notifier.mailer.sent == []
    # Then the retry sends each party's email exactly once
    notifier.deliver(event)
    notifier.deliver(event)
    assert [e.to[0] for e in notifier.mailer.sent] == ["client@example.com", "vendor@example.com"]


def test_a_failed_alert_does_not_resend_the_email(office: Office, notifier: Notifier) -> None:
    cid = office.activate(D("2026-11-22"))
    office.run_invoicing(D("2026-11-22"))
    event = office.repo.events("InvoiceIssued", cid)[0]
    notifier.publisher.fail_next(1, TimeoutError("SNS timed out"))
    with pytest.raises(TimeoutError):
        notifier.deliver(event)
    notifier.deliver(event)
    assert (len(notifier.mailer.sent), len(notifier.publisher.published)) == (1, 1)
    assert notifier.publisher.attempts == 2


def test_an_overdue_invoice_writes_to_the_client_and_finance(office: Office, notifier: Notifier) -> None:
    cid = office.activate(D("2026-11-22"))
    office.run_invoicing(D("2026-11-22"))
    office.run_overdue(D("2026-12-22") + timedelta(days=40))
    for event in office.repo.events(contract_id=cid):
        if event.type in ("InvoiceOverdue", "PenaltyAssessed"):
            notifier.deliver(event)
    letter, finance = notifier.mailer.sent
    assert (letter.to, finance.to) == (("client@example.com",), ("finance@hetong.test",))
    assert "催款函" in letter.subject and "逾期40日" in letter.text
    assert "逾期30日" in finance.subject and "(30 days)" in finance.subject
    assert [a.event_type for a in notifier.publisher.published] == ["InvoiceOverdue", "PenaltyAssessed"]
    assert notifier.publisher.published[0].message["levels_skipped"] == [1, 15]


def test_a_renewal_reminder_goes_to_both_parties_and_the_operator_without_an_alert(
    office: Office, notifier: Notifier
) -> None:
    cid = office.activate(D("2026-11-22"))
    office.run_lifecycle(D("2029-09-22"))
    notifier.deliver(office.repo.events("RenewalReminder", cid)[0])
    assert sorted(e.to[0] for e in notifier.mailer.sent) == [
        "client@example.com",
        "operator@hetong.test",
        "vendor@example.com",
    ]
    assert all("2029-11-21" in e.text for e in notifier.mailer.sent)
    assert notifier.publisher.published == []
