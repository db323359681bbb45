"""X-Forwarded-For is recorded only as an unverified, cleaned, length-limited field; link paths leave no log."""

from __future__ import annotations

import pytest

from chalicelib.api.client_headers import MAX_FORWARDED_FOR, unverified_forwarded_for
from chalicelib.domain.links import redact_link_paths


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        (None, None),
        ("", None),
        ("203.0.113.7", "203.0.113.7"),
        ("203.0.113.7, 10.0.0.1", "203.0.113.7, 10.0.0.1"),
        ("2001:db8::1, [2001:db8::2]:443", "2001:db8::1, [2001:db8::2]:443"),
        ("203.0.113.7\r\nX-Evil: 1", None),  # a header injection attempt is not an address list
        ("203.0.113.7\x00", "203.0.113.7"),  # control characters are removed
        ("\u202e7.311.0.302", "7.311.0.302"),  # so are bidi controls (and it is labelled unverified anyway)
        ("<script>", None),
        ("unknown", None),
        (",,, ,", None),
    ],
)
def test_forwarded_for_is_cleaned(raw: str | None, kept: str | None) -> None:
    assert unverified_forwarded_for(raw) == kept


def test_forwarded_for_is_length_limited() -> None:
    kept = unverified_forwarded_for(", ".join(["203.0.113.7"] * 500))
    assert kept is not None and len(kept) <= MAX_FORWARDED_FOR


def test_request_lines_lose_their_tokens() -> None:
    line = '"GET /sign/AbC-_123xyz HTTP/1.1" 200 - and "POST /sign/Tok/decline" and /submit/Zz9?x=1'
    assert redact_link_paths(line) == (
        '"GET /sign/<redacted> HTTP/1.1" 200 - and "POST /sign/<redacted>/decline" and /submit/<redacted>?x=1'
    )
