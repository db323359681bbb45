import subprocess
import sys
from decimal import ROUND_DOWN, Decimal, localcontext

import cn2an  # type: ignore[import-untyped]
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.money import (
    CENT,
    MAX_AMOUNT_IN_WORDS,
    InvalidAmount,
    amount_in_figures,
    amount_in_words,
    money_str,
    quantize,
    to_money,
)

MAX_CENTS = 999_999_999_999_999  # MAX_AMOUNT_IN_WORDS in cents


# --- to_money ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120000", "120000.00"),
        ("120000.5", "120000.50"),
        ("120000.00", "120000.00"),
        ("0", "0.00"),
        ("0.01", "0.01"),
        ("007", "7.00"),
        ("-5.1", "-5.10"),
        ("-0", "0.00"),
        ("9999999999999.99", "9999999999999.99"),
        (7, "7.00"),
        (-3, "-3.00"),
        (0, "0.00"),
        (Decimal(120000), "120000.00"),
        (Decimal("1.2E+5"), "120000.00"),  # as DynamoDB may hand it back
        (Decimal("1.000"), "1.00"),  # judged by value, not exponent
        (Decimal("-0.00"), "0.00"),
    ],
)
def test_to_money_accepts(value: str | int | Decimal, expected: str) -> None:
    result = to_money(value)
    assert isinstance(result, Decimal)
    assert str(result) == expected
    assert result.as_tuple().exponent == -2


@pytest.mark.parametrize(
    "value",
    [
        "",
        " 1",
        "1 ",
        "1.005",
        "1.000",  # more than two places on the wire, even if the value would fit
        "0.001",
        "1e5",
        "1E+5",
        "abc",
        "NaN",
        "nan",
        "Infinity",
        "-Infinity",
        "1,000.00",
        ".5",
        "5.",
        "+5",
        "--1",
        "1.2.3",
        "١٢",  # Arabic-Indic digits, which Decimal() would accept
        "１２",  # fullwidth digits
        "1" + "0" * 40,  # beyond Decimal precision
        Decimal("NaN"),
        Decimal("sNaN"),
        Decimal("Infinity"),
        Decimal("-Infinity"),
        Decimal("0.005"),
        Decimal("120000.001"),
        10**40,
    ],
)
def test_to_money_rejects(value: str | int | Decimal) -> None:
    with pytest.raises(InvalidAmount) as info:
        to_money(value)
    assert isinstance(info.value, ValueError)
    assert info.value.value is value


@pytest.mark.parametrize("value", [1.5, 0.1, 120000.0, float("nan"), True, False, None, [1], b"1"])
def test_to_money_rejects_other_types(value: object) -> None:
    with pytest.raises(TypeError):
        to_money(value)  # type: ignore[arg-type]


# --- quantize / money_str / amount_in_figures ---------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.005", "0.01"),
        ("0.0049", "0.00"),
        ("-0.005", "-0.01"),
        ("2.675", "2.68"),  # the classic float-rounding trap
        ("1.115", "1.12"),
        ("1.125", "1.13"),  # half-up, not banker's rounding
        ("-0.001", "0.00"),  # no negative zero
        ("120000", "120000.00"),
        ("1.2E+5", "120000.00"),
    ],
)
def test_quantize(value: str, expected: str) -> None:
    assert str(quantize(Decimal(value))) == expected


def test_quantize_ignores_the_ambient_decimal_context() -> None:
    with localcontext() as ctx:
        ctx.prec = 3
        ctx.rounding = ROUND_DOWN
        assert str(quantize(Decimal("123456.785"))) == "123456.79"
        assert str(to_money("123456.78")) == "123456.78"


def test_quantize_rejects_floats_and_non_finite() -> None:
    with pytest.raises(TypeError):
        quantize(0.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidAmount):
        quantize(Decimal("NaN"))
    with pytest.raises(InvalidAmount):
        quantize(Decimal("-Infinity"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal(120000), "120000.00"),
        (Decimal("120000.00"), "120000.00"),
        (Decimal("1.2E+5"), "120000.00"),
        (Decimal("0.5"), "0.50"),
        (Decimal("-0"), "0.00"),
        (Decimal("-12.3"), "-12.30"),
        (Decimal("9999999999999.99"), "9999999999999.99"),
    ],
)
def test_money_str(value: Decimal, expected: str) -> None:
    assert money_str(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120000.00", "¥120,000.00"),
        ("0", "¥0.00"),
        ("0.07", "¥0.07"),
        ("999.99", "¥999.99"),
        ("1000", "¥1,000.00"),
        ("1234567.8", "¥1,234,567.80"),
        ("9999999999999.99", "¥9,999,999,999,999.99"),
        ("-1000", "-¥1,000.00"),
    ],
)
def test_amount_in_figures(value: str, expected: str) -> None:
    assert amount_in_figures(Decimal(value)) == expected


def test_amount_in_figures_uses_the_yen_sign() -> None:
    assert amount_in_figures(Decimal(1))[0] == "\u00a5"


@pytest.mark.parametrize("fn", [money_str, amount_in_figures, amount_in_words])
def test_formatters_refuse_sub_cent_values(fn: object) -> None:
    assert callable(fn)
    with pytest.raises(InvalidAmount):
        fn(Decimal("1.005"))
    with pytest.raises(InvalidAmount):
        fn(Decimal("NaN"))
    with pytest.raises(TypeError):
        fn(1.5)


# --- amount_in_words ------------------------------------------------------------------------------------

WORDS = [
    # The examples this module was specified with.
    ("120000.00", "人民币壹拾贰万元整"),
    ("2400.50", "人民币贰仟肆佰元伍角"),
    ("1005.07", "人民币壹仟零伍元零柒分"),
    ("0.50", "人民币伍角"),
    ("0.07", "人民币柒分"),
    ("0", "人民币零元整"),
    ("100010.10", "人民币壹拾万零壹拾元壹角"),
    ("1000000.01", "人民币壹佰万元零壹分"),
    ("10.00", "人民币壹拾元整"),
    ("101.00", "人民币壹佰零壹元整"),
    ("10010.00", "人民币壹万零壹拾元整"),
    ("100000000.00", "人民币壹亿元整"),
    ("1.20", "人民币壹元贰角"),
    # Examples from the PBOC rules (where they allow two forms, the one we write).
    ("1680.32", "人民币壹仟陆佰捌拾元叁角贰分"),
    ("1409.50", "人民币壹仟肆佰零玖元伍角"),
    ("6007.14", "人民币陆仟零柒元壹角肆分"),
    ("107000.53", "人民币壹拾万柒仟元伍角叁分"),
    # Edges of our own.
    ("0.01", "人民币壹分"),
    ("0.57", "人民币伍角柒分"),
    ("1", "人民币壹元整"),
    ("15", "人民币壹拾伍元整"),
    ("110000", "人民币壹拾壹万元整"),
    ("1010101.01", "人民币壹佰零壹万零壹佰零壹元零壹分"),
    ("100100000", "人民币壹亿零壹拾万元整"),
    ("110000000", "人民币壹亿壹仟万元整"),
    ("100000001", "人民币壹亿零壹元整"),
    # cn2an 0.5.24 drops these 零 (贰亿捌仟叁佰壹拾元整 would read as 2.831亿).
    ("200008310.00", "人民币贰亿零捌仟叁佰壹拾元整"),
    ("100001000", "人民币壹亿零壹仟元整"),
    ("1000000001000", "人民币壹万亿零壹仟元整"),
    # 万亿 range.
    ("1000000000000", "人民币壹万亿元整"),
    ("1000100000000", "人民币壹万零壹亿元整"),
    ("1000000000001", "人民币壹万亿零壹元整"),
    ("1000010000000", "人民币壹万亿零壹仟万元整"),
    ("9999999999999.99", "人民币玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
]


@pytest.mark.parametrize(("value", "expected"), WORDS)
def test_amount_in_words(value: str, expected: str) -> None:
    assert amount_in_words(to_money(value)) == expected


@pytest.mark.parametrize("value", [Decimal(120000), Decimal("1.2E+5"), Decimal("120000.000")])
def test_amount_in_words_takes_any_exponent(value: Decimal) -> None:
    assert amount_in_words(value) == "人民币壹拾贰万元整"


@pytest.mark.parametrize("value", ["-0.01", "-120000", "10000000000000.00", "99999999999999999"])
def test_amount_in_words_rejects_out_of_range(value: str) -> None:
    with pytest.raises(InvalidAmount):
        amount_in_words(Decimal(value))


def test_amount_in_words_largest_and_one_past() -> None:
    assert amount_in_words(MAX_AMOUNT_IN_WORDS).endswith("玖元玖角玖分")
    with pytest.raises(InvalidAmount):
        amount_in_words(MAX_AMOUNT_IN_WORDS + CENT)


def test_money_module_does_not_import_cn2an() -> None:
    # cn2an costs ~100 ms to import; a Lambda cold start must not pay for it.
    code = (
        "import sys\n"
        "from decimal import Decimal\n"
        "from chalicelib.domain.money import amount_in_words\n"
        "assert amount_in_words(Decimal('1.5')) == '人民币壹元伍角'\n"
        "assert 'cn2an' not in sys.modules, 'cn2an was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- properties -----------------------------------------------------------------------------------------

_DIGITS = "零壹贰叁肆伍陆柒捌玖"


def _words_to_cents(words: str) -> int:
    """An independent reading of the words back into cents (positional, so it does not judge 零s)."""
    assert words.startswith("人民币")
    text = words.removeprefix("人民币").removesuffix("整")
    yuan_text, frac = text.split("元") if "元" in text else ("", text)
    total = high = section = digit = 0
    for ch in yuan_text:
        if ch in _DIGITS:
            digit = _DIGITS.index(ch)
        elif ch in "拾佰仟":
            section += digit * 10 ** ("拾佰仟".index(ch) + 1)
            digit = 0
        elif ch == "万":
            high = (high + section + digit) * 10_000
            section = digit = 0
        else:
            assert ch == "亿", words
            total = (total + high + section + digit) * 100_000_000
            high = section = digit = 0
    yuan = total + high + section + digit
    jiao = fen = 0
    frac = frac.removeprefix("零")
    if "角" in frac:
        jiao_text, frac = frac.split("角")
        jiao = _DIGITS.index(jiao_text)
    if frac:
        assert frac.endswith("分"), words
        fen = _DIGITS.index(frac.removesuffix("分"))
    return yuan * 100 + jiao * 10 + fen


def _cents_to_decimal(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


# Uniform integers rarely contain zero runs, which is where the rules bite; build some from zero-heavy digits.
cents_strategy = st.one_of(
    st.integers(min_value=0, max_value=MAX_CENTS),
    st.lists(st.sampled_from("0000000123456789"), min_size=1, max_size=15).map(lambda ds: int("".join(ds))),
)


@given(cents_strategy)
def test_words_read_back_to_the_same_amount(cents: int) -> None:
    assert _words_to_cents(amount_in_words(_cents_to_decimal(cents))) == cents


@given(cents_strategy)
def test_words_follow_the_zero_and_zheng_rules(cents: int) -> None:
    words = amount_in_words(_cents_to_decimal(cents))
    assert "零零" not in words
    assert not words.endswith(("分整", "角整", "零"))
    assert ("整" in words) == (cents % 100 == 0)
    assert words.count("整") <= 1 and (words.endswith("整") or "整" not in words)
    if cents:
        assert "零元" not in words and "零万" not in words and "零亿" not in words
    if cents >= 100:
        assert "元" in words
        assert words.startswith("人民币") and words[3] != "零"
    # A 零 must mark a whole zero 万-section between a 亿 and a non-zero remainder.
    yuan = cents // 100
    if yuan >= 10**8 and (yuan // 10**4) % 10**4 == 0 and yuan % 10**4:
        assert "亿零" in words
    # And a whole zero 亿-section between 万亿 and a non-zero remainder.
    if yuan >= 10**12 and (yuan // 10**8) % 10**4 == 0 and yuan % 10**8:
        assert "万亿零" in words


def _cn2an_known_wrong(yuan: int) -> bool:
    # cn2an 0.5.24 writes 亿X仟 instead of 亿零X仟 when the 万-section in between is all zeros, and 万亿X仟万
    # instead of 万亿零X仟万 when the whole 亿-section under 万亿 is zero.
    zero_wan_section = yuan >= 10**8 and (yuan // 10**4) % 10**4 == 0 and yuan % 10**4 >= 1000
    zero_yi_section = yuan >= 10**12 and (yuan // 10**8) % 10**4 == 0 and yuan % 10**8 >= 10**7
    return zero_wan_section or zero_yi_section


@given(cents_strategy)
def test_words_agree_with_cn2an_where_cn2an_is_right(cents: int) -> None:
    value = _cents_to_decimal(cents)
    if _cn2an_known_wrong(cents // 100):
        return
    assert amount_in_words(value) == "人民币" + cn2an.an2cn(money_str(value), "rmb")


@given(st.integers(min_value=-(10**20), max_value=10**20))
def test_money_str_and_figures_round_trip(cents: int) -> None:
    value = _cents_to_decimal(cents)
    assert to_money(money_str(value)) == value
    figures = amount_in_figures(value)
    assert figures.replace("¥", "").replace(",", "") == money_str(value)


@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**12), max_value=10**12, places=6))
def test_quantize_rounds_to_nearest_cent_half_up(value: Decimal) -> None:
    q = quantize(value)
    assert q.as_tuple().exponent == -2
    assert abs(q - value) <= Decimal("0.005")
    if abs(q - value) == Decimal("0.005"):
        assert abs(q) > abs(value)  # ties go away from zero
    assert quantize(q) == q


def test_a_zero_yi_section_under_wan_yi_keeps_its_ling() -> None:
    assert amount_in_words(Decimal("1000010000000")) == "人民币壹万亿零壹仟万元整"
    assert amount_in_words(Decimal("1000100000000")) == "人民币壹万零壹亿元整"
    assert amount_in_words(Decimal("2030000000")) == "人民币贰拾亿叁仟万元整"
