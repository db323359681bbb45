"""The obligations job's next check day (asked on every commit of a contract in force) is the earliest reminder day
or day after a due date later than the last day the job ran for — computed without building the schedule, so it
is checked here against the schedule itself over many terms, amendments and run days."""

from __future__ import annotations

import copy
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.amendments import TermsVersion
from chalicelib.domain.calendar import add_days
from chalicelib.domain.contract import Contract
from chalicelib.domain.obligation_terms import Obligation
from chalicelib.domain.obligations import next_check_on, periods, schedule
from tests.unit.conftest import Office

OBLIGATIONS = st.lists(
    st.builds(
        Obligation,
        key=st.sampled_from(["a", "b", "c"]),
        party=st.sampled_from(["client", "vendor"]),
        title=st.just("t"),
        clause=st.just("1"),
        period=st.sampled_from(["month", "quarter", "year", "once"]),
        due_days_after=st.integers(0, 40),
        kind=st.just("report"),
    ),
    min_size=1,
    max_size=3,
    unique_by=lambda o: o.key,
)


def by_schedule(c: Contract) -> date | None:
    """The definition: every scheduled period's reminder day and day after its due date, the earliest one later
    than the last run."""
    after = c.obligations_checked_on
    days = [d for s in schedule(c) for d in (s.period.reminder_on, add_days(s.period.due_on, 1))]
    later = [d for d in days if after is None or d > after]
    return min(later) if later else None


_ACTIVE: list[Contract] = []


def active_contract() -> Contract:
    if not _ACTIVE:
        office = Office()
        _ACTIVE.append(office.contract(office.activate()))
    return copy.deepcopy(_ACTIVE[0])


@settings(max_examples=300, deadline=None)
@given(
    effective=st.dates(date(2024, 1, 1), date(2030, 12, 31)),
    years=st.integers(1, 4),
    first=OBLIGATIONS,
    second=st.none() | st.tuples(st.integers(1, 1500), OBLIGATIONS),
    closed_after=st.none() | st.integers(0, 1500),
    checked_after=st.none() | st.integers(-30, 1600),
)
def test_next_check_day_is_the_schedules_earliest_later_day(
    effective: date,
    years: int,
    first: list[Obligation],
    second: tuple[int, list[Obligation]] | None,
    closed_after: int | None,
    checked_after: int | None,
) -> None:
    c = active_contract()
    base = c.terms_versions[0].terms
    c.effective_date = effective
    c.terms_versions = [TermsVersion(1, base.with_changes(term_years=years, obligations=tuple(first)), None, None, "")]
    if second is not None:
        days, obligations = second
        terms = base.with_changes(term_years=years, obligations=tuple(obligations))
        c.terms_versions.append(TermsVersion(2, terms, effective + timedelta(days=days), 1, ""))
    if closed_after is not None:
        c.status, c.closed_on = "terminated", effective + timedelta(days=closed_after)
    c.obligations_checked_on = None if checked_after is None else effective + timedelta(days=checked_after)
    assert next_check_on(c) == by_schedule(c)


def test_a_one_day_last_period_can_come_due_before_the_previous_periods_day_after() -> None:
    # Given a term ending on the 1st: its last monthly period is one day long, due a day after the one before
    ob = Obligation("r", "vendor", "t", "1", "month", 10, "report")
    ps = periods(ob, date(2026, 11, 22), date(2027, 2, 1))
    assert [p.due_on for p in ps[-2:]] == [date(2027, 2, 10), date(2027, 2, 11)]
    # Then its reminder day (2-06) is earlier than the day after the previous due date (2-11), and the walk, which
    # stops on reminder days only, still finds it
    c = active_contract()
    terms = c.terms_versions[0].terms.with_changes(obligations=(ob,))
    c.terms_versions = [TermsVersion(1, terms, None, None, "")]
    c.closed_on, c.status = date(2027, 2, 2), "terminated"
    c.obligations_checked_on = date(2027, 2, 5)
    assert next_check_on(c) == by_schedule(c) == date(2027, 2, 6)


def test_periods_are_shared_not_recomputed() -> None:
    ob = Obligation("r", "vendor", "t", "1", "month", 10, "report")
    one, two = periods(ob, date(2026, 11, 22), date(2029, 11, 21)), periods(ob, date(2026, 11, 22), date(2029, 11, 21))
    assert one == two and one is not two  # equal lists, each the caller's own to change
    assert all(a is b for a, b in zip(one, two, strict=True))  # of the same (frozen) periods
