"""Small factories of test data: valid request bodies for the seeds' two contracts."""

from __future__ import annotations

import copy
from typing import Any

from chalicelib.domain.uscc import make_uscc

CLIENT_CODE = make_uscc("91110105MA01ABCD1")
VENDOR_CODE = make_uscc("91310115MA1K4XY22")


def party(name: str, code: str, email: str) -> dict[str, str]:
    return {
        "name": name,
        "credit_code": code,
        "contact_person": "张伟",
        "phone": "010-88886666",
        "email": email,
        "address": "北京市朝阳区建国路88号",
    }


def contract_body(template: str = "outbound-call-outsourcing", **terms: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "template": template,
        "client": party("北京云帆科技有限公司", CLIENT_CODE, "client@example.com"),
        "vendor": party("上海声通外呼服务有限公司", VENDOR_CODE, "vendor@example.com"),
        "terms": {
            "services": ["客户咨询解答", "产品推广", "市场调研", "客户回访"],
            "service_standards": {"connect_rate_min_pct": "95", "satisfaction_min_pct": "85"},
            "term_years": 3,
            "annual_fee": "120000.00",
            "payment_due_days": 30,
            "breach_penalty_pct": "10",
            "late_penalty": {"mode": "daily_pct", "rate_pct": "0.05", "cap_pct": None},
            "notice_period_days": 30,
            "dispute_resolution": {"method": "arbitration", "body": "北京仲裁委员会"},
            "signing_place": "北京市朝阳区",
        },
    }
    body["terms"].update(terms)
    return copy.deepcopy(body)


def command(model: type[Any], body: Any) -> Any:
    """A request body parsed as the API does (`model` from chalicelib.api.requests) into its service command."""
    from chalicelib.api.body import parse

    return parse(model, body).command()
