"""Small factories of test data. The seed contract's draft body is the sample in events/api/, shared with the
bench and local invokes through devstack.samples."""

from __future__ import annotations

from typing import Any

from devstack import samples

__all__ = ["command", "contract_body"]


def contract_body(template: str = "outbound-call-outsourcing", **terms: Any) -> dict[str, Any]:
    """The seed contract's draft body. Signed without a one-time code unless `signer_verification` is given:
    the tests of everything else sign by link alone; tests/*/test_signer_verification*.py ask for codes."""
    terms.setdefault("signer_verification", "none")
    return samples.contract_body(template, **terms)


def command(model: type[Any], body: Any) -> Any:
    """A request body parsed as the API does (`model` from chalicelib.api.requests) into its service command."""
    from chalicelib.api.body import parse

    return parse(model, body).command()
