"""The state machines of the contract and of a supplementary agreement: which status may follow which."""

from __future__ import annotations

from chalicelib.domain.errors import IllegalTransition

CONTRACT_TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"awaiting_signatures", "voided"}),
    "awaiting_signatures": frozenset({"active", "declined", "voided"}),
    "active": frozenset({"terminating", "expired"}),
    "terminating": frozenset({"active", "terminated", "expired"}),
    "terminated": frozenset(),
    "expired": frozenset(),
    "declined": frozenset(),
    "voided": frozenset(),
}
AMENDMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"awaiting_signatures", "voided"}),
    "awaiting_signatures": frozenset({"effective", "declined", "voided"}),
    "effective": frozenset(),
    "declined": frozenset(),
    "voided": frozenset(),
}


def check_transition(
    table: dict[str, frozenset[str]], entity: str, entity_id: str, frm: str, to: str, why: str = ""
) -> None:
    """Refuse (IllegalTransition) a move the table does not allow; nothing is changed."""
    if to not in table.get(frm, frozenset()):
        raise IllegalTransition(entity, entity_id, frm, to, why)
