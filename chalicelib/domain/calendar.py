"""Calendar rules: contract years and terms counted from the effective date, and the Asia/Shanghai calendar
day that business dates are in, plus strict parsing and formatting of dates and UTC timestamps."""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, date, datetime, timedelta

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")

_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


class InvalidDate(ValueError):
    """A value that is not a real calendar date written as YYYY-MM-DD."""

    def __init__(self, value: object) -> None:
        super().__init__(f"{value!r} is not a date in the form YYYY-MM-DD")
        self.value = value


def add_years(d: date, years: int) -> date:
    """Same month and day `years` later (or earlier); 29 Feb becomes 28 Feb in a non-leap target year."""
    year = d.year + years
    if d.month == 2 and d.day == 29 and not _is_leap(year):
        return date(year, 2, 28)
    return d.replace(year=year)


def add_days(d: date, n: int) -> date:
    return d + timedelta(days=n)


def contract_year_start(effective: date, k: int) -> date:
    """First day of contract year k (1-based): effective + (k - 1) years.

    Always counted from `effective`, not from the previous year's start, so a contract effective on
    29 Feb 2024 has years starting 2025-02-28, 2026-02-28, 2027-02-28 and then 2028-02-29 again.
    """
    if k < 1:
        raise ValueError(f"contract year must be 1 or more, got {k}")
    return add_years(effective, k - 1)


def contract_year_period(effective: date, k: int) -> tuple[date, date]:
    """(first day, last day inclusive) of contract year k; the last day is the day before year k + 1 starts.

    Years are not all 365/366 days: from 29 Feb 2024, year 1 ends 2025-02-27 and year 4 ends 2028-02-28.
    """
    return contract_year_start(effective, k), add_days(contract_year_start(effective, k + 1), -1)


def term_end(effective: date, term_years: int) -> date:
    """Last day (inclusive) of a term of `term_years` years: the day before add_years(effective, term_years).

    This is the last day of contract year `term_years`. For effective 2024-02-29 and one year,
    add_years gives 2025-02-28, so the term ends 2025-02-27; the 28th is already the first day of year 2.
    """
    if term_years < 1:
        raise ValueError(f"term must be 1 year or more, got {term_years}")
    return add_days(add_years(effective, term_years), -1)


def contract_year_of(effective: date, on: date) -> int | None:
    """The contract year (1-based) that `on` falls in, or None if `on` is before `effective`."""
    if on < effective:
        return None
    # Year k starts in calendar year effective.year + k - 1, so `on` is in that k or, if before its
    # anniversary, the one before. k >= 1 because on >= effective.
    k = on.year - effective.year + 1
    if contract_year_start(effective, k) > on:
        k -= 1
    return k


def utc_now() -> datetime:
    return datetime.now(UTC)


def today_shanghai(now: datetime | None = None) -> date:
    """The Asia/Shanghai calendar date at instant `now` (default: the current time).

    23:30 UTC is already the next day in Shanghai (UTC+8). Naive datetimes raise ValueError, since
    guessing their zone is how off-by-one-day bugs start.
    """
    instant = utc_now() if now is None else _aware(now)
    return instant.astimezone(SHANGHAI).date()


def iso_utc(dt: datetime) -> str:
    """The instant in UTC as "2026-11-22T03:04:05Z": always Z, seconds precision (microseconds dropped)."""
    return _aware(dt).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def instant(iso: str) -> datetime:
    """An instant stored as iso_utc writes it ('…Z') or with any other zone, as an aware datetime."""
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def shanghai_iso(iso_utc_text: str) -> str:
    """'2026-11-22T15:59:30Z' → '2026-11-22T23:59:30+08:00': the same instant as people in China read it."""
    return instant(iso_utc_text).astimezone(SHANGHAI).isoformat()


def parse_date(value: str) -> date:
    """Parse strict YYYY-MM-DD; anything else (2026-1-5, 2027-02-30, 20260105, "", non-str) is InvalidDate.

    Stricter than date.fromisoformat, which on Python 3.11 also takes "20260105" and "2026-W01-1".
    """
    if not isinstance(value, str):
        raise InvalidDate(value)
    match = _ISO_DATE.fullmatch(value)
    if match is None:
        raise InvalidDate(value)
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise InvalidDate(value) from None


def _aware(dt: datetime) -> datetime:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"datetime {dt.isoformat()} is naive; pass a timezone-aware (UTC) datetime")
    return dt


def _is_leap(year: int) -> bool:
    # Not calendar.isleap: this module is itself named calendar, and scripts run from this directory would
    # import it instead of the stdlib.
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
