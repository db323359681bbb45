"""One-time codes and signing order over the API on moto: the status codes and fields a signer's page and a
held-out client rely on, the code's email (and SMS) in moto, and the audit without codes."""

from __future__ import annotations

import re
from typing import Any

import pytest
from moto.core import DEFAULT_ACCOUNT_ID

from chalicelib.bootstrap import get_deps, reset
from chalicelib.domain.links import signing_token
from chalicelib.settings import reset_settings
from tests.factories import contract_body
from tests.support import REGION, emails_to, signing_link, token_of

pytestmark = pytest.mark.integration
CODE = re.compile(r"签署验证码：(\d{6})")


def _code_for(address: str) -> str:
    found = [CODE.search(m["subject"]) for m in emails_to(address)]
    codes = [m.group(1) for m in found if m]
    assert codes, f"no code emailed to {address}"
    return codes[-1]


def _token(world: Any, cid: str, party: str) -> str:
    deps = get_deps()
    link = deps.repo.get_contract(cid).signing.links[party]
    return signing_token(deps.link_secret(), cid, link.token_id)


def _error(resp: Any) -> dict[str, Any]:
    return dict(resp.json_body["error"])


def test_codes_and_order_over_http(world: Any) -> None:
    cid = world.ok("POST", "/contracts", contract_body(signer_verification="email_code"), status=201)["id"]
    sent = world.ok("POST", f"/contracts/{cid}/send", {"signing_order": "client_first"})
    assert sent["signing_order"] == "client_first" and sent["terms"]["signer_verification"] == "email_code"
    world.deliver()
    assert emails_to("vendor@example.com") == []  # the vendor's turn comes later
    client = token_of(signing_link("client@example.com"))
    vendor = _token(world, cid, "vendor")
    early = world.call("GET", f"/sign/{vendor}", role=None, headers={"Accept": "application/json"})
    assert early.status_code == 409 and "not yet your turn" in _error(early)["message"]
    # No code, a malformed code, asking twice, a wrong code, then the right one
    sign = {"signer_name": "李雷", "consent": True}
    missing = world.call("POST", f"/sign/{client}", sign, role=None)
    assert (missing.status_code, _error(missing)["field"], _error(missing)["code"]) == (400, "code", "code_required")
    malformed = world.call("POST", f"/sign/{client}", {**sign, "code": "12ab56"}, role=None)
    assert (malformed.status_code, _error(malformed)["field"]) == (400, "code")
    asked = world.ok("POST", f"/sign/{client}/code", role=None, status=201)
    assert asked["sent_to"] == "c***@example.com" and asked["channels"] == ["email"]
    again = world.call("POST", f"/sign/{client}/code", {}, role=None)
    assert again.status_code == 429 and int(again.headers["Retry-After"]) == 60
    code = _code_for("client@example.com")
    wrong = world.call("POST", f"/sign/{client}", {**sign, "code": f"{(int(code) + 7) % 10**6:06d}"}, role=None)
    assert wrong.status_code == 422 and (_error(wrong)["field"], _error(wrong)["tries_left"]) == ("code", 4)
    receipt = world.ok("POST", f"/sign/{client}", {**sign, "code": code}, role=None, status=201)["receipt"]
    assert receipt["verification"] == "email_code"
    # The vendor's link goes out now and works
    world.deliver()
    assert token_of(signing_link("vendor@example.com")) == vendor
    page = world.ok("GET", f"/sign/{vendor}", role=None, headers={"Accept": "application/json"})
    assert page["verification"] == {
        "method": "email_code",
        "code_sent_to": None,
        "code_expires_at": None,
        "tries_left": 5,
        "locked": False,
    }
    world.ok("POST", f"/sign/{vendor}/code", role=None, status=201)
    code = _code_for("vendor@example.com")
    world.ok("POST", f"/sign/{vendor}", {**sign, "signer_name": "韩梅梅", "code": code}, role=None, status=201)
    contract = world.contract(cid)
    assert contract["status"] == "active"
    assert [s["verification"] for s in contract["signatures"]] == ["email_code", "email_code"]
    audit = world.ok("GET", f"/contracts/{cid}/audit")
    assert audit["verified"] is True
    types = [e["type"] for e in audit["entries"]]
    assert types.count("SigningCodeRequested") == 2 and types.count("SigningCodeRejected") == 1
    assert code not in str(audit)


def test_a_code_goes_by_sms_too_when_configured(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HETONG_SMS_CODES", "1")
    reset_settings()
    reset()
    get_deps().clock = world.clock
    body = contract_body(signer_verification="email_code")
    body["client"]["phone"] = "+86 138 0013 8000"
    cid = world.ok("POST", "/contracts", body, status=201)["id"]
    world.ok("POST", f"/contracts/{cid}/send")
    asked = world.ok("POST", f"/sign/{_token(world, cid, 'client')}/code", role=None, status=201)
    assert asked["channels"] == ["email", "sms"]
    from moto.sns.models import sns_backends

    texts = list(sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages.values())
    assert [t[0] for t in texts] == ["+8613800138000"]
    assert _code_for("client@example.com") in texts[0][1]


def test_the_old_link_format_still_signs(world: Any) -> None:
    """Links emailed before the contract id was carried (the bare token) resolve through the token item."""
    from chalicelib.domain.links import link_token

    cid = world.draft()  # signer_verification "none"
    world.ok("POST", f"/contracts/{cid}/send")
    deps = get_deps()
    old = link_token(deps.link_secret(), deps.repo.get_contract(cid).signing.links["client"].token_id)
    first = world.ok("POST", f"/sign/{old}", {"signer_name": "李雷", "consent": True}, role=None, status=201)
    retried = world.call("POST", f"/sign/{old}", {"signer_name": "李雷", "consent": True}, role=None)
    assert (retried.status_code, retried.json_body) == (201, first)  # a retry: the same reply
    again = world.call("POST", f"/sign/{old}", {"signer_name": "李某", "consent": True}, role=None)
    assert again.status_code == 410


def test_the_lifecycle_worker_reminds_and_reports_an_expired_link_once(world: Any) -> None:
    from datetime import timedelta

    start = world.today
    cid = world.draft()
    world.ok("POST", f"/contracts/{cid}/send", {"signing_order": "vendor_first"})
    world.deliver()
    vendor = token_of(signing_link("vendor@example.com"))
    for day in range(1, 17):
        world.run("lifecycle", start + timedelta(days=day))
    world.run("lifecycle", start + timedelta(days=16))  # a rerun
    reminders = [m for m in emails_to("vendor@example.com") if "提醒" in m["subject"]]
    assert len(reminders) == 3 and all(vendor in m["body"] for m in reminders)
    assert emails_to("client@example.com") == []  # never its turn: no link, no reminder
    expired = [m for m in emails_to("operator@hetong.test") if "过期" in m["subject"]]
    assert len(expired) == 1 and "vendor@example.com" in expired[0]["body"]
    gone = world.call("GET", f"/sign/{vendor}", role=None, headers={"Accept": "application/json"})
    assert gone.status_code == 410
