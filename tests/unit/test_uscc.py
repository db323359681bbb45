import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.uscc import CHARSET, InvalidCreditCode, make_uscc, uscc_check_char, validate_uscc

REAL_CODE = "91350100M000100Y43"


def _oracle_check_char(body: str) -> str:
    # The GB 32100 weights are 3**i mod 31; derive them here instead of copying the module's table.
    total = sum(CHARSET.index(c) * pow(3, i, 31) for i, c in enumerate(body))
    return CHARSET[(31 - total % 31) % 31]


def test_charset_is_the_31_characters_of_gb_32100() -> None:
    assert len(CHARSET) == len(set(CHARSET)) == 31
    assert not set("IOZSV") & set(CHARSET)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (REAL_CODE, REAL_CODE),
        (REAL_CODE.lower(), REAL_CODE),
        ("  91350100m000100Y43\n", REAL_CODE),
        ("\t" + REAL_CODE + " ", REAL_CODE),
    ],
)
def test_validate_accepts_and_normalises(code: str, expected: str) -> None:
    assert validate_uscc(code) == expected


@pytest.mark.parametrize(
    ("body", "check"),
    [
        ("91350100M000100Y4", "3"),  # the real code above: sum 1640 = 52*31 + 28; 31 - 28 = 3
        ("00000000000000000", "0"),  # sum 0: 31 - 0 = 31, which wraps to 0
        ("A7000000000000000", "0"),  # 10*1 + 7*3 = 31: the wrap again, from a non-zero sum
        ("10000000000000000", "Y"),  # 31 - 1 = 30
        ("20000000000000000", "X"),  # 31 - 2 = 29
        ("Y0000000000000000", "1"),  # 31 - 30
        ("00000000000000001", "3"),  # last weight 28: 31 - 28
        ("0000000000000000Y", "W"),  # 30*28 = 840 = 27*31 + 3; 31 - 3 = 28, which is "W"
    ],
)
def test_check_char_known_values(body: str, check: str) -> None:
    assert uscc_check_char(body) == check
    assert make_uscc(body) == body + check
    assert validate_uscc(body + check) == body + check


@pytest.mark.parametrize(
    ("code", "reason_contains"),
    [
        ("", "must be 18 characters, got 0"),
        ("   ", "must be 18 characters, got 0"),
        (REAL_CODE[:-1], "must be 18 characters, got 17"),
        (REAL_CODE + "0", "must be 18 characters, got 19"),
        ("91350100M0001O0Y43", "invalid character 'O' at position 14"),
        ("I1350100M000100Y43", "invalid character 'I' at position 1"),
        ("91350100Z000100Y43", "invalid character 'Z' at position 9"),
        ("91350100M000100S43", "invalid character 'S' at position 16"),
        ("91350100M000100Y4V", "invalid character 'V' at position 18"),
        ("91350100M000100Y4-", "invalid character '-' at position 18"),
        ("91350100M00010 Y43", "invalid character ' ' at position 15"),
        ("ﬀ" + REAL_CODE[1:], "invalid character 'ﬀ' at position 1"),  # upper() would make it "FF"
        ("ı" + REAL_CODE[1:], "invalid character 'ı' at position 1"),  # upper() would make it "I"
        ("９" + REAL_CODE[1:], "invalid character '９' at position 1"),  # fullwidth digit
        ("91350100M000100Y44", "wrong check character '4' at position 18 (expected '3')"),
        ("91350100M000100Y4A", "expected '3'"),
        ("81350100M000100Y43", "wrong check character"),
        (None, "must be a string"),
        (913501001000100143, "must be a string"),
    ],
)
def test_validate_rejects_with_a_reason(code: object, reason_contains: str) -> None:
    with pytest.raises(InvalidCreditCode) as info:
        validate_uscc(code)  # type: ignore[arg-type]
    assert isinstance(info.value, ValueError)
    assert reason_contains in info.value.reason
    assert info.value.code == code


@pytest.mark.parametrize("body", ["", "91350100M000100Y", "91350100M000100Y43", "91350100M00010OY4"])
def test_check_char_needs_a_valid_17_character_body(body: str) -> None:
    with pytest.raises(InvalidCreditCode):
        uscc_check_char(body)
    with pytest.raises(InvalidCreditCode):
        make_uscc(body)


def test_make_uscc_normalises_its_body() -> None:
    assert make_uscc(" 91350100m000100y4 ") == REAL_CODE


bodies = st.text(alphabet=CHARSET, min_size=17, max_size=17)


@given(bodies)
def test_check_char_matches_the_standard_and_round_trips(body: str) -> None:
    code = make_uscc(body)
    assert code[:17] == body
    assert code[17] == _oracle_check_char(body)
    assert validate_uscc(code) == code
    assert validate_uscc(f" {code.lower()} ") == code


@given(bodies, st.integers(min_value=0, max_value=17), st.sampled_from(CHARSET))
def test_any_single_wrong_character_is_caught(body: str, position: int, replacement: str) -> None:
    code = make_uscc(body)
    if code[position] == replacement:
        return
    mutated = code[:position] + replacement + code[position + 1 :]
    with pytest.raises(InvalidCreditCode, match="wrong check character"):
        validate_uscc(mutated)


@given(bodies, st.integers(min_value=0, max_value=16))
def test_swapping_neighbours_is_caught(body: str, position: int) -> None:
    code = make_uscc(body)
    a, b = code[position], code[position + 1]
    if a == b:
        return
    swapped = code[:position] + b + a + code[position + 2 :]
    with pytest.raises(InvalidCreditCode):
        validate_uscc(swapped)
