"""The body of a delivery's correction or withdrawal (POST /contracts/{id}/obligations/{key}/deliveries/{period}/
corrections), declared like every other body: shape and limits here, the domain's rules in `command()` and the
service (the same rules as a delivery's)."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from chalicelib.api.body import IsoDate, RequestBody, text
from chalicelib.api.money_requests import real_date
from chalicelib.api.obligation_requests import MAX_NOTE, KpisBody
from chalicelib.api.requests import MAX_REASON
from chalicelib.domain.errors import ValidationError
from chalicelib.services.obligation_commands import CorrectDelivery

CHANGES = ("delivered_on", "note", "kpis")


class CorrectDeliveryRequest(RequestBody):
    """Give the values to correct (the others stay as recorded; an empty note clears it), or `withdrawn: true`
    alone. `reason` is required either way."""

    reason: Annotated[str, Meta(min_length=1, max_length=MAX_REASON, description="why the recorded delivery is wrong")]
    withdrawn: (
        Annotated[bool, Meta(description="true: the delivery did not happen; nothing else may be given")] | None
    ) = None
    delivered_on: IsoDate | None = None
    note: Annotated[str, Meta(max_length=MAX_NOTE)] | None = None
    kpis: KpisBody | None = None

    def command(self) -> CorrectDelivery:
        reason = text(self.reason, "reason", MAX_REASON, multiline=True)
        if self.withdrawn is not None:
            if not self.withdrawn:
                raise ValidationError("withdrawn", "must be true to withdraw the delivery (leave it out to correct it)")
            for name in CHANGES:
                if getattr(self, name) is not None:
                    raise ValidationError(name, "cannot be given with withdrawn: a withdrawal changes nothing else")
            return CorrectDelivery(reason=reason, withdrawn=True)
        if all(getattr(self, name) is None for name in CHANGES):
            raise ValidationError("body", "give what to correct (delivered_on, note, kpis), or withdrawn: true")
        note = None
        if self.note is not None:
            note = text(self.note, "note", MAX_NOTE, multiline=True) if self.note.strip() else ""
        return CorrectDelivery(
            reason=reason,
            delivered_on=None if self.delivered_on is None else real_date(self.delivered_on, "delivered_on"),
            note=note,
            kpis=None if self.kpis is None else self.kpis.command(),
        )
