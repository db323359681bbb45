"""Small factories of test data. The seed contract's draft body is the sample in events/api/, shared with the
bench and local invokes through devstack.samples."""

from __future__ import annotations

from devstack.samples import contract_body as contract_body

__all__ = ["contract_body"]
