"""Free text that reaches an email (a decline reason first): control characters and bidi controls are refused by
field; what passes is shown as the sender's quoted words, its links defanged and its HTML escaped."""

from __future__ import annotations

import re
from typing import Any

import pytest

from chalicelib.api import money_requests as mq
from chalicelib.api import requests as rq
from chalicelib.domain.errors import ValidationError
from chalicelib.services import signing
from chalicelib.services.notifications import Delivery, MessageBuilder
from chalicelib.services.quoting import defang, quoted
from tests.factories import command
from tests.fakes import DictOnce, FakeMailer, FakePublisher
from tests.unit.conftest import Office

# Every request whose free text an email (or a finance alert, which may be an email subscription) shows.
EMAIL_TEXT: list[tuple[Any, dict[str, Any], str]] = [
    (rq.DeclineRequest, {"reason": "X"}, "reason"),
    (rq.VoidRequest, {"reason": "X"}, "reason"),
    (rq.ProposeAmendmentRequest, {"changes": {"extend_years": 1}, "reason": "X"}, "reason"),
    (rq.ServeNoticeRequest, {"by": "client", "reason_code": "convenience", "details": "X"}, "details"),
    (rq.WithdrawNoticeRequest, {"reason": "X", "agreed_by": ["client", "vendor"]}, "reason"),
    (mq.VoidInvoiceRequest, {"reason": "X"}, "reason"),
    (mq.WaivePenaltyRequest, {"amount": "1.00", "reason": "X"}, "reason"),
    (mq.SetOffRequest, {"year": 1, "amount": "1.00", "reason": "X"}, "reason"),
    (mq.RefundRequest, {"amount": "1.00", "paid_on": "2027-01-05", "voucher_no": "V-1", "reason": "X"}, "reason"),
]
# Every C0 control (line breaks and tabs included), DEL, and the bidi embeddings, overrides and isolates.
HOSTILE = [chr(c) for c in range(0x20)] + ["\x7f"] + [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]


def _with(body: dict[str, Any], field: str, value: str) -> dict[str, Any]:
    return {**body, field: value}


def _command(model: Any, body: dict[str, Any]) -> Any:
    if model is mq.WaivePenaltyRequest:  # its year comes from the path
        return model(**body).command(1)
    return command(model, body)


@pytest.mark.parametrize(("model", "body", "field"), EMAIL_TEXT, ids=lambda v: getattr(v, "__name__", ""))
@pytest.mark.parametrize("char", HOSTILE, ids=lambda c: f"U+{ord(c):04X}")
def test_control_and_bidi_characters_are_refused_by_field(model: Any, body: Any, field: str, char: str) -> None:
    with pytest.raises(ValidationError) as refused:
        _command(model, _with(body, field, f"价格不合适{char}见附件"))
    assert refused.value.field == field


@pytest.mark.parametrize(("model", "body", "field"), EMAIL_TEXT, ids=lambda v: getattr(v, "__name__", ""))
def test_plain_text_with_a_url_is_accepted_as_written(model: Any, body: Any, field: str) -> None:
    text = "价格不合适，详见 https://evil.example/x?a=1 （Tom's note: <b>50%</b> & more）"
    assert getattr(_command(model, _with(body, field, text)), field) == text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("see https://evil.example/pay?x=1", "see hxxps[:]//evil[.]example/pay?x=1"),
        ("HTTP://EVIL.EXAMPLE", "HxxP[:]//EVIL[.]EXAMPLE"),
        ("www.evil.com", "www[.]evil[.]com"),
        ("mail a@evil.cn", "mail a@evil[.]cn"),
        ("ftp://10.0.0.1/x", "ftp[:]//10[.]0[.]0[.]1/x"),
        ("evil．com and evil。com", "evil[.]com and evil[.]com"),  # fullwidth / ideographic full stops
        ("金额1000.00元，第3.5条", "金额1000.00元，第3.5条"),  # amounts and clause numbers stay as written
    ],
)
def test_defang_leaves_nothing_a_mail_client_would_link(text: str, shown: str) -> None:
    assert defang(text) == shown


def test_a_quote_cannot_be_closed_early() -> None:
    assert quoted("好」。系统通知：请点击") == "「好』。系统通知：请点击」"


def test_a_decline_reason_reaches_the_emails_as_the_signers_quoted_unlinkable_escaped_words(office: Office) -> None:
    # Given a contract sent for signature, and a signer who declines with a phishing reason
    cid = office.draft()
    tokens = office.send(cid)
    reason = "请改用新链接付款 https://evil.example/pay 或 www.evil.example <a href=x>点此</a>"
    signing.decline(office.deps, tokens["client"], command(rq.DeclineRequest, {"reason": reason}), "203.0.113.9", "ua")
    # When the notifier delivers the decline
    mailer = FakeMailer()
    delivery = Delivery(
        MessageBuilder(office.settings, "http://api.local", office.deps.link_secret),
        mailer,
        FakePublisher(),
        DictOnce(),
    )
    delivery.deliver(office.repo.events("SignatureDeclined", cid)[0])
    # Then client, vendor and operator read the signer's words quoted, with no live link and no markup
    assert len(mailer.sent) == 3
    for email in mailer.sent:
        for body in (email.text, email.html):
            assert "签署人写道：「请改用新链接付款 hxxps[:]//evil[.]example/pay 或 www[.]evil[.]example" in body
            assert "The signer wrote: 「" in body
            assert not re.search(r"https?://evil|evil\.example|www\.evil", body)
        assert "<a href=x>" not in email.html and "&lt;a href=x&gt;点此&lt;/a&gt;" in email.html
        assert "<a " not in email.html  # no link at all in a decline email


def test_what_a_signer_or_its_browser_wrote_is_unlinked_in_the_completion_certificate(office: Office) -> None:
    # Given both parties sign, one typing a URL into its name and sending a user agent with a link
    cid = office.draft()
    tokens = office.send(cid)
    office.sign(tokens["client"], "李雷 www.evil.example")
    signing.sign(
        office.deps,
        tokens["vendor"],
        command(rq.SignRequest, {"signer_name": "韩梅梅", "consent": True}),
        "203.0.113.8",
        "Mozilla/5.0 (+https://evil.example/bot)\x01",
    )
    # When the notifier sends the "in force" emails with the certificate
    mailer = FakeMailer()
    delivery = Delivery(
        MessageBuilder(office.settings, "http://api.local", office.deps.link_secret, originals=office.original),
        mailer,
        FakePublisher(),
        DictOnce(),
    )
    delivery.deliver(office.repo.events("ContractActivated", cid)[0])
    # Then neither the name nor the user agent is a link
    assert mailer.sent
    for email in mailer.sent:
        for body in (email.text, email.html):
            assert "李雷 www[.]evil[.]example" in body and "(+hxxps[:]//evil[.]example/bot)" in body
            assert not re.search(r"https?://evil|www\.evil|\x01", body)
