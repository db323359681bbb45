"""What the documents' PDF font can print. chalicelib/fonts/coverage.txt lists every character the shipped font
has (scripts/fonts/build_font.py writes both); text that goes into a document is checked against it when it is
drafted, so a PDF never shows a missing glyph where a party's name belongs."""

from __future__ import annotations

import functools
from pathlib import Path

COVERAGE = Path(__file__).resolve().parent.parent / "fonts" / "coverage.txt"
_ALWAYS = frozenset("\t\n\r")


@functools.cache
def _covered() -> frozenset[str]:
    return frozenset(COVERAGE.read_text(encoding="utf-8").replace("\n", ""))


def printable(ch: str) -> bool:
    """True if the PDF font has a glyph for the character `ch` (tabs and line breaks count as printable)."""
    return ch in _ALWAYS or ch in _covered()


def unprintable(text: str) -> list[str]:
    """The distinct characters of `text` the PDF font cannot print, in order of first appearance."""
    covered = _covered()
    seen: list[str] = []
    for ch in text:
        if ch not in covered and ch not in _ALWAYS and ch not in seen:
            seen.append(ch)
    return seen


def describe(chars: list[str]) -> str:
    """`["𠮷"]` → `"𠮷 (U+20BB7)"`: how an error message names characters."""
    return ", ".join(f"{ch} (U+{ord(ch):04X})" for ch in chars)
