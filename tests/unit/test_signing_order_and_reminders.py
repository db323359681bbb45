"""Signing order (the second link works and goes out once the first party has signed) and the lifecycle
sweep's signing reminders (every 3 days, at most 3, never after the link expired) and expired-link reports
(once), safe to run again, late or concurrently."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from chalicelib.api import requests as rq
from chalicelib.domain.errors import Conflict, TokenRejected
from chalicelib.domain.links import signing_token, split_token, token_hash
from chalicelib.services import signing
from chalicelib.services.notifications import MessageBuilder
from tests.factories import command
from tests.unit.conftest import OPERATOR, Office, shanghai

SENT = date(2026, 11, 20)  # sent 10:00 Shanghai; links expire 14 days later (2026-12-04 10:00)


def _send(office: Office, order: str = "any") -> str:
    office.at(shanghai(SENT))
    cid = office.draft()
    signing.send_for_signature(
        office.deps, cid, OPERATOR, command(rq.SendRequest, {"signing_order": order}).signing_order
    )
    return cid


def _token(office: Office, cid: str, party: str) -> str:
    return signing_token(office.deps.link_secret(), cid, office.contract(cid).signing.links[party].token_id)


# ---- signing order ---------------------------------------------------------------------------------------
def test_client_first_emails_only_the_clients_link_and_the_vendors_after_the_client_signed(office: Office) -> None:
    cid = _send(office, "client_first")
    sent = office.repo.events("ContractSent", cid)[-1].payload
    assert list(sent["links"]) == ["client"]
    assert office.contract(cid).signing.order == "client_first"
    vendor = _token(office, cid, "vendor")
    with pytest.raises(TokenRejected) as early:
        signing.signing_view(office.deps, vendor)
    assert early.value.status == 409 and "not yet your turn" in early.value.message
    with pytest.raises(TokenRejected):
        office.sign(vendor, "韩梅梅")
    with pytest.raises(Conflict) as resend:  # nor can the operator send it early
        signing.resend_link(office.deps, cid, command(rq.ResendRequest, {"party": "vendor"}), OPERATOR)
    assert resend.value.field == "party"
    # Five days later the client signs: the vendor's link goes out now, valid 14 days from now
    office.at(shanghai(SENT + timedelta(days=5)))
    office.sign(_token(office, cid, "client"))
    turn = office.repo.events("SigningTurn", cid)[-1].payload
    assert (turn["party"], turn["email"], turn["expires_at"]) == (
        "vendor",
        "vendor@example.com",
        "2026-12-09T02:00:00Z",
    )
    assert signing.signing_view(office.deps, vendor)["signing_order"] == "client_first"
    assert office.sign(vendor, "韩梅梅")["status"] == "active"
    assert office.event_types(cid).count("SigningTurn") == 1


def test_the_turn_email_carries_the_second_partys_own_link(office: Office) -> None:
    cid = _send(office, "vendor_first")
    office.sign(_token(office, cid, "vendor"), "韩梅梅")
    event = office.repo.events("SigningTurn", cid)[-1]
    (out,) = MessageBuilder(office.settings, "http://testserver", office.deps.link_secret).build(event)
    assert out.email is not None and out.email.to == ("client@example.com",)
    (token,) = re.findall(r"http://testserver/sign/([A-Za-z0-9_\-]+)", out.email.text)
    assert token_hash(split_token(token)[1]) == office.contract(cid).signing.links["client"].token_hash
    assert "请签署合同" in out.email.subject


def test_any_order_sends_both_links_and_an_unknown_order_is_refused(office: Office) -> None:
    cid = _send(office)
    assert list(office.repo.events("ContractSent", cid)[-1].payload["links"]) == ["client", "vendor"]
    with pytest.raises(Exception) as bad:
        command(rq.SendRequest, {"signing_order": "both"})
    assert "signing_order" in str(bad.value)


# ---- reminders and expiry ---------------------------------------------------------------------------------
def _reminders(office: Office, cid: str) -> list[tuple[str, int]]:
    return [(e.payload["party"], e.payload["number"]) for e in office.repo.events("SigningReminder", cid)]


def test_a_party_that_has_not_signed_is_reminded_every_3_days_at_most_3_times_then_the_operator_hears_once(
    office: Office,
) -> None:
    cid = _send(office)
    office.at(shanghai(SENT, 11))
    office.sign(_token(office, cid, "client"))
    for day in range(1, 20):
        office.run_lifecycle(SENT + timedelta(days=day))
        office.run_lifecycle(SENT + timedelta(days=day))  # a rerun the same day sends nothing twice
    assert _reminders(office, cid) == [("vendor", 1), ("vendor", 2), ("vendor", 3)]
    days = [e.at[:10] for e in office.repo.events("SigningReminder", cid)]
    assert days == ["2026-11-22", "2026-11-25", "2026-11-28"]  # 03:00 Shanghai on the 23rd, 26th, 29th
    expired = office.repo.events("SigningLinkExpired", cid)
    assert [(e.payload["party"], e.at[:10]) for e in expired] == [("vendor", "2026-12-04")]  # the 5th, Shanghai
    assert office.contract(cid).next_lifecycle_on() is None


def test_a_late_run_sends_only_the_latest_reminder_and_none_after_the_link_expired(office: Office) -> None:
    cid = _send(office)
    office.run_lifecycle(SENT + timedelta(days=7))  # the runs of days 3 and 6 never happened
    assert _reminders(office, cid) == [("client", 2), ("vendor", 2)]
    office.run_lifecycle(SENT + timedelta(days=14))  # the links expire at 10:00 that day: no reminder on it
    office.run_lifecycle(SENT + timedelta(days=30))
    assert _reminders(office, cid) == [("client", 2), ("vendor", 2)]
    assert len(office.repo.events("SigningLinkExpired", cid)) == 2


def test_no_reminder_after_a_decline_or_a_void_nor_for_the_second_party_before_its_turn(office: Office) -> None:
    declined = _send(office)
    signing.decline(
        office.deps, _token(office, declined, "vendor"), command(rq.DeclineRequest, {"reason": "不签"}), "ip", "ua"
    )
    voided = _send(office)
    signing.void_signing(office.deps, voided, "contract", command(rq.VoidRequest, {"reason": "重拟"}), OPERATOR)
    ordered = _send(office, "client_first")
    for day in (3, 6, 9, 15):
        office.run_lifecycle(SENT + timedelta(days=day))
    assert _reminders(office, declined) == [] and _reminders(office, voided) == []
    assert _reminders(office, ordered) == [("client", 1), ("client", 2), ("client", 3)]
    assert [e.payload["party"] for e in office.repo.events("SigningLinkExpired", ordered)] == ["client"]


def test_the_reminder_email_carries_the_partys_own_link(office: Office) -> None:
    cid = _send(office)
    office.run_lifecycle(SENT + timedelta(days=3))
    event = office.repo.events("SigningReminder", cid)[0]
    (out,) = MessageBuilder(office.settings, "http://testserver", office.deps.link_secret).build(event)
    assert out.email is not None and out.email.to == ("client@example.com",)
    (token,) = re.findall(r"http://testserver/sign/([A-Za-z0-9_\-]+)", out.email.text)
    assert signing.signing_view(office.deps, token)["party"] == "client"
    assert "第1次提醒" in out.email.subject and "2026-12-04 10:00" in out.email.text


def test_a_supplementary_agreement_can_be_sent_in_order_too(office: Office) -> None:
    from chalicelib.services import lifecycle

    cid = office.activate()
    office.at(shanghai(date(2027, 1, 5), 9))
    body = {"changes": {"annual_fee": "150000.00"}, "reason": "服务范围扩大", "signing_order": "vendor_first"}
    lifecycle.propose_amendment(office.deps, cid, command(rq.ProposeAmendmentRequest, body), OPERATOR)
    assert list(office.repo.events("AmendmentSent", cid)[-1].payload["links"]) == ["vendor"]
    links = office.contract(cid).amendments[-1].signing.links
    client, vendor = (signing_token(office.deps.link_secret(), cid, links[p].token_id) for p in ("client", "vendor"))
    with pytest.raises(TokenRejected) as early:
        office.sign(client)
    assert early.value.status == 409
    office.sign(vendor, "韩梅梅")
    assert office.repo.events("SigningTurn", cid)[-1].payload["subject"] == "amendment:1"
    assert office.sign(client)["status"] == "effective"


def test_two_sweeps_racing_on_the_same_contract_send_each_reminder_once(office: Office) -> None:
    from chalicelib.services import lifecycle

    cid = _send(office)
    day = SENT + timedelta(days=3)
    office.at(shanghai(day, 3))
    real_commit = office.repo.commit
    raced = []

    def commit_after_a_rival(changes: object) -> None:
        # The first sweep has read the contract and decided; a second sweep runs whole before it commits.
        if not raced:
            raced.append(True)
            lifecycle.sweep_contract(office.deps, cid, day)
        real_commit(changes)  # type: ignore[arg-type]

    office.repo.commit = commit_after_a_rival  # type: ignore[method-assign]
    lifecycle.sweep_contract(office.deps, cid, day)
    assert raced and _reminders(office, cid) == [("client", 1), ("vendor", 1)]


def test_the_operator_hears_of_an_expired_link_and_of_a_locked_one(office: Office) -> None:
    from chalicelib.services.signing_codes import CodeSenders, request_code
    from tests.fakes import FakeMailer

    office.at(shanghai(SENT))
    cid = office.draft(signer_verification="email_code")
    signing.send_for_signature(office.deps, cid, OPERATOR)
    client = _token(office, cid, "client")
    request_code(office.deps, client, CodeSenders(FakeMailer(), None))
    body = {"signer_name": "李雷", "consent": True, "code": "000000"}
    for _ in range(5):
        try:
            signing.sign(office.deps, client, command(rq.SignRequest, body), "ip", "ua")
        except Exception:  # noqa: BLE001 - wrong codes (one in a million it is right; then no lock below)
            pass
    for day in (3, 6, 9, 15):
        office.run_lifecycle(SENT + timedelta(days=day))
    builder = MessageBuilder(office.settings, "http://testserver", office.deps.link_secret)
    for event_type, words in (("SigningLinkLocked", "已锁定"), ("SigningLinkExpired", "过期")):
        (out,) = builder.build(office.repo.events(event_type, cid)[-1])
        assert out.email is not None and out.email.to == (office.settings.operator_email,)
        assert words in out.email.subject and f"/contracts/{cid}/resend" in out.email.text
    # The locked link got no reminders (it waits for the operator); the other party's did
    assert [p for p, _ in _reminders(office, cid)] == ["vendor", "vendor", "vendor"]
