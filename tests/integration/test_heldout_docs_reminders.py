"""Held-out: signing reminders through the lifecycle worker on moto (docs/domain-rules.md, reminders): a party that
has not signed is reminded every 3 days (HETONG_SIGNING_REMINDER_DAYS), at most 3 times, never on or after the day
its link expires; the operator hears once when a link expires unsigned; a party that signed, a declined or voided
document gets nothing more; a worker run late or twice sends nothing twice."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest

from chalicelib.settings import get_settings, reset_settings
from tests.support import emails_to, signing_link, token_of

pytestmark = pytest.mark.integration
CLIENT, VENDOR, OPERATOR = "client@example.com", "vendor@example.com", "operator@hetong.test"
SENT = date(2026, 11, 22)  # sent at 12:00 Shanghai; links last 14 days: they expire 2026-12-06 12:00 Shanghai


def _reminders(address: str) -> list[dict[str, Any]]:
    return [m for m in emails_to(address) if "提醒：请签署" in m["subject"]]


def _expired() -> list[dict[str, Any]]:
    return [m for m in emails_to(OPERATOR) if "过期未签" in m["subject"]]


def _sent(world: Any) -> tuple[str, dict[str, str]]:
    cid = world.draft()
    world.ok("POST", f"/contracts/{cid}/send")
    world.deliver()
    return cid, {"client": token_of(signing_link(CLIENT)), "vendor": token_of(signing_link(VENDOR))}


def _sign(world: Any, token: str) -> None:
    world.ok("POST", f"/sign/{token}", {"signer_name": "王小明", "consent": True}, role=None, status=201)
    world.deliver()


def _daily(world: Any, first: date, last: date, count: Any = None, twice: bool = True) -> list[date]:
    """The lifecycle worker every day from `first` to `last` (twice a day: a retried schedule); the days on which
    `count()` grew."""
    grew, before, day = [], count() if count else 0, first
    while day <= last:
        for _ in range(2 if twice else 1):
            world.run("lifecycle", day)
        now = count() if count else 0
        if now > before:
            grew.append(day)
        before, day = now, day + timedelta(days=1)
    return grew


def test_a_party_that_has_not_signed_is_reminded_three_times_then_the_operator_hears_once(world: Any) -> None:
    cid, tokens = _sent(world)
    world.travel(SENT + timedelta(days=1))
    _sign(world, tokens["client"])  # the client signs on day 1; the vendor never does
    grew = _daily(world, SENT + timedelta(days=1), SENT + timedelta(days=30), lambda: len(_reminders(VENDOR)))
    assert grew == [date(2026, 11, 25), date(2026, 11, 28), date(2026, 12, 1)]  # every 3 days, 3 at most
    assert _reminders(CLIENT) == []  # signed: nothing more
    mails = _reminders(VENDOR)
    assert [re.search(r"第(\d)次提醒", m["subject"]).group(1) for m in mails] == ["1", "2", "3"]  # type: ignore[union-attr]
    for mail in mails:
        assert "2026-12-06 12:00" in mail["body"] and "《外呼外包合同》" in mail["body"]
        token = token_of(re.findall(r"https?://[^\s\"'<>]+/sign/[A-Za-z0-9_-]+", mail["body"])[0])
        page = world.call("GET", f"/sign/{token}", role=None, headers={"Accept": "application/json"})
        assert page.status_code in (200, 410), page.body  # its own link (410 once expired, at the end)
    [expired] = _expired()
    assert "vendor@example.com" in expired["body"] and "2026-12-06 12:00" in expired["body"]
    assert "《外呼外包合同》" in expired["body"]
    assert world.contract(cid)["status"] == "awaiting_signatures"


def test_the_interval_is_configurable(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HETONG_SIGNING_REMINDER_DAYS", "4")
    reset_settings()
    from chalicelib.bootstrap import get_deps

    get_deps().settings = get_settings()
    _sent(world)
    grew = _daily(world, SENT + timedelta(days=1), SENT + timedelta(days=20), lambda: len(_reminders(CLIENT)), False)
    # every 4 days from 22 Nov: the 26th, 30th and 4 Dec (the link expires on the 6th)
    assert grew == [date(2026, 11, 26), date(2026, 11, 30), date(2026, 12, 4)]


def test_a_run_a_week_late_sends_one_reminder_and_a_run_after_expiry_only_the_operators_notice(world: Any) -> None:
    _sent(world)
    world.run("lifecycle", date(2026, 11, 29))  # the runs of the 25th and 28th never happened
    world.run("lifecycle", date(2026, 11, 29))
    assert [len(_reminders(a)) for a in (CLIENT, VENDOR)] == [1, 1]
    world.run("lifecycle", date(2026, 12, 6))  # the expiry day: no reminder on it
    assert [len(_reminders(a)) for a in (CLIENT, VENDOR)] == [1, 1]
    world.run("lifecycle", date(2027, 1, 15))  # long after: the operator is told once per link, nothing else
    world.run("lifecycle", date(2027, 1, 16))
    assert [len(_reminders(a)) for a in (CLIENT, VENDOR)] == [1, 1]
    assert sorted(a for m in _expired() for a in (CLIENT, VENDOR) if a in m["body"]) == [CLIENT, VENDOR]


@pytest.mark.parametrize("ending", ["decline", "void"])
def test_no_reminder_and_no_expiry_notice_after_a_decline_or_a_void(world: Any, ending: str) -> None:
    cid, tokens = _sent(world)
    world.travel(SENT + timedelta(days=2))
    if ending == "decline":
        world.ok("POST", f"/sign/{tokens['vendor']}/decline", {"reason": "价格需再议"}, role=None)
    else:
        world.ok("POST", f"/contracts/{cid}/void", {"reason": "条款需重拟"})
    world.deliver()
    _daily(world, SENT + timedelta(days=2), SENT + timedelta(days=20))
    assert _reminders(CLIENT) == [] and _reminders(VENDOR) == [] and _expired() == []


def test_an_agreement_awaiting_signatures_is_reminded_too(world: Any) -> None:
    cid = world.active_contract()
    world.travel(date(2026, 12, 1))
    world.ok(
        "POST",
        f"/contracts/{cid}/amendments",
        {"changes": {"annual_fee": "150000.00"}, "reason": "增加坐席"},
        status=201,
    )
    world.deliver()
    _sign(world, token_of(signing_link(VENDOR)))
    before = len(_reminders(CLIENT))
    _daily(world, date(2026, 12, 2), date(2026, 12, 20))
    mails = _reminders(CLIENT)[before:]
    assert len(mails) == 3 and all("补充协议" in m["subject"] for m in mails)
    assert "《外呼外包合同》补充协议（第1号）" in mails[0]["body"]
    assert _reminders(VENDOR) == []
    [expired] = _expired()
    assert "补充协议" in expired["body"] and CLIENT in expired["body"]


def test_a_link_resent_after_it_expired_is_reminded_afresh_and_reported_again_if_it_lapses(world: Any) -> None:
    cid, tokens = _sent(world)
    _sign(world, tokens["client"])
    _daily(world, SENT + timedelta(days=1), date(2026, 12, 9), twice=False)
    assert len(_reminders(VENDOR)) == 3 and len(_expired()) == 1
    world.travel(date(2026, 12, 10))  # the operator sends the vendor a new link (14 days: to 2026-12-24 12:00)
    world.ok("POST", f"/contracts/{cid}/resend", {"party": "vendor"})
    world.deliver()
    grew = _daily(world, date(2026, 12, 10), date(2027, 1, 10), lambda: len(_reminders(VENDOR)))
    assert grew == [date(2026, 12, 13), date(2026, 12, 16), date(2026, 12, 19)]
    assert "2026-12-24 12:00" in _reminders(VENDOR)[-1]["body"]
    assert len(_expired()) == 2 and "2026-12-24 12:00" in _expired()[-1]["body"]
