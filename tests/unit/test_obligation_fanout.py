"""The daily obligations job fans out over the OBLIGATION_DUE#<n> shards like invoicing, overdue and the lifecycle
sweep (services/shard_jobs.py): the fanned-out run does what the whole-table run does, once."""

from __future__ import annotations

from datetime import date

from chalicelib.services import obligation_job
from chalicelib.services.fanout import Budget, run_all
from tests.unit.conftest import Office, shanghai

DAY = date(2026, 12, 6)


def _events(office: Office, cid: str) -> list[tuple[str, str, str]]:
    found = office.repo.events("ObligationOverdue", cid) + office.repo.events("ObligationReminder", cid)
    return sorted((e.type, e.payload["key"], e.payload["period"]) for e in found)


def test_the_fanned_out_run_matches_the_whole_run(office: Office) -> None:
    # Given six contracts with the template's obligations, spread over the shards, and one more on its own office
    ids = [office.activate() for _ in range(6)]
    keys = {str(office.repo.raw_item(f"CONTRACT#{cid}", "DUTIES")["s1pk"]) for cid in ids}
    assert len(keys) > 1 and all(k.startswith("OBLIGATION_DUE#") for k in keys)
    alone = Office()
    single = alone.activate()
    alone.at(shanghai(DAY, 3))
    whole = obligation_job.run_obligations(alone.deps, DAY)
    assert whole["contracts_due"] == 1 and whole["overdue"] + whole["reminders"] > 0
    # When the job runs fanned out, in pages of 2 (continuations and cursors included)
    office.at(shanghai(DAY, 3))
    fanned = run_all(office.deps, "obligations", DAY, budget=lambda: Budget(max_items=2))
    # Then every contract was looked at once and got what the whole run gave the single one
    assert fanned["contracts_due"] == 6
    assert (fanned["overdue"], fanned["reminders"]) == (6 * whole["overdue"], 6 * whole["reminders"])
    for cid in ids:
        assert [e[1:] for e in _events(office, cid)] == [e[1:] for e in _events(alone, single)]
    # And a rerun (fanned out or whole) changes nothing: the schedule entries moved past the day
    before = office.repo.snapshot()
    again = run_all(office.deps, "obligations", DAY)
    assert again.get("contracts_due", 0) == 0
    assert obligation_job.run_obligations(office.deps, DAY)["contracts_due"] == 0
    assert office.repo.snapshot() == before
