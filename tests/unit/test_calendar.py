from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.calendar import (
    SHANGHAI,
    InvalidDate,
    add_days,
    add_years,
    contract_year_of,
    contract_year_period,
    contract_year_start,
    iso_utc,
    parse_date,
    term_end,
    today_shanghai,
    utc_now,
)

D = date.fromisoformat
LEAP_DAY = D("2024-02-29")


@pytest.mark.parametrize(
    ("start", "years", "expected"),
    [
        ("2024-02-29", 1, "2025-02-28"),
        ("2024-02-29", 2, "2026-02-28"),
        ("2024-02-29", 3, "2027-02-28"),
        ("2024-02-29", 4, "2028-02-29"),
        ("2024-02-29", 5, "2029-02-28"),
        ("2024-02-29", -1, "2023-02-28"),
        ("2024-02-29", -4, "2020-02-29"),
        ("2024-02-29", 76, "2100-02-28"),  # 2100 is not leap
        ("1996-02-29", 4, "2000-02-29"),  # 2000 is
        ("2024-02-29", 0, "2024-02-29"),
        ("2023-02-28", 1, "2024-02-28"),
        ("2023-03-01", 1, "2024-03-01"),
        ("2025-12-31", 1, "2026-12-31"),
        ("2026-01-01", 3, "2029-01-01"),
    ],
)
def test_add_years(start: str, years: int, expected: str) -> None:
    assert add_years(D(start), years) == D(expected)


def test_add_years_out_of_range_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        add_years(D("9999-01-01"), 1)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2024-02-28", 1, "2024-02-29"),
        ("2024-03-01", -1, "2024-02-29"),
        ("2025-02-28", 1, "2025-03-01"),
        ("2025-12-31", 1, "2026-01-01"),
        ("2026-01-01", 0, "2026-01-01"),
        ("2026-01-01", 365, "2027-01-01"),
    ],
)
def test_add_days(start: str, n: int, expected: str) -> None:
    assert add_days(D(start), n) == D(expected)


# --- contract years -------------------------------------------------------------------------------------

# Effective 29 Feb 2024: (k, first day, last day) of each contract year.
LEAP_YEARS = [
    (1, "2024-02-29", "2025-02-27"),
    (2, "2025-02-28", "2026-02-27"),
    (3, "2026-02-28", "2027-02-27"),
    (4, "2027-02-28", "2028-02-28"),  # 367 days: year 5 starts back on the 29th
    (5, "2028-02-29", "2029-02-27"),
]


@pytest.mark.parametrize(("k", "first", "last"), LEAP_YEARS)
def test_contract_years_from_a_leap_day(k: int, first: str, last: str) -> None:
    assert contract_year_start(LEAP_DAY, k) == D(first)
    assert contract_year_period(LEAP_DAY, k) == (D(first), D(last))
    assert term_end(LEAP_DAY, k) == D(last)
    assert contract_year_of(LEAP_DAY, D(first)) == k
    assert contract_year_of(LEAP_DAY, D(last)) == k
    assert contract_year_of(LEAP_DAY, add_days(D(last), 1)) == k + 1


@pytest.mark.parametrize(
    ("effective", "years", "end"),
    [
        ("2024-02-29", 1, "2025-02-27"),
        ("2024-02-29", 4, "2028-02-28"),
        ("2026-01-01", 1, "2026-12-31"),
        ("2026-01-01", 3, "2028-12-31"),
        ("2025-07-15", 1, "2026-07-14"),
        ("2025-03-01", 1, "2026-02-28"),
        ("2027-03-01", 1, "2028-02-29"),
        ("2023-02-28", 1, "2024-02-27"),
    ],
)
def test_term_end(effective: str, years: int, end: str) -> None:
    assert term_end(D(effective), years) == D(end)


@pytest.mark.parametrize("years", [0, -1])
def test_term_end_needs_at_least_one_year(years: int) -> None:
    with pytest.raises(ValueError):
        term_end(D("2026-01-01"), years)


@pytest.mark.parametrize("k", [0, -1])
def test_contract_years_are_one_based(k: int) -> None:
    with pytest.raises(ValueError):
        contract_year_start(D("2026-01-01"), k)
    with pytest.raises(ValueError):
        contract_year_period(D("2026-01-01"), k)


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        ("2000-01-01", None),
        ("2025-07-14", None),
        ("2025-07-15", 1),
        ("2025-12-31", 1),
        ("2026-07-14", 1),
        ("2026-07-15", 2),
        ("2027-07-14", 2),
        ("2027-07-15", 3),
        ("2035-07-14", 10),
        ("2035-07-15", 11),
    ],
)
def test_contract_year_of(on: str, expected: int | None) -> None:
    assert contract_year_of(D("2025-07-15"), D(on)) == expected


@pytest.mark.parametrize(
    ("on", "expected"),
    [("2024-02-28", None), ("2025-02-27", 1), ("2025-02-28", 2), ("2028-02-28", 4), ("2028-02-29", 5)],
)
def test_contract_year_of_from_a_leap_day(on: str, expected: int | None) -> None:
    assert contract_year_of(LEAP_DAY, D(on)) == expected


# --- Shanghai day, UTC timestamps -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (datetime(2026, 11, 21, 23, 30, tzinfo=UTC), "2026-11-22"),  # 07:30 next morning in Shanghai
        (datetime(2026, 11, 21, 15, 59, 59, 999999, tzinfo=UTC), "2026-11-21"),
        (datetime(2026, 11, 21, 16, 0, tzinfo=UTC), "2026-11-22"),
        (datetime(2026, 12, 31, 16, 0, tzinfo=UTC), "2027-01-01"),
        (datetime(2026, 11, 22, 0, 30, tzinfo=timezone(timedelta(hours=-5))), "2026-11-22"),  # 05:30 UTC
        (datetime(2026, 11, 22, 7, 30, tzinfo=SHANGHAI), "2026-11-22"),
    ],
)
def test_today_shanghai(instant: datetime, expected: str) -> None:
    assert today_shanghai(instant) == D(expected)


def test_today_shanghai_defaults_to_now() -> None:
    before = datetime.now(SHANGHAI).date()
    today = today_shanghai()
    after = datetime.now(SHANGHAI).date()
    assert today in (before, after)


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2026, 11, 21, 23, 30)
    with pytest.raises(ValueError, match="naive"):
        today_shanghai(naive)
    with pytest.raises(ValueError, match="naive"):
        iso_utc(naive)


def test_utc_now_is_aware_utc() -> None:
    now = utc_now()
    assert now.utcoffset() == timedelta(0)
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (datetime(2026, 11, 22, 3, 4, 5, tzinfo=UTC), "2026-11-22T03:04:05Z"),
        (datetime(2026, 11, 22, 3, 4, 5, 999999, tzinfo=UTC), "2026-11-22T03:04:05Z"),  # dropped, not rounded
        (datetime(2026, 11, 22, 11, 4, 5, tzinfo=SHANGHAI), "2026-11-22T03:04:05Z"),
        (datetime(2026, 11, 22, 7, 30, tzinfo=SHANGHAI), "2026-11-21T23:30:00Z"),
        (datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=-5))), "2026-01-01T05:00:00Z"),
    ],
)
def test_iso_utc(instant: datetime, expected: str) -> None:
    assert iso_utc(instant) == expected


# --- parse_date -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2026-01-05", "2024-02-29", "2000-02-29", "0001-01-01", "9999-12-31", "2026-12-31"])
def test_parse_date_accepts(value: str) -> None:
    assert parse_date(value) == D(value)


@pytest.mark.parametrize(
    "value",
    [
        "2027-02-30",
        "2023-02-29",
        "1900-02-29",
        "2026-13-01",
        "2026-00-10",
        "2026-01-00",
        "0000-01-01",
        "2026-1-5",
        "2026-01-5",
        "26-01-05",
        "",
        "20260105",  # date.fromisoformat accepts this on 3.11
        "2026-W01-1",  # and this
        " 2026-01-05",
        "2026-01-05 ",
        "2026-01-05\n",
        "2026-01-05T00:00:00",
        "2026/01/05",
        "２０２６-01-05",  # fullwidth digits
        "+2026-01-05",
        None,
        20260105,
        date(2026, 1, 5),
        b"2026-01-05",
    ],
)
def test_parse_date_rejects(value: object) -> None:
    with pytest.raises(InvalidDate) as info:
        parse_date(value)  # type: ignore[arg-type]
    assert isinstance(info.value, ValueError)
    assert info.value.value is value


# --- properties -----------------------------------------------------------------------------------------

dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
leapish_dates = st.one_of(dates, st.sampled_from([LEAP_DAY, D("2000-02-29"), D("2096-02-29")]))


@given(leapish_dates, st.integers(min_value=-100, max_value=100))
def test_add_years_keeps_month_and_day_or_falls_back_one_day(d: date, years: int) -> None:
    result = add_years(d, years)
    assert (result.year, result.month) == (d.year + years, d.month)
    if result.day != d.day:
        assert (d.month, d.day, result.day) == (2, 29, 28)
        with pytest.raises(ValueError):
            date(d.year + years, 2, 29)  # only when the target year has no 29 Feb


@given(leapish_dates, st.integers(min_value=1, max_value=60))
def test_contract_years_tile_the_calendar(effective: date, k: int) -> None:
    first, last = contract_year_period(effective, k)
    next_first, _ = contract_year_period(effective, k + 1)
    assert first <= last and add_days(last, 1) == next_first
    assert 365 <= (next_first - first).days <= 367
    assert term_end(effective, k) == last
    assert contract_year_of(effective, first) == k
    assert contract_year_of(effective, last) == k
    assert contract_year_of(effective, add_days(first, -1)) == (k - 1 if k > 1 else None)


@given(leapish_dates, st.integers(min_value=-400, max_value=20000))
def test_contract_year_of_lands_inside_its_period(effective: date, offset: int) -> None:
    on = add_days(effective, offset)
    k = contract_year_of(effective, on)
    if offset < 0:
        assert k is None
        return
    assert k is not None
    first, last = contract_year_period(effective, k)
    assert first <= on <= last


# Shanghai has kept UTC+8 without DST since 1991.
@given(st.datetimes(min_value=datetime(1992, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)))
def test_shanghai_day_is_utc_plus_eight(instant: datetime) -> None:
    assert today_shanghai(instant) == (instant + timedelta(hours=8)).date()


@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)))
def test_iso_utc_round_trips_to_the_second(instant: datetime) -> None:
    text = iso_utc(instant)
    assert len(text) == 20 and text.endswith("Z")
    assert datetime.fromisoformat(text) == instant.replace(microsecond=0)


@given(st.dates())
def test_parse_date_round_trips(d: date) -> None:
    assert parse_date(d.isoformat()) == d
