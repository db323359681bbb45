"""Request bodies of signer verification: POST /sign/{token}/code takes no fields (an empty body or `{}`)."""

from __future__ import annotations

from typing import ClassVar

from chalicelib.api.body import RequestBody

# How the operation table (operations.py) describes the refusals of codes, by status.
CODE_ERRORS = {
    "422": "wrong, expired or not requested code (error.tries_left: tries left on this link)",
    "423": "the link is locked after 5 wrong codes until the operator resends it",
}
CODE_REQUEST_ERRORS = {
    "400": "invalid field",
    "409": "not awaiting signatures, not this party's turn, or no code needed",
    "423": CODE_ERRORS["423"],
    "429": "a code was sent less than a minute ago (Retry-After)",
    "503": "the code could not be sent; ask again later",
}


class CodeRequest(RequestBody):
    """Send me a one-time code: to the link's signer by email (and SMS where configured)."""

    body_required: ClassVar[bool] = False

    def command(self) -> None:
        return None
