"""Helpers of the held-out security scenarios (docs/domain-rules.md "Security"): a stage with a contract in each
state a mutating route needs, a valid body for every such route, raw posts, and a fingerprint of everything the
table holds, so a test can say "refused with a 4xx naming the field, and nothing was written"."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import boto3

from tests.factories import contract_body
from tests.support import signing_link, token_of

TODAY = date(2026, 11, 22)
INCIDENT = {
    "occurred_at": "2026-11-22T09:00:00+08:00",
    "reported_at": "2026-11-22T10:00:00+08:00",
    "severity": "high",
    "summary": "外呼系统中断",
}


@dataclass
class Stage:
    """An active contract (year 1 invoiced, incident no. 1 reported), a draft, and a contract awaiting signatures
    with one-time codes (its client's link token)."""

    world: Any
    active: str
    draft: str
    awaiting: str
    token: str

    def routes(self) -> list[tuple[str, str | None, dict[str, Any]]]:
        """(path, role, a valid body) of every mutating route."""
        a, d, w, t = self.active, self.draft, self.awaiting, self.token
        kpis = {"connect_rate_pct": "96.5", "satisfaction_pct": "90", "call_quality_ok": True}
        return [
            ("/contracts", "operator", contract_body()),
            (f"/contracts/{d}/send", "operator", {"signing_order": "any"}),
            (f"/contracts/{w}/resend", "operator", {"party": "client", "subject": "contract"}),
            (f"/contracts/{w}/void", "operator", {"reason": "作废"}),
            (
                f"/contracts/{a}/amendments",
                "operator",
                {
                    "changes": {
                        "annual_fee": "150000.00",
                        "late_penalty": {"mode": "daily_pct", "rate_pct": "0.05", "cap_pct": "10"},
                        "service_standards": {"connect_rate_min_pct": "95", "satisfaction_min_pct": "85"},
                    },
                    "reason": "调价",
                },
            ),
            (
                f"/contracts/{a}/termination",
                "operator",
                {"by": "client", "reason_code": "convenience", "details": "业务调整", "notice_date": "2026-11-22"},
            ),
            (
                f"/contracts/{a}/termination/withdraw",
                "operator",
                {"reason": "继续合作", "agreed_by": ["client", "vendor"]},
            ),
            (
                f"/contracts/{a}/payments",
                "finance",
                {
                    "amount": "100.00",
                    "paid_on": "2026-11-22",
                    "voucher_no": "V-1",
                    "method": "bank_transfer",
                    "applies_to": [{"year": 1, "what": "fee"}],
                },
            ),
            (
                f"/contracts/{a}/refunds",
                "finance",
                {"amount": "1.00", "paid_on": "2026-11-22", "voucher_no": "R-1", "reason": "退款"},
            ),
            (f"/contracts/{a}/penalties/1/waive", "finance", {"amount": "1.00", "reason": "减免", "on": "2026-11-22"}),
            (f"/contracts/{a}/set-offs", "finance", {"year": 1, "amount": "1.00", "reason": "抵销", "claim": "罚金"}),
            (f"/contracts/{a}/invoices/1/void", "operator", {"reason": "开错"}),
            (
                f"/contracts/{a}/obligations/quality_kpis/deliveries",
                "operator",
                {"period": "2026-11", "delivered_on": "2026-11-22", "note": "月报", "kpis": kpis},
            ),
            (
                f"/contracts/{a}/obligations/quality_kpis/deliveries/2026-11/corrections",
                "operator",
                {"reason": "更正", "kpis": kpis},
            ),
            (f"/contracts/{a}/incidents", "operator", dict(INCIDENT)),
            (
                f"/contracts/{a}/incidents/1/updates",
                "operator",
                {"stage": "plan", "at": "2026-11-22T11:00:00+08:00", "note": "处理方案"},
            ),
            (f"/sign/{t}", None, {"signer_name": "张伟", "consent": True, "code": "123456"}),
            (f"/sign/{t}/decline", None, {"reason": "不同意", "code": "123456"}),
            (f"/sign/{t}/code", None, {}),
        ]


def stage(world: Any) -> Stage:
    active = world.active_contract()
    world.run("invoicing", TODAY)
    world.ok("POST", f"/contracts/{active}/incidents", INCIDENT, status=201)
    draft = world.draft()
    awaiting = world.draft(signer_verification="email_code")
    world.ok("POST", f"/contracts/{awaiting}/send")
    world.deliver()
    return Stage(world, active, draft, awaiting, token_of(signing_link("client@example.com")))


def fingerprint(aws: dict[str, Any]) -> str:
    """A digest of every item of the main table and the idempotency table: any write changes it."""
    db = boto3.client("dynamodb", region_name="us-east-1")
    digest = hashlib.sha256()
    for table in (aws["tables"]["MainTable"]["name"], aws["tables"]["IdempotencyTable"]["name"]):
        items: list[str] = []
        for page in db.get_paginator("scan").paginate(TableName=table):
            items += [json.dumps(item, sort_keys=True, default=str) for item in page["Items"]]
        digest.update("\n".join(sorted(items)).encode())
    return digest.hexdigest()


def post_raw(world: Any, path: str, role: str | None, raw: bytes, **headers: str) -> Any:
    h = {"Content-Type": "application/json", **headers}
    if role:
        h["Authorization"] = f"Bearer {world.keys[role]}"
    return world.api.http.post(path, headers=h, body=raw)


def post(world: Any, path: str, role: str | None, body: Any, **headers: str) -> Any:
    return post_raw(world, path, role, json.dumps(body).encode(), **headers)


def refusal(resp: Any, status: tuple[int, ...] = (400,)) -> dict[str, Any]:
    """The error of a refused call: the expected status, the API's one error shape, valid UTF-8 JSON."""
    assert resp.status_code in status, (resp.status_code, resp.body[:300])
    raw = resp.body if isinstance(resp.body, bytes) else resp.body.encode("utf-8")
    err = json.loads(raw.decode("utf-8"))["error"]
    assert isinstance(err["code"], str) and isinstance(err["message"], str), err
    return dict(err)
