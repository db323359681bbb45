"""The supplementary agreement (补充协议) and the termination notice (解除合同通知书): every term written,
hostile text escaped, nothing varying between renders (their SHA-256 is frozen), missing keys refused."""

from __future__ import annotations

import copy
import hashlib
from html.parser import HTMLParser
from typing import Any

import pytest
from jinja2 import UndefinedError

from chalicelib.domain.documents import (
    DocumentContextError,
    chinese_ordinal,
    document_sha256,
    render_supplementary_agreement,
    render_termination_notice,
)
from tests.unit.document_samples import sample_context

_PARTY_KEYS = ("name", "credit_code", "contact_person", "phone", "email", "address")


def _parties() -> dict[str, Any]:
    base = sample_context("outbound-call-outsourcing")
    return {"client": base["client"], "vendor": base["vendor"]}


def agreement_context(**overrides: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "contract_no": "HT-2026-0A1B2C3D",
        "contract_title": "外呼外包合同",
        "amendment_no": 1,
        **_parties(),
        "original_effective_date": "2026-11-22",
        "reason": "业务量增加，双方协商调整服务费用",
        "changes": [
            {
                "field": "annual_fee",
                "label": "年度服务费用",
                "before": "人民币120,000.00元（大写：人民币壹拾贰万元整）",
                "after": "人民币150,000.00元（大写：人民币壹拾伍万元整）",
            },
            {"field": "extend_years", "label": "服务期限", "before": "3年", "after": "4年（延长1年）"},
        ],
        "fee_change_rule": True,
        "signing_place": "北京市朝阳区",
    }
    context.update(overrides)
    return context


def notice_context(**overrides: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "contract_no": "HT-2026-0A1B2C3D",
        "contract_title": "外呼外包合同",
        "notice_no": 1,
        "by": "vendor",
        **_parties(),
        "reason_code": "non_payment",
        "clause": "甲方未按照合同约定支付服务费用（违约行为及认定第4项；第五条违约责任）",
        "details": "第1个合同年度的服务费用逾期未付。\n经乙方于2027年1月15日书面催告后仍未支付。",
        "notice_date": "2027-03-01",
        "notice_period_days": 30,
        "effective_date": "2027-03-31",
        "outstanding": [
            {"year": 1, "due_date": "2026-12-22", "outstanding": "120000.00"},
            {"year": 2, "due_date": "2027-12-22", "outstanding": "1005.07"},
        ],
        "outstanding_total": "121005.07",
    }
    context.update(overrides)
    return context


# --- chinese_ordinal ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (1, "一"),
        (2, "二"),
        (3, "三"),
        (4, "四"),
        (5, "五"),
        (6, "六"),
        (7, "七"),
        (8, "八"),
        (9, "九"),
        (10, "十"),
        (11, "十一"),
        (12, "十二"),
        (20, "二十"),
        (21, "二十一"),
        (99, "九十九"),
        (100, "一百"),
        (101, "一百零一"),
        (110, "一百一十"),
        (1010, "一千零一十"),
        (9999, "九千九百九十九"),
    ],
)
def test_chinese_ordinal(n: int, words: str) -> None:
    assert chinese_ordinal(n) == words


@pytest.mark.parametrize("n", [0, -1, 10000, True])
def test_chinese_ordinal_refuses_what_is_not_an_ordinal(n: int) -> None:
    with pytest.raises(ValueError):
        chinese_ordinal(n)


# --- 补充协议 -------------------------------------------------------------------------------------


def test_agreement_is_a_standalone_page_titled_after_the_contract() -> None:
    html = render_supplementary_agreement(agreement_context())

    assert html.startswith('<!doctype html>\n<html lang="zh-CN">')
    assert '<h1 class="doc-title">《外呼外包合同》补充协议（一）</h1>' in html
    assert "Supplementary Agreement No. 1 to Contract HT-2026-0A1B2C3D" in html
    assert "<title>《外呼外包合同》补充协议（一）（HT-2026-0A1B2C3D）</title>" in html
    assert "<script" not in html.lower() and "http://" not in html and "https://" not in html


@pytest.mark.parametrize(("no", "ordinal"), [(2, "二"), (10, "十"), (11, "十一"), (21, "二十一")])
def test_agreement_ordinal_is_computed_from_its_number(no: int, ordinal: str) -> None:
    html = render_supplementary_agreement(agreement_context(amendment_no=no))

    assert f"补充协议（{ordinal}）" in html
    assert f"Supplementary Agreement No. {no} to Contract" in html


def test_agreement_ordinal_may_be_given_if_it_agrees() -> None:
    html = render_supplementary_agreement(agreement_context(amendment_no=2, amendment_no_cn="二"))

    assert "《外呼外包合同》补充协议（二）" in html


def test_agreement_names_the_original_contract_and_the_reason() -> None:
    html = render_supplementary_agreement(agreement_context())

    assert "《外呼外包合同》（合同编号：HT-2026-0A1B2C3D，以下简称“原合同”），原合同已于2026年11月22日生效" in html
    assert "鉴于：" in html
    assert "变更事由：业务量增加，双方协商调整服务费用。" in html


def test_agreement_recites_both_parties_and_both_sign() -> None:
    context = agreement_context()

    html = render_supplementary_agreement(context)

    for party in (context["client"], context["vendor"]):
        for key in _PARTY_KEYS:
            assert party[key] in html, key
    assert "甲方（盖章）：</span>北京云杉数字科技有限公司" in html
    assert "乙方（盖章）：</span>上海汇声客户服务外包有限公司" in html
    assert "（以下无正文）" in html


def test_agreement_lists_every_change_before_and_after_in_order() -> None:
    context = agreement_context()

    html = render_supplementary_agreement(context)

    # before and after on rows of their own (one wide column: the PDF's text never interleaves the two)
    assert (
        "<tr><td>1</td><td>年度服务费用</td><td>变更前：人民币120,000.00元（大写：人民币壹拾贰万元整）</td></tr>\n"
        "    <tr><td></td><td></td><td>变更后：人民币150,000.00元（大写：人民币壹拾伍万元整）</td></tr>"
    ) in html
    assert "<tr><td>2</td><td>服务期限</td><td>变更前：3年</td></tr>" in html
    assert "<tr><td></td><td></td><td>变更后：4年（延长1年）</td></tr>" in html
    assert html.index("变更前：3年") > html.index("变更后：人民币150,000.00元")
    assert "变更前" in html and "变更后" in html


def test_agreement_keeps_the_rest_of_the_contract_and_prevails_over_it() -> None:
    html = render_supplementary_agreement(agreement_context())

    assert "本补充协议生效后，原合同其他条款不变，继续有效。" in html
    assert "本补充协议与原合同不一致的，以本补充协议为准" in html
    assert "本补充协议自双方签字之日起生效" in html
    assert "本补充协议签订地点为北京市朝阳区。" in html


def test_fee_change_rule_only_when_asked() -> None:
    wording = "调整后的服务费用适用于本补充协议生效之日或之后开始的合同年度"

    assert wording in render_supplementary_agreement(agreement_context(fee_change_rule=True))
    assert wording not in render_supplementary_agreement(agreement_context(fee_change_rule=False))
    without = agreement_context()
    del without["fee_change_rule"]
    assert wording not in render_supplementary_agreement(without)


def test_agreement_escapes_html_special_characters() -> None:
    context = agreement_context(
        contract_title="外呼<b>外包</b>合同",
        reason='A&B "涨价" <script>alert(1)</script>',
        changes=[{"field": "x", "label": "<i>条款</i>", "before": "a<b", "after": "c>d & e"}],
    )
    context["client"] = {**context["client"], "name": "A&B <script>alert('x')</script> 有限公司"}

    html = render_supplementary_agreement(context)

    assert "<script>" not in html and "<b>" not in html and "<i>" not in html
    assert "《外呼&lt;b&gt;外包&lt;/b&gt;合同》补充协议（一）" in html
    assert "A&amp;B &#34;涨价&#34; &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<td>&lt;i&gt;条款&lt;/i&gt;</td><td>变更前：a&lt;b</td>" in html
    assert "<td>变更后：c&gt;d &amp; e</td>" in html
    assert "A&amp;B &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; 有限公司" in html


def test_agreement_rendering_is_deterministic() -> None:
    first = render_supplementary_agreement(agreement_context())
    second = render_supplementary_agreement(agreement_context())

    assert first == second
    assert document_sha256(first) == document_sha256(second)
    assert document_sha256(first) == hashlib.sha256(first.encode("utf-8")).hexdigest()


@pytest.mark.parametrize(
    "change",
    [
        {"amendment_no": 2},
        {"reason": "服务范围调整"},
        {"fee_change_rule": False},
        {"original_effective_date": "2026-11-23"},
        {"changes": [{"field": "extend_years", "label": "服务期限", "before": "3年", "after": "5年（延长2年）"}]},
    ],
    ids=lambda change: next(iter(change)),
)
def test_changing_the_agreement_changes_its_fingerprint(change: dict[str, Any]) -> None:
    assert document_sha256(render_supplementary_agreement(agreement_context(**change))) != document_sha256(
        render_supplementary_agreement(agreement_context())
    )


def test_agreement_is_well_formed() -> None:
    _assert_well_formed(render_supplementary_agreement(agreement_context()))


@pytest.mark.parametrize("key", [key for key in agreement_context() if key not in {"fee_change_rule"}])
def test_agreement_missing_key_raises(key: str) -> None:
    context = agreement_context()
    del context[key]

    with pytest.raises(UndefinedError):
        render_supplementary_agreement(context)


@pytest.mark.parametrize("key", ["label", "before", "after"])
def test_agreement_missing_change_key_raises(key: str) -> None:
    context = agreement_context()
    del context["changes"][1][key]

    with pytest.raises(UndefinedError):
        render_supplementary_agreement(context)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amendment_no": 0}, "amendment_no"),
        ({"amendment_no": "1"}, "amendment_no"),
        ({"amendment_no": 2, "amendment_no_cn": "一"}, "amendment_no_cn"),
        ({"fee_change_rule": "yes"}, "fee_change_rule"),
        ({"changes": []}, "changes"),
        ({"original_effective_date": "2026-02-30"}, "date"),
        ({"original_effective_date": "22/11/2026"}, "date"),
        ({"signing_place": None}, "value"),
    ],
)
def test_agreement_values_it_cannot_be_drafted_from_are_refused(change: dict[str, Any], field: str) -> None:
    with pytest.raises(DocumentContextError) as refused:
        render_supplementary_agreement(agreement_context(**change))

    assert refused.value.field == field


# --- 解除合同通知书 ---------------------------------------------------------------------------------


def test_notice_is_a_standalone_page() -> None:
    html = render_termination_notice(notice_context())

    assert html.startswith('<!doctype html>\n<html lang="zh-CN">')
    assert '<h1 class="doc-title">解除合同通知书</h1>' in html
    assert "Notice of Termination" in html
    assert "@page" in html and "size: A4" in html
    assert "<script" not in html.lower() and "http://" not in html and "https://" not in html


def test_notice_is_addressed_to_the_other_party_and_signed_by_the_sender() -> None:
    by_vendor = render_termination_notice(notice_context(by="vendor"))
    by_client = render_termination_notice(notice_context(by="client"))

    assert "致：北京云杉数字科技有限公司（合同甲方）" in by_vendor
    assert "上海汇声客户服务外包有限公司（合同乙方，以下简称“我方”）与贵方（合同甲方）签订了" in by_vendor
    assert "通知方（盖章）：</span>上海汇声客户服务外包有限公司" in by_vendor
    assert "lina@huisheng.example.cn" in by_vendor.split('class="signatures"')[1]

    assert "致：上海汇声客户服务外包有限公司（合同乙方）" in by_client
    assert "通知方（盖章）：</span>北京云杉数字科技有限公司" in by_client
    # Only the sender signs a notice.
    assert by_vendor.count("（盖章）") == 1 and by_client.count("（盖章）") == 1


def test_notice_cites_the_contract_and_the_grounds() -> None:
    html = render_termination_notice(notice_context())

    assert "《外呼外包合同》（合同编号：HT-2026-0A1B2C3D，以下简称“合同”）" in html
    assert "因甲方未按照合同约定支付服务费用（违约行为及认定第4项；第五条违约责任），我方依据合同的约定" in html
    assert "我方解除合同的事由为：甲方未按照合同约定支付服务费用（违约行为及认定第4项；第五条违约责任）。" in html
    assert '<p class="para">第1个合同年度的服务费用逾期未付。</p>' in html
    assert '<p class="para">经乙方于2027年1月15日书面催告后仍未支付。</p>' in html


def test_notice_without_details_says_nothing_more() -> None:
    html = render_termination_notice(notice_context(details=" \n "))

    assert "具体情况说明" not in html


def test_notice_dates_and_period() -> None:
    html = render_termination_notice(notice_context())

    assert "本通知书的通知日期为2027年3月1日" in html
    assert "应提前30日书面通知对方" in html
    assert "合同自2027年3月31日起解除" in html
    assert '<span class="label">通知日期：</span>2027年3月1日' in html


def test_notice_lists_outstanding_amounts_in_figures_and_capitals() -> None:
    html = render_termination_notice(notice_context())

    assert "甲方仍应按照合同的约定支付" in html
    assert (
        "<tr><td>第1个合同年度</td><td>2026年12月22日</td><td>人民币120,000.00元（大写：人民币壹拾贰万元整）</td></tr>"
    ) in html
    assert "<td>人民币1,005.07元（大写：人民币壹仟零伍元零柒分）</td>" in html
    assert "合计" in html and "人民币121,005.07元（大写：人民币壹拾贰万壹仟零伍元零柒分）" in html
    assert "截至通知日无未付款项" not in html


def test_notice_with_nothing_outstanding_says_so() -> None:
    context = notice_context(outstanding=[], outstanding_total="0.00")
    del context["outstanding_total"]

    html = render_termination_notice(context)

    assert "截至通知日无未付款项。" in html
    assert "<table" not in html
    assert html == render_termination_notice(notice_context(outstanding=[], outstanding_total="0.00"))


def test_notice_escapes_html_special_characters() -> None:
    context = notice_context(
        clause="<b>违约</b> & 其他",
        details='甲方 "拒付" <script>alert(1)</script>',
        contract_title="外呼&外包",
    )
    context["client"] = {**context["client"], "name": "<img src=x onerror=alert(1)>有限公司"}

    html = render_termination_notice(context)

    assert "<script>" not in html and "<img" not in html and "<b>" not in html
    assert "因&lt;b&gt;违约&lt;/b&gt; &amp; 其他，" in html
    assert "甲方 &#34;拒付&#34; &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "《外呼&amp;外包》" in html
    assert "致：&lt;img src=x onerror=alert(1)&gt;有限公司" in html


def test_notice_rendering_is_deterministic() -> None:
    first = render_termination_notice(notice_context())
    second = render_termination_notice(notice_context())

    assert first == second
    assert document_sha256(first) == hashlib.sha256(second.encode("utf-8")).hexdigest()


@pytest.mark.parametrize(
    "change",
    [
        {"by": "client"},
        {"notice_no": 2},
        {"details": "其他说明"},
        {"notice_date": "2027-03-02", "effective_date": "2027-04-01"},
        {"outstanding": [], "outstanding_total": "0.00"},
    ],
    ids=lambda change: next(iter(change)),
)
def test_changing_the_notice_changes_its_fingerprint(change: dict[str, Any]) -> None:
    assert document_sha256(render_termination_notice(notice_context(**change))) != document_sha256(
        render_termination_notice(notice_context())
    )


def test_notice_is_well_formed() -> None:
    _assert_well_formed(render_termination_notice(notice_context()))
    _assert_well_formed(render_termination_notice(notice_context(outstanding=[], outstanding_total="0.00")))


# reason_code is the domain's; the notice prints the clause it maps to. outstanding_total is only
# needed when something is outstanding.
@pytest.mark.parametrize("key", [key for key in notice_context() if key not in {"reason_code"}])
def test_notice_missing_key_raises(key: str) -> None:
    context = notice_context()
    del context[key]

    with pytest.raises(UndefinedError):
        render_termination_notice(context)


@pytest.mark.parametrize("key", ["year", "due_date", "outstanding"])
def test_notice_missing_outstanding_row_key_raises(key: str) -> None:
    context = copy.deepcopy(notice_context())
    del context["outstanding"][0][key]

    with pytest.raises(UndefinedError):
        render_termination_notice(context)


@pytest.mark.parametrize("key", ["name", "address", "email"])
def test_notice_missing_party_detail_raises(key: str) -> None:
    context = notice_context()
    del context["client"][key]

    with pytest.raises(UndefinedError):
        render_termination_notice(context)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"by": "both"}, "by"),
        ({"by": None}, "by"),
        ({"effective_date": "2027-03-30"}, "effective_date"),
        ({"notice_date": "2027-3-1"}, "notice_date"),
        ({"notice_period_days": 0}, "notice_period_days"),
        ({"notice_period_days": "30"}, "notice_period_days"),
        ({"outstanding_total": "120000.00"}, "outstanding_total"),
        ({"outstanding": [], "outstanding_total": "5.00"}, "outstanding_total"),
        (
            {"outstanding": [{"year": 1, "due_date": "2026-12-22", "outstanding": 120000.0}]},
            "outstanding[0].outstanding",
        ),
        (
            {"outstanding": [{"year": 1, "due_date": "2026-12-22", "outstanding": "0.00"}]},
            "outstanding[0].outstanding",
        ),
        (
            {"outstanding": [{"year": 1, "due_date": "2026-12-22", "outstanding": "1.001"}]},
            "outstanding[0].outstanding",
        ),
        ({"outstanding": None}, "outstanding"),
        ({"outstanding": [{"year": 1, "due_date": "22.12.2026", "outstanding": "121005.07"}]}, "date"),
        ({"clause": None}, "value"),
    ],
)
def test_notice_values_it_cannot_be_drafted_from_are_refused(change: dict[str, Any], field: str) -> None:
    with pytest.raises(DocumentContextError) as refused:
        render_termination_notice(notice_context(**change))

    assert refused.value.field == field


# --- helpers ------------------------------------------------------------------------------------

_VOID = {"meta", "br", "hr", "img", "input", "link", "col"}


class _TagBalance(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.open_tags: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _VOID:
            self.open_tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open_tags or self.open_tags[-1] != tag:
            self.errors.append(f"unexpected </{tag}> with {self.open_tags[-3:]} open")
            return
        self.open_tags.pop()


def _assert_well_formed(html: str) -> None:
    checker = _TagBalance()
    checker.feed(html)
    checker.close()
    assert checker.errors == []
    assert checker.open_tags == []
