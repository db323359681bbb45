"""Events nobody is told of (`Event.audit_only`) enter the contract's audit chain but not the outbox: the
declaration, made on the domain event, agrees with the notifier's BUILDERS for every event type, and a commit
whose events are all audit-only writes no outbox item."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import date

import pytest

from chalicelib import domain, services
from chalicelib.domain.event_base import EVENT_TYPES, Event
from chalicelib.domain.events import AmendmentProposed, AmendmentSent, LinkSent
from chalicelib.services.base import stage_events
from chalicelib.services.ports import Changes
from tests.fakes import active_contract
from tests.unit.conftest import Office, shanghai

D = date.fromisoformat
AT = "2027-03-02T02:00:00Z"


def _every_module_loaded() -> None:
    """Every event class (domain/) and every builder registration (services/), wherever a module adds one: not
    only the modules notifications.py imports itself."""
    for package in (domain, services):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            importlib.import_module(module.name)


def test_audit_only_is_declared_for_exactly_the_events_nobody_is_told_of() -> None:
    _every_module_loaded()
    from chalicelib.services.notifications import BUILDERS

    # A builder added for an audit-only event, or a None entry for an event still published, fails here until
    # the event class says the same (`class X(Event, audit_only=True)` or not).
    disagree = {
        name: {"audit_only": cls.audit_only, "builder": BUILDERS[cls] is not None, "finance": cls.finance}
        for name, cls in EVENT_TYPES.items()
        if cls.audit_only != (BUILDERS[cls] is None and not cls.finance)
    }
    assert disagree == {}
    # (today's audit-only events, so a reader sees what the rule picks)
    assert {name for name, cls in EVENT_TYPES.items() if cls.audit_only} == {
        "ContractDrafted",
        "SignatureRecorded",
        "AmendmentProposed",
        "SigningCodeRequested",
        "SigningCodeRejected",
        "ObligationDelivered",
    }


def test_a_finance_event_cannot_be_audit_only() -> None:
    with pytest.raises(TypeError, match="finance"):

        @dataclass(frozen=True)
        class Contradiction(Event, finance=True, audit_only=True):  # pragma: no cover - refused at definition
            pass

    assert "Contradiction" not in EVENT_TYPES  # refused before it was registered


def test_the_api_side_learns_it_from_the_domain_without_loading_the_notifiers_builders() -> None:
    # staging events is the API Lambda's path: it reads the event class, never the notifier's BUILDERS
    code = "import sys, chalicelib.services.base; print('chalicelib.services.notifications' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_audit_only_events_take_their_place_in_the_chain_and_stay_out_of_the_outbox() -> None:
    # Given an active contract whose chain is at some seq
    contract = active_contract()
    seq = contract.audit_seq
    changes = Changes(contract=contract, expected_version=contract.version)
    proposed = AmendmentProposed(1, {"annual_fee": "150000.00"}, "扩容", "a" * 64)
    sent = AmendmentSent(1, "amendment:1", "b" * 64, {"client": LinkSent("t1", "c@example.com", AT)})
    # When an audit-only event and a published one are staged together
    stage_events(changes, [proposed, sent], "operator:test", AT)
    # Then both are chained, in order, and only the published one is in the outbox, under its own audit seq
    assert [(e.seq, e.type) for e in changes.audit] == [(seq + 1, "AmendmentProposed"), (seq + 2, "AmendmentSent")]
    assert changes.audit[1].prev_hash == changes.audit[0].hash and contract.audit_head == changes.audit[1].hash
    assert [(ev.event_id, ev.type, ev.payload["seq"]) for ev in changes.outbox] == [
        (f"{contract.id}-{seq + 2:06d}", "AmendmentSent", seq + 2)
    ]


def test_a_first_signature_writes_the_contract_and_its_audit_entry_and_no_outbox_item(office: Office) -> None:
    # Given a contract sent for signature
    office.at(shanghai(D("2026-11-20"), 9))
    cid = office.draft()
    tokens = office.send(cid)
    before = office.repo.snapshot()
    # When the client signs
    office.at(shanghai(D("2026-11-22"), 9))
    office.sign(tokens["client"], "李雷")
    # Then the commit wrote the contract and one audit entry: nothing for a notifier that would send nothing
    after = office.repo.snapshot()
    written = {key for key in after if key not in before or after[key] != before[key]}
    assert sorted(sk.split("#")[0] for _, sk in written) == ["AUDIT", "META"]
    assert office.event_types(cid)[-1] == "SignatureRecorded"
    assert office.told_types(cid) == ["ContractSent"]
    # And the vendor's signature, which makes it effective, writes one outbox item: ContractActivated alone
    office.at(shanghai(D("2026-11-22"), 11))
    office.sign(tokens["vendor"], "韩梅梅")
    assert office.event_types(cid)[-2:] == ["SignatureRecorded", "ContractActivated"]
    assert office.told_types(cid) == ["ContractSent", "ContractActivated"]
    outbox = [key for key in office.repo.snapshot() if key[0].startswith("OUTBOX#")]
    assert len(outbox) == 2
    [activated] = office.repo.events("ContractActivated", cid)
    assert activated.payload["seq"] == len(office.event_types(cid))
