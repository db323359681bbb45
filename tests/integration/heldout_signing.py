"""Helpers of the held-out signing scenarios: a signer's link and one-time code as the signer gets them (from the
emails moto's SES sent), moving the clock to an exact instant, and reading what was recorded."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.bootstrap import get_deps
from tests.factories import contract_body
from tests.support import emails_to, sent_emails, signing_link, token_of

CLIENT = "client@example.com"
VENDOR = "vendor@example.com"
OPERATOR = "operator@hetong.test"
EMAIL_OF = {"client": CLIENT, "vendor": VENDOR}
CODE = re.compile(r"签署验证码：(\d{6})")
JSON = {"Accept": "application/json"}
BROWSER = {"User-Agent": "Mozilla/5.0 (Windows NT 10.0) HeldOut/1.0", "X-Forwarded-For": "203.0.113.9"}


def drafted(world: Any, verification: str = "email_code", **terms: Any) -> str:
    return str(
        world.ok("POST", "/contracts", contract_body(signer_verification=verification, **terms), status=201)["id"]
    )


def sent(world: Any, verification: str = "email_code", order: str | None = None) -> str:
    cid = drafted(world, verification)
    world.ok("POST", f"/contracts/{cid}/send", None if order is None else {"signing_order": order})
    world.deliver()
    return cid


def link(party: str) -> str:
    """The newest signing link emailed to the party (its token)."""
    return token_of(signing_link(EMAIL_OF[party]))


def codes_to(address: str) -> list[str]:
    return [m.group(1) for m in (CODE.search(e["subject"]) for e in emails_to(address)) if m]


def ask_code(world: Any, token: str) -> str:
    """Ask for a code on the link and read it from the newest code email to the link's address."""
    before = {p: len(codes_to(a)) for p, a in EMAIL_OF.items()}
    world.ok("POST", f"/sign/{token}/code", role=None, status=201)
    for party, address in EMAIL_OF.items():
        got = codes_to(address)
        if len(got) > before[party]:
            return got[-1]
    raise AssertionError("no code email was sent")


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def sign_body(name: str = "李雷", code: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"signer_name": name, "consent": True, **extra}
    if code is not None:
        body["code"] = code
    return body


def sign(world: Any, token: str, name: str, code: str | None = None, headers: dict[str, str] | None = None) -> Any:
    return world.ok("POST", f"/sign/{token}", sign_body(name, code), role=None, status=201, headers=headers)


def sign_with_code(world: Any, token: str, name: str, headers: dict[str, str] | None = None) -> Any:
    return sign(world, token, name, ask_code(world, token), headers)


def at(world: Any, when: datetime) -> None:
    world.clock.set(when.astimezone(UTC))


def later(world: Any, **delta: float) -> None:
    world.clock.set(world.clock.now() + timedelta(**delta))


def error(resp: Any) -> dict[str, Any]:
    return dict(resp.json_body["error"])


def subjects_to(address: str) -> list[str]:
    return [str(m["subject"]) for m in emails_to(address)]


def all_subjects() -> list[tuple[str, str]]:
    return [(",".join(m["to"]), str(m["subject"])) for m in sent_emails()]


def audit(world: Any, cid: str) -> dict[str, Any]:
    return dict(world.ok("GET", f"/contracts/{cid}/audit"))


def audit_types(world: Any, cid: str) -> list[str]:
    return [e["type"] for e in audit(world, cid)["entries"]]


def link_material(cid: str) -> list[str]:
    """Every token id and token hash the contract's links ever had (current ones from the contract, replaced ones
    from the token items), and the links as emailed."""
    deps = get_deps()
    contract = deps.repo.get_contract(cid)
    found: list[str] = []
    for sigset in [contract.signing, *(a.signing for a in contract.amendments)]:
        for ln in sigset.links.values():
            found += [ln.token_id, ln.token_hash]
    for mail in sent_emails():
        found += re.findall(r"/sign/([A-Za-z0-9_-]{40,80})", str(mail["body"]))
    return found


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
