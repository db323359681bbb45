"""A small driver for integration stories: the API (Chalice test client), the workers, the stream, a clock."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from chalicelib.bootstrap import get_deps
from tests.clocks import FixedClock
from tests.factories import contract_body
from tests.support import deliver, signing_link, token_of


class World:
    def __init__(self, api: Any, keys: dict[str, str], aws: dict[str, Any], today: date) -> None:
        self.api = api
        self.keys = keys
        self.aws = aws
        self.clock = FixedClock(datetime(today.year, today.month, today.day, 4, 0, tzinfo=UTC))
        get_deps().clock = self.clock

    @property
    def today(self) -> date:
        return (self.clock.now() + timedelta(hours=8)).date()

    def travel(self, to: date) -> None:
        self.clock.set(datetime(to.year, to.month, to.day, 4, 0, tzinfo=UTC))

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        role: str | None = "operator",
        headers: dict[str, str] | None = None,
    ) -> Any:
        h = {"Content-Type": "application/json", **(headers or {})}
        if role:
            h["Authorization"] = f"Bearer {self.keys[role]}"
        kwargs: dict[str, Any] = {"headers": h}
        if body is not None:
            kwargs["body"] = json.dumps(body)
        return getattr(self.api.http, method.lower())(path, **kwargs)

    def ok(
        self, method: str, path: str, body: Any = None, role: str | None = "operator", status: int = 200, **kw: Any
    ) -> Any:
        resp = self.call(method, path, body, role, **kw)
        assert resp.status_code == status, (resp.status_code, resp.body)
        return resp.json_body

    def deliver(self) -> int:
        return deliver(self.aws)

    def draft(self, **terms: Any) -> str:
        return str(self.ok("POST", "/contracts", contract_body(**terms), status=201)["id"])

    def sign_both(self, contract_id: str) -> None:
        self.ok("POST", f"/contracts/{contract_id}/send")
        self.deliver()
        for who in ("client@example.com", "vendor@example.com"):
            token = token_of(signing_link(who))
            self.ok("POST", f"/sign/{token}", {"signer_name": "张伟", "consent": True}, role=None, status=201)
        self.deliver()

    def active_contract(self, **terms: Any) -> str:
        cid = self.draft(**terms)
        self.sign_both(cid)
        return cid

    def run(self, worker: str, as_of: date) -> dict[str, Any]:
        import importlib

        self.travel(as_of)
        result: dict[str, Any] = importlib.import_module(f"functions.{worker}").run(as_of)
        self.deliver()
        return result

    def invoices(self, contract_id: str, as_of: date | None = None) -> list[dict[str, Any]]:
        q = f"?as_of={as_of.isoformat()}" if as_of else ""
        return list(self.ok("GET", f"/contracts/{contract_id}/invoices{q}", role="finance")["items"])

    def contract(self, contract_id: str) -> dict[str, Any]:
        return dict(self.ok("GET", f"/contracts/{contract_id}"))
