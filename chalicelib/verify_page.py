"""The public verification page (GET /verify, what a signed original's QR code opens) and its one script,
served by the API so the page's CSP allows no inline script."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain.calendar import instant
from chalicelib.domain.signing import PARTY_LABELS
from chalicelib.html_templates import html_templates

TEMPLATES = Path(__file__).resolve().parent / "templates" / "verify"
SHANGHAI = ZoneInfo("Asia/Shanghai")
HEADERS: dict[str, str | list[str]] = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; "
    "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Content-Type": "text/html; charset=utf-8",
}
SCRIPT_HEADERS: dict[str, str | list[str]] = {
    "Content-Type": "text/javascript; charset=utf-8",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",  # every response of the API (tests/integration/test_security_hostile_input.py)
}
STATUS_LABELS = {
    "active": "履行中",
    "terminating": "解除通知期内",
    "terminated": "已解除",
    "expired": "已到期",
    "effective": "已生效",
}


def _env() -> Any:
    return html_templates(TEMPLATES)


def local_time(iso: str) -> str:
    """'2026-12-01T08:00:00Z' → '2026-12-01 16:00:00 (Asia/Shanghai)'."""
    try:
        at = instant(iso).astimezone(SHANGHAI)
    except ValueError:
        return iso
    return f"{at:%Y-%m-%d %H:%M:%S} (Asia/Shanghai)"


def _part_label(part: str) -> str:
    return "合同" if part == "contract" else f"补充协议 {part.split(':', 1)[1]}"


def verify_page(view: dict[str, Any] | None, missing: str | None = None) -> str:
    ctx: dict[str, Any] = {"view": view, "missing": missing, "party_labels": PARTY_LABELS}
    if view is not None:
        view = {
            **view,
            "signatures": [{**s, "signed_at_local": local_time(s["signed_at"])} for s in view["signatures"]],
        }
        ctx.update(
            view=view,
            part_label=_part_label(view["part"]),
            status_label=STATUS_LABELS.get(view["status"], view["status"]),
            signed_at_local=local_time(view["signed_at"]),
        )
    return str(_env().get_template("page.html").render(ctx))


@lru_cache(maxsize=1)
def verify_script() -> str:
    return (TEMPLATES / "verify.js").read_text(encoding="utf-8")
