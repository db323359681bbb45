"""The "in force" emails carry the signed original to both parties; a failed render fails the event (it is
retried, then parked), never an email without its attachment; a redelivered event sends nothing twice."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.adapters.mime import mime_message
from chalicelib.services.notifications import Delivery, MessageBuilder
from chalicelib.services.ports import Attachment
from tests.fakes import DictOnce, FakeMailer, FakePublisher
from tests.unit.conftest import Office

D = date.fromisoformat


class Originals:
    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []
        self.fail = False

    def __call__(self, contract_id: str, part: str) -> Attachment:
        self.asked.append((contract_id, part))
        if self.fail:
            raise RuntimeError("the renderer is down")
        return Attachment(f"{contract_id}-{part}.pdf", "application/pdf", b"%PDF-1.7 sealed")


@pytest.fixture
def originals() -> Originals:
    return Originals()


def _delivery(office: Office, originals: Originals) -> tuple[Delivery, FakeMailer]:
    mailer = FakeMailer()
    builder = MessageBuilder(office.settings, "http://api.local", originals=originals)
    return Delivery(builder, mailer, FakePublisher(), DictOnce()), mailer


def test_both_parties_get_the_signed_original_when_the_contract_takes_effect(
    office: Office, originals: Originals
) -> None:
    cid = office.activate(D("2026-11-22"))
    delivery, mailer = _delivery(office, originals)
    delivery.deliver(office.repo.events("ContractActivated", cid)[0])
    assert [e.to for e in mailer.sent] == [("client@example.com",), ("vendor@example.com",)]
    assert originals.asked == [(cid, "contract")]  # rendered and sealed once for both
    for email in mailer.sent:
        [attachment] = email.attachments
        assert attachment.content_type == "application/pdf" and attachment.data.startswith(b"%PDF")
        assert "生效" in email.subject  # the notice itself is unchanged


def test_an_agreement_in_force_sends_its_own_original(office: Office, originals: Originals) -> None:
    cid = office.activate(D("2026-11-22"))
    no = office.amend(cid, D("2027-03-01"), annual_fee="150000.00")
    delivery, mailer = _delivery(office, originals)
    delivery.deliver(office.repo.events("AmendmentEffective", cid)[0])
    assert originals.asked == [(cid, f"amendment:{no}")]
    assert all(len(e.attachments) == 1 for e in mailer.sent) and len(mailer.sent) == 2


def test_a_failed_render_fails_the_event_and_sends_nothing(office: Office, originals: Originals) -> None:
    cid = office.activate(D("2026-11-22"))
    event = office.repo.events("ContractActivated", cid)[0]
    delivery, mailer = _delivery(office, originals)
    originals.fail = True
    with pytest.raises(RuntimeError):
        delivery.deliver(event)
    assert mailer.sent == []
    # The retry, once the renderer is back, sends each email once; a further redelivery sends nothing
    originals.fail = False
    delivery.deliver(event)
    delivery.deliver(event)
    assert len(mailer.sent) == 2


def test_the_mime_message_holds_text_html_and_the_pdf(office: Office, originals: Originals) -> None:
    from email import message_from_bytes, policy

    cid = office.activate(D("2026-11-22"))
    delivery, mailer = _delivery(office, originals)
    delivery.deliver(office.repo.events("ContractActivated", cid)[0])
    raw = mime_message(mailer.sent[0], "contracts@hetong.test", "reply@hetong.test")
    message = message_from_bytes(raw, policy=policy.default)
    assert message["Subject"] == mailer.sent[0].subject and message["Reply-To"] == "reply@hetong.test"
    body = message.get_body(preferencelist=("plain",))
    assert body is not None and "生效" in body.get_content()
    [part] = list(message.iter_attachments())
    assert part.get_content_type() == "application/pdf" and part.get_content() == b"%PDF-1.7 sealed"
