"""The contract documents: every blank of the seed contracts filled from the terms, nothing else varying."""

from __future__ import annotations

import hashlib
import re
from html.parser import HTMLParser
from typing import Any, ClassVar

import pytest
from jinja2 import UndefinedError

from chalicelib.domain.documents import (
    TEMPLATES,
    DocumentContextError,
    document_sha256,
    render_contract_document,
)
from tests.unit.document_samples import sample_context

TITLES = {
    "customer-service-management": "客户服务管理合同",
    "outbound-call-outsourcing": "外呼外包合同",
}


def render(template: str, **overrides: Any) -> str:
    context = sample_context(template)
    context.update(overrides)
    return render_contract_document(context)


@pytest.fixture(params=TEMPLATES)
def template(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


# --- every blank filled -------------------------------------------------------------------------


def test_document_is_a_standalone_printable_page(template: str) -> None:
    html = render(template)

    assert html.startswith('<!doctype html>\n<html lang="zh-CN">')
    assert '<meta charset="utf-8">' in html
    assert "@page" in html and "size: A4" in html
    assert f'<h1 class="doc-title">{TITLES[template]}</h1>' in html
    assert "<script" not in html.lower()
    assert "http://" not in html and "https://" not in html and "src=" not in html


def test_document_carries_the_contract_number_and_both_parties(template: str) -> None:
    context = sample_context(template)

    html = render_contract_document(context)

    assert "HT-2026-0A1B2C3D" in html
    for party in (context["client"], context["vendor"]):
        for key in ("name", "credit_code", "contact_person", "phone", "email", "address"):
            assert party[key] in html, key


def test_document_lists_every_service(template: str) -> None:
    services = ["客户咨询解答", "客户投诉处理", "产品推广", "满意度回访与分析"]

    html = render(template, services=services)

    for number, service in enumerate(services, start=1):
        assert f"（{number}）{service}" in html


def test_term_and_fees_in_figures_and_capitals(template: str) -> None:
    html = render(template)

    assert "服务期限为3年，自双方签字之日起计算" in html
    assert "人民币120,000.00元（大写：人民币壹拾贰万元整）" in html
    assert "甲方按年度" in html
    assert "本合同金额为人民币360,000.00元（大写：人民币叁拾陆万元整）" in html
    assert "甲方应在每个合同年度的付款通知书开具之日起30日内支付" in html


def test_amount_with_cents_keeps_its_cents(template: str) -> None:
    html = render(
        template,
        annual_fee="1005.07",
        annual_fee_words="人民币壹仟零伍元零柒分",
        contract_amount="3015.21",
        contract_amount_words="人民币叁仟零壹拾伍元贰角壹分",
    )

    assert "人民币1,005.07元（大写：人民币壹仟零伍元零柒分）" in html
    assert "人民币3,015.21元（大写：人民币叁仟零壹拾伍元贰角壹分）" in html


def test_breach_penalty_is_a_share_of_the_contract_amount(template: str) -> None:
    html = render(template, breach_penalty_pct="15")

    assert "违约金为合同金额的15%" in html


@pytest.mark.parametrize(
    ("late_penalty", "expected", "absent"),
    [
        (
            {"mode": "daily_pct", "rate_pct": "0.05", "cap_pct": "20"},
            "按逾期金额每日0.05%计付逾期违约金，累计不超过逾期金额的20%。",
            "按合同金额的",
        ),
        (
            {"mode": "daily_pct", "rate_pct": "0.03", "cap_pct": None},
            "按逾期金额每日0.03%计付逾期违约金。",
            "不超过",
        ),
        (
            {"mode": "contract_pct", "rate_pct": "5", "cap_pct": None},
            "逾期付款的，每笔逾期款项按合同金额的5%支付逾期违约金。",
            "每日",
        ),
        (
            {"mode": "contract_pct", "rate_pct": "5", "cap_pct": "30"},
            (
                "逾期付款的，每笔逾期款项按合同金额的5%支付逾期违约金，"
                "但每笔逾期款项的逾期违约金累计不超过该笔逾期金额的30%。"
            ),
            "每日",
        ),
    ],
    ids=["daily-capped", "daily-uncapped", "contract-uncapped", "contract-capped"],
)
def test_late_payment_penalty_wording(template: str, late_penalty: dict[str, Any], expected: str, absent: str) -> None:
    html = render(template, late_penalty=late_penalty)

    assert expected in html
    assert absent not in _clause_with(html, "逾期违约金的支付不免除")


def test_notice_period_for_termination(template: str) -> None:
    html = render(template, notice_period_days=45)

    assert "一方解除合同应提前45日书面通知对方" in html
    assert "起满45日时解除" in html


def test_arbitration_names_the_body(template: str) -> None:
    html = render(template, dispute_resolution={"method": "arbitration", "body": "上海国际仲裁中心"})

    assert "提交上海国际仲裁中心仲裁" in html
    assert "人民法院" not in html


def test_court_litigation(template: str) -> None:
    html = render(template, dispute_resolution={"method": "court", "body": None})

    assert "向有管辖权的人民法院起诉" in html
    assert "仲裁" not in html


def test_signing_place_effect_and_electronic_signature_dates(template: str) -> None:
    html = render(template, signing_place="上海市浦东新区")

    assert "签订地点为上海市浦东新区" in html
    assert "本合同自甲乙双方签字（或盖章）之日起生效" in html
    assert "以甲方电子签名时间为准（电子签名时间以签署证书为准）" in html
    assert "以乙方电子签名时间为准（电子签名时间以签署证书为准）" in html


def test_outbound_service_standards_when_given() -> None:
    html = render(
        "outbound-call-outsourcing",
        service_standards={"connect_rate_min_pct": "97", "satisfaction_min_pct": "90"},
    )

    assert "（1）电话接通率不低于97%；" in html
    assert "（2）通话质量清晰；" in html
    assert "（3）客户满意度不低于90%。" in html


def test_outbound_without_service_standards_leaves_them_to_the_call_plan() -> None:
    html = render("outbound-call-outsourcing", service_standards=None)

    assert "不低于" not in html
    assert "由双方在外呼计划中书面确认" in html


def test_customer_service_standards_only_when_given() -> None:
    without = render("customer-service-management", service_standards=None)
    with_standards = render(
        "customer-service-management",
        service_standards={"connect_rate_min_pct": "95", "satisfaction_min_pct": "85"},
    )

    assert "不低于" not in without
    assert "电话接通率不低于95%" in with_standards and "客户满意度不低于85%" in with_standards


def test_outbound_has_the_fourteen_articles_of_the_seed() -> None:
    html = render("outbound-call-outsourcing")

    headings = re.findall(r'<span class="article-no">(第.+?条)</span> (\S+?)<span', html)
    assert [title for _, title in headings] == [
        "定义与解释",
        "合同主体",
        "服务内容",
        "危机管理",
        "客户关系维护",
        "服务质量保证",
        "服务费用与支付",
        "保密条款",
        "知识产权",
        "合同期限与终止",
        "违约责任",
        "不可抗力",
        "法律适用与争议解决",
        "其他条款",
    ]
    assert headings[-1][0] == "第十四条"


def test_customer_service_has_the_seven_articles_and_annexes_of_the_seed() -> None:
    html = render("customer-service-management")

    assert '第四条</span> 服务期限和费用<span class="en"> / Term and fees</span>' in html
    assert re.findall(r'<span class="article-no">(第.+?条)</span>', html) == [
        "第一条",
        "第二条",
        "第三条",
        "第四条",
        "第五条",
        "第六条",
        "第七条",
    ]
    assert "一、附件列表" in html and "二、违约行为及认定" in html


@pytest.mark.parametrize("blank", ["____", "＿", "[甲方", "[乙方", "XXX", "{{", "{%", "None", "Undefined"])
def test_no_blank_is_left_unfilled(template: str, blank: str) -> None:
    for late_penalty in (
        {"mode": "daily_pct", "rate_pct": "0.05", "cap_pct": None},
        {"mode": "contract_pct", "rate_pct": "5", "cap_pct": None},
    ):
        html = render(template, late_penalty=late_penalty, service_standards=None)

        assert blank not in html


def test_document_is_well_formed(template: str) -> None:
    checker = _TagBalance()

    checker.feed(render(template))
    checker.close()

    assert checker.errors == []
    assert checker.open_tags == []


# --- frozen fingerprint -------------------------------------------------------------------------


def test_rendering_is_deterministic(template: str) -> None:
    first = render(template)
    second = render(template)

    assert first == second
    assert document_sha256(first) == document_sha256(second)
    assert document_sha256(first) == hashlib.sha256(first.encode("utf-8")).hexdigest()


@pytest.mark.parametrize(
    "change",
    [
        {"contract_no": "HT-2026-0A1B2C3E"},
        {"term_years": 4},
        {"annual_fee": "120000.01", "annual_fee_words": "人民币壹拾贰万元零壹分"},
        {"payment_due_days": 15},
        {"breach_penalty_pct": "20"},
        {"late_penalty": {"mode": "daily_pct", "rate_pct": "0.05", "cap_pct": None}},
        {"notice_period_days": 60},
        {"signing_place": "北京市海淀区"},
    ],
    ids=lambda change: next(iter(change)),
)
def test_changing_a_term_changes_the_fingerprint(template: str, change: dict[str, Any]) -> None:
    assert document_sha256(render(template, **change)) != document_sha256(render(template))


def test_changing_a_party_detail_changes_the_fingerprint(template: str) -> None:
    context = sample_context(template)
    context["vendor"] = {**context["vendor"], "email": "service@huisheng.example.cn"}

    assert document_sha256(render_contract_document(context)) != document_sha256(render(template))


# --- hostile or incomplete contexts -------------------------------------------------------------


def test_party_names_are_escaped(template: str) -> None:
    context = sample_context(template)
    context["client"] = {**context["client"], "name": 'A&B <script>alert("x")</script> 有限公司'}
    context["services"] = ["<img src=x onerror=alert(1)>"]

    html = render_contract_document(context)

    assert "<script>" not in html and "<img" not in html
    assert "A&amp;B &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; 有限公司" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_missing_top_level_key_raises(template: str) -> None:
    # The title is the template's own; the amounts are written from their canonical strings.
    unused = {"template", "title", "annual_fee_figures", "contract_amount_figures"}
    keys = [key for key in sample_context(template) if key not in unused]
    for key in keys:
        context = sample_context(template)
        del context[key]

        with pytest.raises(UndefinedError):
            render_contract_document(context)


@pytest.mark.parametrize("key", ["name", "credit_code", "contact_person", "phone", "email", "address"])
def test_missing_party_detail_raises(template: str, key: str) -> None:
    context = sample_context(template)
    del context["vendor"][key]

    with pytest.raises(UndefinedError):
        render_contract_document(context)


def test_missing_late_penalty_cap_key_raises(template: str) -> None:
    context = sample_context(template)
    del context["late_penalty"]["cap_pct"]

    with pytest.raises(UndefinedError):
        render_contract_document(context)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"template": "lease"}, "template"),
        ({"late_penalty": {"mode": "weekly", "rate_pct": "1", "cap_pct": None}}, "late_penalty.mode"),
        ({"dispute_resolution": {"method": "arbitration", "body": None}}, "dispute_resolution"),
        ({"dispute_resolution": {"method": "mediation", "body": None}}, "dispute_resolution"),
        ({"annual_fee": "120000"}, "amount"),
        ({"contract_amount": 360000.0}, "amount"),
        ({"signing_place": None}, "value"),
    ],
)
def test_values_a_contract_cannot_be_drafted_from_are_refused(
    template: str, change: dict[str, Any], field: str
) -> None:
    context = sample_context(template)
    context.update(change)

    with pytest.raises(DocumentContextError) as refused:
        render_contract_document(context)

    assert refused.value.field == field


def test_missing_template_key_is_refused() -> None:
    context = sample_context("customer-service-management")
    del context["template"]

    with pytest.raises(DocumentContextError):
        render_contract_document(context)


# --- helpers ------------------------------------------------------------------------------------


def _clause_with(html: str, needle: str) -> str:
    line = next(line for line in html.splitlines() if needle in line)
    return line


class _TagBalance(HTMLParser):
    _VOID: ClassVar[frozenset[str]] = frozenset({"meta", "br", "hr", "img", "link", "input"})

    def __init__(self) -> None:
        super().__init__()
        self.open_tags: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self._VOID:
            self.open_tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open_tags or self.open_tags[-1] != tag:
            self.errors.append(f"unexpected </{tag}> with open {self.open_tags[-3:]}")
            return
        self.open_tags.pop()
