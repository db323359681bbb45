"""Request bodies of signer verification: POST /sign/{token}/code takes no fields (an empty body or `{}`)."""

from __future__ import annotations

from typing import ClassVar

from chalicelib.api.body import RequestBody


class CodeRequest(RequestBody):
    """Send me a one-time code: to the link's signer by email (and SMS where configured)."""

    body_required: ClassVar[bool] = False

    def command(self) -> None:
        return None
