"""Domain errors: classes that carry data, mapped to HTTP in one place (chalicelib/api_errors.py)."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    code = "domain_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(DomainError):
    """Input that breaks a rule; `field` is the dotted path of the offending field."""

    code = "validation_error"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class NotFound(DomainError):
    """Nothing under that key; `field` names the request field that asked for it, when one did (e.g. `part`)."""

    code = "not_found"

    def __init__(self, entity: str, key: str, field: str | None = None) -> None:
        super().__init__(f"{entity} {key} not found")
        self.entity = entity
        self.key = key
        self.field = field


class IllegalTransition(DomainError):
    """A state change the state machine does not allow; nothing was changed."""

    code = "illegal_transition"

    def __init__(self, entity: str, entity_id: str, frm: str, to: str, why: str = "") -> None:
        detail = f" ({why})" if why else ""
        super().__init__(f"{entity} {entity_id} cannot go from {frm} to {to}{detail}")
        self.entity = entity
        self.entity_id = entity_id
        self.frm = frm
        self.to = to


class Conflict(DomainError):
    """The request contradicts existing state (duplicate voucher, pending amendment, ...)."""

    code = "conflict"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ConcurrentUpdate(DomainError):
    """Another writer changed the item first; the caller may reload and retry."""

    code = "concurrent_update"

    def __init__(self, entity: str, key: str) -> None:
        super().__init__(f"{entity} {key} was changed concurrently; retry")
        self.entity = entity
        self.key = key


class AlreadyExists(DomainError):
    """A deterministic key (invoice contract#year, alert invoice#level, voucher) is taken."""

    code = "already_exists"

    def __init__(self, entity: str, key: str) -> None:
        super().__init__(f"{entity} {key} already exists")
        self.entity = entity
        self.key = key


class TokenRejected(DomainError):
    """A signing link that is unknown, used, revoked, expired or for another document."""

    code = "token_rejected"

    def __init__(self, reason: str, status: int = 404) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class Unavailable(DomainError):
    """A dependency is throttling or briefly unavailable after the client's own retries; retry later."""

    code = "unavailable"
