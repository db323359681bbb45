"""Anchoring the audit chains (the anchor function, daily) and checking a chain against its last anchor (the
audit report). A run anchors each contract whose chain grew since its last anchor: it verifies the chain first
(and that it still matches the previous anchor), signs the head, and stores the anchor once (a deterministic key
written only if absent), so a rerun, a late run or two concurrent runs anchor nothing twice."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol

from chalicelib.domain.anchor import Anchor, anchor_message, chain_problems_against, signed_statement
from chalicelib.domain.audit import AuditEntry, verify_chain
from chalicelib.domain.calendar import SHANGHAI
from chalicelib.services.base import Deps

logger = logging.getLogger(__name__)
# A run reads the chains whose listed audit entries are at or after the start of (as_of − LOOKBACK_DAYS). Only a
# chain's first entry of each UTC day is listed (services/base.stage_events), so a chain that grew after the
# previous run on that run's day is found through the entry listed earlier that day: the window must begin no
# later than the start of the previous run's day, which it does for runs up to 30 days apart (the schedule is
# daily; `--all` covers a longer gap). The rest of the window also anchors chains a failed or missed run left.
LOOKBACK_DAYS = 31
STATUSES_PAGE = 100


class AnchorStore(Protocol):
    def latest(self, contract_id: str) -> Anchor | None: ...

    def put(self, anchor: Anchor) -> bool:
        """Stores the anchor unless one for the same contract and entry count exists; False if it did."""
        ...


class Signer(Protocol):
    key_id: str
    algorithm: str

    def sign(self, message: bytes) -> str:
        """The base64 signature of `message` (only the anchor function's role may do this)."""
        ...

    def verify(self, message: bytes, signature: str) -> bool: ...


@dataclass(frozen=True)
class Anchoring:
    store: AnchorStore
    signer: Signer


def _utc_midnight(as_of: date) -> str:
    """The instant the Shanghai day LOOKBACK_DAYS before `as_of` began, as the audit's `at` strings say it."""
    day = as_of - timedelta(days=LOOKBACK_DAYS)
    return datetime.combine(day, time(0, 0), tzinfo=SHANGHAI).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _every_contract(deps: Deps) -> Iterator[str]:
    """Every contract, through the by-status listing (the first run after anchoring is deployed: `--all`)."""
    from chalicelib.domain.contract import CONTRACT_TRANSITIONS

    for status in CONTRACT_TRANSITIONS:
        cursor = None
        while True:
            rows, cursor = deps.repo.list_contracts(status, STATUSES_PAGE, cursor)
            yield from (str(row["id"]) for row in rows)
            if cursor is None:
                break


def anchor_chains(deps: Deps, anchoring: Anchoring, as_of: date, everything: bool = False) -> dict[str, Any]:
    """Anchors every chain that grew since `as_of` − LOOKBACK_DAYS (or every chain) and is not anchored at its
    current head. A chain that no longer verifies, or no longer matches its previous anchor, is not anchored:
    it is reported (and logged as an error), and its last good anchor stays the evidence."""
    ids = _every_contract(deps) if everything else deps.repo.contracts_with_audit_since(_utc_midnight(as_of))
    result: dict[str, Any] = {"as_of": as_of.isoformat(), "checked": 0, "anchored": 0, "unchanged": 0, "broken": 0}
    broken: list[str] = []
    for contract_id in sorted(set(ids)):
        result["checked"] += 1
        outcome = anchor_one(deps, anchoring, contract_id, as_of)
        result[outcome] += 1
        if outcome == "broken":
            broken.append(contract_id)
    return {**result, "broken_contracts": broken}


def anchor_one(deps: Deps, anchoring: Anchoring, contract_id: str, as_of: date) -> str:
    """ "anchored", "unchanged" (already anchored at this head, by this run or another) or "broken" (the chain no
    longer verifies, or no longer matches its last anchor: checked on every run that looks at the contract)."""
    contract = deps.repo.get_contract(contract_id)
    previous = anchoring.store.latest(contract_id)
    entries = deps.repo.get_audit(contract_id)
    problems = verify_chain(entries, contract.audit_seq, contract.audit_head)
    if previous is not None:
        valid = anchoring.signer.verify(previous.message.encode(), previous.signature)
        problems += chain_problems_against(previous, valid, contract_id, entries)
    if problems:
        logger.error("audit chain of %s does not verify; not anchored: %s", contract_id, [p.problem for p in problems])
        return "broken"
    said = signed_statement(previous) if previous else None
    if said is not None and said["entries"] >= contract.audit_seq:
        return "unchanged"
    at = deps.now_iso()
    message = anchor_message(contract_id, contract.audit_seq, contract.audit_head, as_of.isoformat(), at)
    anchor = Anchor(
        contract_id=contract_id,
        entries=contract.audit_seq,
        head=contract.audit_head,
        as_of=as_of.isoformat(),
        at=at,
        key_id=anchoring.signer.key_id,
        algorithm=anchoring.signer.algorithm,
        signature=anchoring.signer.sign(message.encode()),
        message=message,
    )
    return "anchored" if anchoring.store.put(anchor) else "unchanged"


def anchor_report(anchoring: Anchoring | None, contract_id: str, entries: list[AuditEntry]) -> dict[str, Any]:
    """The audit report's `anchored` part and its problems: the last anchor, and whether the chain up to the
    anchored entry still hashes to the signed head."""
    if anchoring is None:
        return {"anchored": None, "anchoring": "not configured", "problems": []}
    anchor = anchoring.store.latest(contract_id)
    if anchor is None:
        return {"anchored": None, "anchoring": "not anchored yet (the anchor function runs daily)", "problems": []}
    valid = anchoring.signer.verify(anchor.message.encode(), anchor.signature)
    problems = chain_problems_against(anchor, valid, contract_id, entries)
    said = signed_statement(anchor) or {}
    anchored = {
        "at": said.get("at", anchor.at),
        "as_of": said.get("as_of", anchor.as_of),
        "head": said.get("head", anchor.head),
        "entries": said.get("entries", anchor.entries),
        "key_id": anchor.key_id,
        "signature_valid": valid,
        "matches": not problems,
    }
    pending = max(0, len(entries) - int(anchored["entries"] or 0))
    return {
        "anchored": anchored,
        "anchoring": f"{pending} newer entries are not anchored yet" if pending else "up to date",
        "problems": [p.to_dict() for p in problems],
    }
