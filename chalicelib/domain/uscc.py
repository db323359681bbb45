"""Unified social credit codes (统一社会信用代码, GB 32100-2015): normalisation, check character, validation.

Only the charset, length and check character are enforced, not the registration-authority or region codes.
"""

from __future__ import annotations

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, Z, S, V
LENGTH = 18

# Weight of position i is 3**i mod 31, so any single wrong character or swap of two neighbours changes the
# sum mod 31 (31 is prime and all weights, with the check's implicit weight 1, differ between neighbours).
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {c: i for i, c in enumerate(CHARSET)}


class InvalidCreditCode(ValueError):
    """A credit code that fails validation; `reason` is a human-readable message for the API user."""

    def __init__(self, code: object, reason: str) -> None:
        super().__init__(f"invalid unified social credit code {code!r}: {reason}")
        self.code = code
        self.reason = reason


def uscc_check_char(first17: str) -> str:
    """The check character (18th) for a 17-character body; raises InvalidCreditCode on a malformed body."""
    body = _normalise(first17, LENGTH - 1)
    total = sum(_VALUE[c] * w for c, w in zip(body, _WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def make_uscc(first17: str) -> str:
    """A valid code from a 17-character body (seed data, tests)."""
    body = _normalise(first17, LENGTH - 1)
    return body + uscc_check_char(body)


def validate_uscc(code: str) -> str:
    """The normalised (stripped, upper-case) code, or InvalidCreditCode saying what is wrong."""
    normalised = _normalise(code, LENGTH)
    expected = uscc_check_char(normalised[:-1])
    if normalised[-1] != expected:
        raise InvalidCreditCode(
            code, f"wrong check character {normalised[-1]!r} at position 18 (expected {expected!r})"
        )
    return normalised


def _normalise(value: object, length: int) -> str:
    if not isinstance(value, str):
        raise InvalidCreditCode(value, f"must be a string, not {type(value).__name__}")
    text = value.strip()
    if len(text) != length:
        raise InvalidCreditCode(value, f"must be {length} characters, got {len(text)}")
    for position, char in enumerate(text, start=1):
        # Checked per character, before upper-casing the whole string: str.upper() turns some letters into
        # several ASCII ones ("ﬀ" -> "FF"), which would let a look-alike of the right length pass.
        if char.upper() not in _VALUE:
            raise InvalidCreditCode(value, f"invalid character {char!r} at position {position} (allowed: {CHARSET})")
    return text.upper()
