"""Small factories of test data. The seed contract's draft body is the sample in events/api/, shared with the
bench and local invokes through devstack.samples."""

from __future__ import annotations

from typing import Any

from devstack.samples import contract_body as contract_body

__all__ = ["command", "contract_body"]


def command(model: type[Any], body: Any) -> Any:
    """A request body parsed as the API does (`model` from chalicelib.api.requests) into its service command."""
    from chalicelib.api.body import parse

    return parse(model, body).command()
