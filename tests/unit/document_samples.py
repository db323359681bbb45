"""Realistic rendering contexts for the contract document templates, shaped like the context the
contract service builds (money already formatted as strings, in figures and in 大写)."""

from __future__ import annotations

from typing import Any

_TITLES = {
    "customer-service-management": "客户服务管理合同",
    "outbound-call-outsourcing": "外呼外包合同",
}

_SERVICES = {
    "customer-service-management": [
        "客户咨询解答",
        "客户投诉处理",
        "客户满意度调查与提升",
        "客户数据分析与挖掘",
        "客户关系维护",
    ],
    "outbound-call-outsourcing": ["客户咨询解答", "产品推广", "市场调研", "客户回访"],
}


def sample_context(template: str) -> dict[str, Any]:
    """A complete context for ``template``: 3 years at 120,000.00 a year, daily late penalty with a cap,
    arbitration in Beijing; outbound contracts also carry the seed's service standards."""
    return {
        "template": template,
        "title": _TITLES[template],
        "contract_no": "HT-2026-0A1B2C3D",
        "client": {
            "name": "北京云杉数字科技有限公司",
            "credit_code": "91110105582136046D",
            "contact_person": "王明",
            "phone": "010-65881234",
            "email": "wangming@yunshan.example.cn",
            "address": "北京市朝阳区建国路88号现代城A座1201室",
        },
        "vendor": {
            "name": "上海汇声客户服务外包有限公司",
            "credit_code": "91310115679203516X",
            "contact_person": "李娜",
            "phone": "021-50801234",
            "email": "lina@huisheng.example.cn",
            "address": "上海市浦东新区张江路100号3号楼5层",
        },
        "services": list(_SERVICES[template]),
        "service_standards": (
            {"connect_rate_min_pct": "95", "satisfaction_min_pct": "85"}
            if template == "outbound-call-outsourcing"
            else None
        ),
        "term_years": 3,
        "annual_fee": "120000.00",
        "annual_fee_figures": "¥120,000.00",
        "annual_fee_words": "人民币壹拾贰万元整",
        "contract_amount": "360000.00",
        "contract_amount_figures": "¥360,000.00",
        "contract_amount_words": "人民币叁拾陆万元整",
        "payment_due_days": 30,
        "breach_penalty_pct": "10",
        "late_penalty": {"mode": "daily_pct", "rate_pct": "0.05", "cap_pct": "20"},
        "notice_period_days": 30,
        "dispute_resolution": {"method": "arbitration", "body": "北京仲裁委员会"},
        "signing_place": "北京市朝阳区",
    }
