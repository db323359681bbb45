"""Anchoring the audit on the in-memory repository: which chains a run anchors, that it anchors each head once,
that it refuses to anchor a chain that no longer verifies, and what the audit report says. The signer here is an
HMAC stand-in for the KMS key (the real key on moto is in tests/integration/test_anchor.py)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field, replace
from datetime import date

from chalicelib.domain.anchor import Anchor
from chalicelib.domain.audit import AuditEntry, canonical_json
from chalicelib.services.anchoring import Anchoring, anchor_chains, anchor_report
from chalicelib.services.contracts import audit_report
from tests.stored_items import store_body, stored_body
from tests.unit.conftest import Office


@dataclass
class FakeAnchorStore:
    items: dict[tuple[str, int], Anchor] = field(default_factory=dict)

    def latest(self, contract_id: str) -> Anchor | None:
        mine = [a for (cid, _), a in sorted(self.items.items()) if cid == contract_id]
        return mine[-1] if mine else None

    def put(self, anchor: Anchor) -> bool:
        key = (anchor.contract_id, anchor.entries)
        if key in self.items:
            return False
        self.items[key] = anchor
        return True


class FakeSigner:
    key_id, algorithm = "fake-key", "HMAC_SHA_256"

    def __init__(self, secret: bytes = b"anchor-key") -> None:
        self._secret = secret
        self.signed = 0

    def sign(self, message: bytes) -> str:
        self.signed += 1
        return base64.b64encode(hmac.new(self._secret, message, hashlib.sha256).digest()).decode()

    def verify(self, message: bytes, signature: str) -> bool:
        expected = base64.b64encode(hmac.new(self._secret, message, hashlib.sha256).digest()).decode()
        return hmac.compare_digest(expected, signature)


def _anchoring() -> Anchoring:
    return Anchoring(FakeAnchorStore(), FakeSigner())


def test_a_run_anchors_the_chains_that_grew_and_a_rerun_signs_nothing() -> None:
    office, anchoring = Office(), _anchoring()
    cid = office.activate()

    first = anchor_chains(office.deps, anchoring, date(2026, 11, 22))
    again = anchor_chains(office.deps, anchoring, date(2026, 11, 22))

    assert (first["anchored"], again["anchored"], again["unchanged"]) == (1, 0, 1)
    signer = anchoring.signer
    assert isinstance(signer, FakeSigner) and signer.signed == 1
    stored = anchoring.store.latest(cid)
    assert stored is not None and stored.entries == office.contract(cid).audit_seq
    assert json.loads(stored.message)["head"] == office.contract(cid).audit_head


def test_chains_untouched_for_longer_than_the_lookback_are_not_read() -> None:
    office, anchoring = Office(), _anchoring()
    office.activate()
    assert anchor_chains(office.deps, anchoring, date(2027, 3, 1))["checked"] == 0
    assert anchor_chains(office.deps, anchoring, date(2027, 3, 1), everything=True)["anchored"] == 1


def _rewrite(office: Office, cid: str, seq: int) -> None:
    """A table writer changes entry `seq`'s data and recomputes it, every later entry and the contract's head."""
    pk = f"CONTRACT#{cid}"
    entries = office.repo.get_audit(cid)
    prev = entries[seq - 2].hash
    for e in entries[seq - 1 :]:
        data = {**e.data, "tampered": True} if e.seq == seq else e.data
        new = AuditEntry.make(cid, e.seq, e.at, e.actor, e.type, data, prev)
        item = office.repo.raw_item(pk, f"AUDIT#{e.seq:06d}")
        item.update(data=canonical_json(data), prev_hash=prev, hash=new.hash)
        prev = new.hash
    meta = office.repo.raw_item(pk, "META")
    body = stored_body(meta)
    body["audit_head"] = prev
    store_body(meta, body)


def test_a_rewritten_chain_fails_against_its_anchor_and_is_not_anchored_again() -> None:
    office, anchoring = Office(), _anchoring()
    cid = office.activate()
    anchor_chains(office.deps, anchoring, date(2026, 11, 22))
    assert audit_report(office.deps, cid, anchoring)["verified"] is True

    _rewrite(office, cid, 2)

    report = audit_report(office.deps, cid, anchoring)
    assert report["verified"] is False and report["anchored"]["matches"] is False
    assert [p["where"] for p in report["problems"]] == ["anchor"]
    run = anchor_chains(office.deps, anchoring, date(2026, 11, 23))
    assert (run["broken"], run["broken_contracts"], run["anchored"]) == (1, [cid], 0)


def test_an_anchor_with_a_forged_signature_or_for_another_contract_is_not_believed() -> None:
    office, anchoring = Office(), _anchoring()
    cid, other = office.activate(), office.activate()
    anchor_chains(office.deps, anchoring, date(2026, 11, 22))
    entries = office.repo.get_audit(cid)
    good = anchoring.store.latest(cid)
    assert good is not None

    forged = replace(good, signature=FakeSigner(b"someone else").sign(good.message.encode()))
    theirs = anchoring.store.latest(other)
    assert theirs is not None

    for bad in (forged, theirs):
        report = anchor_report(Anchoring(FakeAnchorStore({(cid, 1): bad}), anchoring.signer), cid, entries)
        assert report["anchored"]["matches"] is False
        assert len(report["problems"]) == 1


def test_without_anchoring_the_report_says_so() -> None:
    office = Office()
    cid = office.draft()
    report = audit_report(office.deps, cid)
    assert (report["verified"], report["anchored"], report["anchoring"]) == (True, None, "not configured")
