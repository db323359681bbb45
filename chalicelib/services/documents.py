"""Builds the rendering context of a contract document from the aggregate (amounts in figures and 大写)."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.contract import Contract
from chalicelib.domain.documents import render_contract_document
from chalicelib.domain.money import amount_in_figures, amount_in_words, money_str, quantize
from chalicelib.domain.obligations import obligations_of
from chalicelib.domain.terms import Party, Terms, pct_str

TITLES = {"customer-service-management": "客户服务管理合同", "outbound-call-outsourcing": "外呼外包合同"}


def contract_context(*, template: str, contract_no: str, client: Party, vendor: Party, terms: Terms) -> dict[str, Any]:
    amount = quantize(terms.annual_fee * terms.term_years)
    return {
        "template": template,
        "title": TITLES[template],
        "contract_no": contract_no,
        "client": client.to_dict(),
        "vendor": vendor.to_dict(),
        "services": list(terms.services),
        "service_standards": None if terms.service_standards is None else terms.service_standards.to_dict(),
        "term_years": terms.term_years,
        "annual_fee": money_str(terms.annual_fee),
        "annual_fee_figures": amount_in_figures(terms.annual_fee),
        "annual_fee_words": amount_in_words(terms.annual_fee),
        "contract_amount": money_str(amount),
        "contract_amount_figures": amount_in_figures(amount),
        "contract_amount_words": amount_in_words(amount),
        "payment_due_days": terms.payment_due_days,
        "breach_penalty_pct": pct_str(terms.breach_penalty_pct),
        "late_penalty": terms.late_penalty.to_dict(),
        "notice_period_days": terms.notice_period_days,
        "dispute_resolution": terms.dispute_resolution.to_dict(),
        "signing_place": terms.signing_place,
        "obligations": [o.to_dict() for o in obligations_of(template, terms)],
        "vendor_late_penalty": terms.vendor_penalty.to_dict(),
        "incident_report_hours": terms.incident_report_hours,
    }


def render_contract(contract: Contract) -> str:
    """The contract as originally drafted (the version both parties sign)."""
    return render_contract_document(
        contract_context(
            template=contract.template,
            contract_no=contract.contract_no,
            client=contract.client,
            vendor=contract.vendor,
            terms=contract.original_terms,
        )
    )
