"""Use cases of the contract itself: draft, read, list, its document and its verified audit chain."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import MISSING, asdict, fields
from typing import Any

from chalicelib.domain.actors import describe_actor
from chalicelib.domain.audit import AuditEntry, sha256_hex, verify_chain
from chalicelib.domain.contract import CONTRACT_TRANSITIONS, Contract, Signature
from chalicelib.domain.documents import document_sha256, render_contract_document
from chalicelib.domain.errors import NotFound, ValidationError
from chalicelib.services.anchoring import Anchoring, anchor_report
from chalicelib.services.base import Deps
from chalicelib.services.commands import DraftContract
from chalicelib.services.documents import contract_context
from chalicelib.services.ports import StoredDocument
from chalicelib.services.unit_of_work import UnitOfWork, run


def draft_contract(deps: Deps, command: DraftContract, actor: str) -> Contract:
    template, client, vendor, terms = command.template, command.client, command.vendor, command.terms

    def attempt(uow: UnitOfWork) -> Contract:
        contract_id = str(uuid.uuid4())
        contract_no = f"HT-{deps.today().year}-{secrets.token_hex(4).upper()}"
        html = render_contract_document(
            contract_context(template=template, contract_no=contract_no, client=client, vendor=vendor, terms=terms)
        )
        sha = document_sha256(html)
        contract, event = Contract.draft(
            contract_id=contract_id,
            contract_no=contract_no,
            template=template,
            client=client,
            vendor=vendor,
            terms=terms,
            document_sha256=sha,
            now=deps.now_iso(),
            reminder_days=deps.settings.renewal_reminder_days,
        )
        uow.create(contract)
        uow.raise_event(event)
        uow.add_document("contract", html, sha)
        uow.commit(at=contract.created_at)
        return contract

    return run(deps, actor, attempt)


def get_contract(deps: Deps, contract_id: str) -> Contract:
    return deps.repo.get_contract(contract_id)


def list_contracts(
    deps: Deps, status: str | None, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    if status is not None and status not in CONTRACT_TRANSITIONS:
        raise ValidationError("status", f"must be one of {', '.join(CONTRACT_TRANSITIONS)}")
    if not 1 <= limit <= 100:
        raise ValidationError("limit", "must be between 1 and 100")
    try:
        return deps.repo.list_contracts(status, limit, cursor)
    except ValueError:
        raise ValidationError("cursor", "is not a cursor this API returned") from None


def get_document(deps: Deps, contract_id: str, key: str = "contract") -> StoredDocument:
    deps.repo.get_contract(contract_id)
    return deps.repo.get_document(contract_id, key)


def audit_report(deps: Deps, contract_id: str, anchoring: Anchoring | None = None) -> dict[str, Any]:
    """The chain plus every cross-check that makes tampering visible: entry hashes and links, the contract's
    head, the chain against its last signed anchor, each stored document against the hash the chain froze, and
    the signatures against their entries."""
    contract = deps.repo.get_contract(contract_id)
    entries = deps.repo.get_audit(contract_id)
    frozen, signed = _what_the_chain_froze(entries)
    problems = [p.to_dict() for p in verify_chain(entries, contract.audit_seq, contract.audit_head)]
    problems += _document_problems(deps, contract_id, frozen)
    problems += _signing_problems(contract, frozen, signed)
    anchor = anchor_report(anchoring, contract_id, entries)
    problems += anchor.pop("problems")
    return {
        "contract_id": contract_id,
        "contract_no": contract.contract_no,
        "verified": not problems,
        "problems": problems,
        "head": contract.audit_head,
        **anchor,
        "entries": [{**e.to_dict(), "by": describe_actor(e.actor)} for e in entries],
    }


Signed = dict[tuple[str, str], dict[str, Any]]


_LATER_EVIDENCE = {f.name: f.default for f in fields(Signature) if f.default is not MISSING}


def _what_the_chain_froze(entries: list[AuditEntry]) -> tuple[dict[str, str], Signed]:
    """Each document's SHA-256 as the chain recorded it, and each signature's evidence by (subject, party)."""
    frozen: dict[str, str] = {}
    signed: Signed = {}
    for e in entries:
        # .get: an entry altered in the table must be reported by the checks, not crash them.
        sha = str(e.data.get("document_sha256", ""))
        if e.type == "ContractDrafted":
            frozen["contract"] = sha
        elif e.type == "AmendmentProposed":
            frozen[f"amendment:{e.data.get('amendment_no')}"] = sha
        elif e.type == "NoticeServed":
            frozen[f"notice:{e.data.get('no')}"] = sha
        elif e.type in ("ObligationOverdue", "ServiceStandardBreached"):  # 逾期履行通知书, 整改通知书
            frozen[str(e.data.get("document"))] = sha
        elif e.type == "SignatureRecorded":
            subject_party = (str(e.data.get("subject")), str(e.data.get("party")))
            # A field the evidence gained later reads as its default in an entry written before it existed.
            signed[subject_party] = {**_LATER_EVIDENCE, **{k: v for k, v in e.data.items() if k != "subject"}}
    return frozen, signed


def _problem(where: str, problem: str) -> dict[str, Any]:
    return {"seq": None, "where": where, "problem": problem}


def _document_problems(deps: Deps, contract_id: str, frozen: dict[str, str]) -> list[dict[str, Any]]:
    problems = []
    for key, sha in frozen.items():
        try:
            doc = deps.repo.get_document(contract_id, key)
        except NotFound:
            problems.append(_problem(f"document {key}", "document is missing"))
            continue
        except Exception:  # noqa: BLE001 - a stored document that cannot be read (corrupted) is itself a finding
            problems.append(_problem(f"document {key}", "stored document cannot be read"))
            continue
        if sha256_hex(doc.html) != sha or doc.sha256 != sha:
            problems.append(
                _problem(f"document {key}", "stored document does not match the SHA-256 frozen in the audit chain")
            )
    return problems


def _signing_problems(contract: Contract, frozen: dict[str, str], signed: Signed) -> list[dict[str, Any]]:
    problems = []
    subjects = [("contract", contract.signing)] + [(f"amendment:{a.no}", a.signing) for a in contract.amendments]
    for subject, sigset in subjects:
        if sigset.frozen and frozen.get(subject) not in (None, sigset.document_sha256):
            problems.append(
                _problem(
                    f"{subject} document hash", "the contract's document hash differs from the one in the audit chain"
                )
            )
        for party, sig in sigset.signatures.items():
            if signed.get((subject, party)) != asdict(sig):
                where = f"signature {subject}/{party}"
                problems.append(_problem(where, "stored signature differs from the evidence in the audit chain"))
    return problems
