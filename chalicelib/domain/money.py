"""Money as two-place `Decimal` (ROUND_HALF_UP, never float): parsing, rounding, and rendering amounts in
figures ("¥120,000.00") and in Chinese capital numerals ("人民币壹拾贰万元整") as written on contracts."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Context, Decimal, DivisionByZero, InvalidOperation, Overflow

CENT = Decimal("0.01")

# Largest amount amount_in_words renders: 13 integer digits, so 万亿 is the highest unit it writes.
MAX_AMOUNT_IN_WORDS = Decimal("9999999999999.99")

# A private context so a caller tweaking decimal.getcontext() (precision, traps) cannot change our rounding.
_CTX = Context(prec=34, rounding=ROUND_HALF_UP, traps=[InvalidOperation, DivisionByZero, Overflow])

# The wire format: plain digits, optional sign, at most two decimals. Excludes exponents ("1e5"), ".5",
# "5.", "+5", thousands separators, whitespace and non-ASCII digits, all of which Decimal() would accept.
_WIRE_AMOUNT = re.compile(r"-?[0-9]+(?:\.[0-9]{1,2})?")

# A percentage or rate on the wire: ASCII digits with an optional fraction, nothing else (Decimal() would also take
# "+5", " 5", "1e1", "-0", "NaN" and any script's digits, "９６" or "٩٦").
_PLAIN_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)?")

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_IN_SECTION = ((1000, "仟"), (100, "佰"), (10, "拾"), (1, ""))


class InvalidAmount(ValueError):
    """A value that is not a whole number of cents (or is out of range for the operation)."""

    def __init__(self, value: object, message: str = "is not a valid amount") -> None:
        super().__init__(f"{value!r} {message}")
        self.value = value


def to_money(value: str | int | Decimal) -> Decimal:
    """Parse `value` into a two-place Decimal.

    Strings must be in wire format ("120000", "120000.5", "120000.00"); more than two decimals is refused
    rather than rounded, because a rounded amount is a different amount. A Decimal is judged by value, not
    by exponent, so DynamoDB's Decimal("120000") or Decimal("1.2E+5") are fine but Decimal("0.005") is not.
    Floats (and bools) raise TypeError: they cannot carry cents exactly.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise TypeError(f"money must be str, int or Decimal, not {type(value).__name__}")
    if isinstance(value, str):
        if not _WIRE_AMOUNT.fullmatch(value):
            raise InvalidAmount(value, "is not an amount like '120000.00'")
        d = Decimal(value)
    elif isinstance(value, int):
        d = Decimal(value)
    else:
        d = value
    if not d.is_finite():
        raise InvalidAmount(value, "is not a finite amount")
    q = _quantize_finite(d, value)
    if q != d:
        raise InvalidAmount(value, "has more than two decimal places")
    return q


def plain_decimal(value: str) -> Decimal | None:
    """`value` as a Decimal if it is written as a plain non-negative decimal ("95", "0.05"), else None."""
    return Decimal(value) if _PLAIN_DECIMAL.fullmatch(value) else None


def quantize(d: Decimal) -> Decimal:
    """Round the result of arithmetic to cents, ROUND_HALF_UP (0.005 -> 0.01, -0.005 -> -0.01)."""
    if not isinstance(d, Decimal):
        raise TypeError(f"quantize expects Decimal, not {type(d).__name__}")
    if not d.is_finite():
        raise InvalidAmount(d, "is not a finite amount")
    return _quantize_finite(d, d)


def money_str(d: Decimal) -> str:
    """Wire/storage form: "120000.00". Refuses sub-cent values; quantize() arithmetic results first."""
    return format(_exact_cents(d), "f")


def amount_in_figures(d: Decimal) -> str:
    """Amount in figures as printed on contracts: "¥120,000.00" (negative: "-¥120,000.00")."""
    q = _exact_cents(d)
    sign = "-" if q < 0 else ""
    return f"{sign}¥{q.copy_abs():,.2f}"


def amount_in_words(d: Decimal) -> str:
    """Amount in Chinese capital numerals, per the PBOC rules for writing amounts on bills and vouchers
    (正确填写票据和结算凭证的基本规定).

    120000.00 -> 人民币壹拾贰万元整, 1005.07 -> 人民币壹仟零伍元零柒分, 2400.50 -> 人民币贰仟肆佰元伍角.
    "整" only follows 元 (never 角 or 分); leading tens are written 壹拾 as banks do. Where the rules leave
    the "零" optional we write it whenever a run of zeros sits inside a 4-digit section or a lower section
    starts with zeros, and omit it between 元 and 角. Negative amounts and amounts above
    MAX_AMOUNT_IN_WORDS raise InvalidAmount.

    Written here rather than delegated to cn2an: cn2an 0.5.24 drops the 零 when a whole 万-section is zero
    after 亿 (200008310 -> 贰亿捌仟叁佰壹拾元, which reads as 2.831亿), and importing it costs ~100 ms of
    Lambda cold start. The unit tests still cross-check this function against cn2an.
    """
    q = _exact_cents(d)
    if q < 0:
        raise InvalidAmount(d, "is negative; amounts in words must be zero or more")
    if q > MAX_AMOUNT_IN_WORDS:
        raise InvalidAmount(d, f"is above {MAX_AMOUNT_IN_WORDS}, the largest amount written in words")
    cents = int(q.scaleb(2, context=_CTX))
    yuan, rest = divmod(cents, 100)
    jiao, fen = divmod(rest, 10)
    if yuan == 0:
        if rest == 0:
            return "人民币零元整"
        # Below one yuan there is nothing for a 零 to separate: 0.07 is 柒分, not 零柒分.
        return "人民币" + (_DIGITS[jiao] + "角" if jiao else "") + (_DIGITS[fen] + "分" if fen else "")
    words = "人民币" + _integer_words(yuan) + "元"
    if rest == 0:
        return words + "整"
    if jiao == 0:
        # Mandatory: without 零, 1000000.01 (元零壹分) would read like 元壹角.
        return words + "零" + _DIGITS[fen] + "分"
    return words + _DIGITS[jiao] + "角" + (_DIGITS[fen] + "分" if fen else "")


def _quantize_finite(d: Decimal, original: object) -> Decimal:
    try:
        q = d.quantize(CENT, context=_CTX)
    except InvalidOperation:
        raise InvalidAmount(original, "is too large") from None
    # Normalise -0.00 to 0.00 so it never renders as "-0.00".
    return q if q else q.copy_abs()


def _exact_cents(d: Decimal) -> Decimal:
    if not isinstance(d, Decimal):
        raise TypeError(f"expected Decimal, not {type(d).__name__}")
    return to_money(d)


def _integer_words(n: int) -> str:
    """1 <= n < 10**16. Sections of four digits under 万 and 亿; 万亿 above that."""
    if n >= 100_000_000:
        high, low = divmod(n, 100_000_000)
        # 壹万亿零壹仟万: when the whole 亿 section under 万亿 is zero, the gap needs its 零 too.
        empty_section = high >= 10_000 and high % 10_000 == 0
        return _integer_words(high) + "亿" + _lower_part(low, 10**9 if empty_section else 10_000_000)
    if n >= 10_000:
        high, low = divmod(n, 10_000)
        return _section_words(high) + "万" + _lower_part(low, 1000)
    return _section_words(n)


def _lower_part(low: int, leading: int) -> str:
    """Words for the part below a 万/亿 unit; a 零 marks the gap when its leading digit(s) are zero.

    That 零 is what keeps 100001000 (壹亿零壹仟) from reading as 壹亿壹仟 = 1.1亿.
    """
    if low == 0:
        return ""
    return ("零" if low < leading else "") + _integer_words(low)


def _section_words(n: int) -> str:
    """1 <= n <= 9999 in capital numerals (1005 -> 壹仟零伍)."""
    return section_numerals(n, _DIGITS, _IN_SECTION)


def section_numerals(n: int, digits: str, places: tuple[tuple[int, str], ...]) -> str:
    """1 <= n <= 9999 in the given numerals, with one 零 for each run of zeros between non-zero digits.
    Shared by amounts in 大写 and the ordinary numerals of document numbers (补充协议（一千零一）)."""
    out = ""
    gap = False
    for place, unit in places:
        digit = n // place % 10
        if digit == 0:
            gap = bool(out)
            continue
        if gap:
            out += "零"
            gap = False
        out += digits[digit] + unit
    return out
