"""Incidents (危机事件): reported by the operator for the vendor, the client and the operator emailed at once
(IncidentReported), then moved forward to plan and resolved with progress notes between."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.errors import Conflict, NotFound, ValidationError
from chalicelib.domain.incidents import Incident, parse_instant
from chalicelib.domain.obligation_events import IncidentReported, IncidentUpdated
from chalicelib.domain.obligations import IN_FORCE
from chalicelib.services import obligation_store as store
from chalicelib.services.base import Deps
from chalicelib.services.obligation_commands import ReportIncident, UpdateIncident
from chalicelib.services.unit_of_work import UnitOfWork, run


def incident_response(i: Incident) -> dict[str, Any]:
    return {
        "no": i.no,
        "occurred_at": i.occurred_at,
        "reported_at": i.reported_at,
        "severity": i.severity,
        "summary": i.summary,
        "status": i.status,
        "report_delay_hours": format(i.report_delay_hours, "f"),
        "incident_report_hours": i.report_hours_allowed,
        "reported_late": i.reported_late,
        "plan_at": i.at_stage("plan"),
        "resolved_at": i.at_stage("resolved"),
        "updates": [{"stage": u.stage, "at": u.at, "note": u.note} for u in i.updates],
        "recorded_by": i.recorded_by,
    }


def report_incident(deps: Deps, contract_id: str, cmd: ReportIncident, actor: str) -> dict[str, Any]:
    now = deps.clock.now()
    occurred = parse_instant(cmd.occurred_at, "occurred_at", now)  # both in Asia/Shanghai
    reported = parse_instant(cmd.reported_at, "reported_at", now)
    if reported < occurred:
        raise ValidationError("reported_at", "must not be before occurred_at")

    def attempt(uow: UnitOfWork) -> dict[str, Any]:
        contract = uow.contract(contract_id)
        if contract.status not in IN_FORCE or contract.status in ("terminated", "expired"):
            raise Conflict(f"contract {contract.contract_no} is not in force (status {contract.status})")
        recorded = store.load_incidents(deps.repo, contract_id)
        same = next((i for i in recorded if i.is_report(occurred, reported, cmd.severity, cmd.summary)), None)
        if same is not None:  # a retried report: the same incident, nothing written or sent again
            return {"contract_id": contract_id, **incident_response(same)}
        contract.incident_count += 1
        incident = Incident(
            no=contract.incident_count,
            occurred_at=occurred.isoformat(),
            reported_at=reported.isoformat(),
            severity=cmd.severity,
            summary=cmd.summary,
            # the duty to report arose when it occurred: the terms in force on that Shanghai day govern it
            report_hours_allowed=contract.terms_on(occurred.date()).incident_report_hours,
            recorded_by=actor,
        )
        uow.raise_event(
            IncidentReported(
                no=incident.no,
                occurred_at=incident.occurred_at,
                reported_at=incident.reported_at,
                severity=incident.severity,
                summary=incident.summary,
                report_delay_hours=incident.report_delay_hours,
                report_hours_allowed=incident.report_hours_allowed,
                reported_late=incident.reported_late,
            )
        )
        uow.staged.items.append(store.incident_item(contract_id, incident, new=True))
        uow.commit()
        return {"contract_id": contract_id, **incident_response(incident)}

    return run(deps, actor, attempt)


def update_incident(deps: Deps, contract_id: str, no: int, cmd: UpdateIncident, actor: str) -> dict[str, Any]:
    at = parse_instant(cmd.at, "at", deps.clock.now())

    def attempt(uow: UnitOfWork) -> dict[str, Any]:
        uow.contract(contract_id)
        incident = store.load_incident(deps.repo, contract_id, no)
        if incident is None:
            raise NotFound("incident", f"{contract_id}/{no}")
        if incident.repeats_last_update(cmd.stage, at, cmd.note):
            return {"contract_id": contract_id, **incident_response(incident)}  # a retried update
        updated = incident.update(cmd.stage, at, cmd.note)
        uow.raise_event(
            IncidentUpdated(no=no, stage=cmd.stage, at=at.isoformat(), note=cmd.note, status=updated.status)
        )
        uow.staged.items.append(store.incident_item(contract_id, updated, new=False))
        uow.commit()
        return {"contract_id": contract_id, **incident_response(updated)}

    return run(deps, actor, attempt)


def list_incidents(deps: Deps, contract_id: str) -> dict[str, Any]:
    deps.repo.get_contract(contract_id)
    items = store.load_incidents(deps.repo, contract_id)
    return {"contract_id": contract_id, "items": [incident_response(i) for i in items]}
