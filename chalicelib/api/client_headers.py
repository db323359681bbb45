"""What a request says about its own origin, which the API records but never trusts: X-Forwarded-For."""

from __future__ import annotations

import re

MAX_FORWARDED_FOR = 200
# Addresses and what separates them in X-Forwarded-For: IPv4, IPv6 (with [brackets] and :ports), commas, spaces.
_SANE = re.compile(r"[0-9A-Fa-f.:\[\], ]+")


def unverified_forwarded_for(raw: str | None) -> str | None:
    """The header as sent, if it looks like a list of addresses: control and other characters removed, at most
    MAX_FORWARDED_FOR characters; None when absent or nothing sane is left."""
    if not raw:
        return None
    kept = "".join(ch for ch in raw if ch.isascii() and ch.isprintable())
    kept = " ".join(kept.split())[:MAX_FORWARDED_FOR].strip(" ,")
    if not kept or not _SANE.fullmatch(kept) or not any(ch.isdigit() or ch == ":" for ch in kept):
        return None
    return kept
