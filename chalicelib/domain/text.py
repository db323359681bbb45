"""Free text from outside: the one rule for what a name, address or reason may contain."""

from __future__ import annotations

import unicodedata

from chalicelib.domain.errors import ValidationError
from chalicelib.domain.glyphs import describe, unprintable

# Multi-line text (a notice's details, a reason) may keep line breaks and tabs; nothing else below 0x20.
_LINE_BREAKS = frozenset("\t\n\r")


# Bidirectional embeddings, overrides and isolates: they reorder what a reader sees (an email's "moc.live" shown
# as "evil.com"), and no name, address or reason needs them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def has_lone_surrogate(value: str) -> bool:
    """True if `value` holds a lone UTF-16 surrogate (what a JSON `\\ud800` escape yields): text no channel can
    carry — it cannot be encoded to be stored, mailed, printed or sent back in an error."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def has_control_chars(value: str, *, multiline: bool = False) -> bool:
    """True if `value` holds a C0 or C1 control character (or DEL) or a bidi control; tabs and line breaks pass
    if multiline (free text that reaches an email is never multiline: nothing below 0x20 passes)."""
    for ch in value:
        code = ord(ch)
        if (code < 0x20 or 0x7F <= code <= 0x9F) and not (multiline and ch in _LINE_BREAKS):
            return True
        if ch in BIDI_CONTROLS:
            return True
    return False


def clean_text(value: str, field: str, *, max_len: int, multiline: bool = False) -> str:
    """`value` stripped; ValidationError naming `field` if it is then empty, too long, holds control characters
    or a character the documents' PDF font cannot print (chalicelib/domain/glyphs.py). Composed first (NFC):
    a keyboard that sends é as e + U+0301 typed the same printable name."""
    text = unicodedata.normalize("NFC", value).strip()
    if not text:
        raise ValidationError(field, "must not be empty")
    if len(text) > max_len:
        raise ValidationError(field, f"must be at most {max_len} characters")
    if has_control_chars(text, multiline=multiline):
        raise ValidationError(field, "must not contain control characters (line breaks, tabs, bidi controls ...)")
    check_printable(text, field)
    return text


def check_printable(value: str, field: str) -> None:
    """ValidationError naming `field` if `value` holds a character the documents' PDF font lacks: every
    document exists as a PDF too, where such a character would print as an empty box."""
    missing = unprintable(value)
    if missing:
        raise ValidationError(field, f"contains {describe(missing)}, which the documents' font cannot print")
