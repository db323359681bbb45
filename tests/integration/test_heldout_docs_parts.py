"""Held-out: every document of a contract as PDF and HTML (docs/signed-originals.md; GET /contracts/{id}/document
?part=&format=pdf): the contract, its supplementary agreement, the termination notice, the year's 付款通知书
(revised after a fee change) and its 催款函 — amounts in figures and 大写 equal to the ledger's, dates in
Asia/Shanghai, the CJK font embedded as a subset and its text extractable; a part that is malformed or does not
exist gets a 4xx naming `part`, never a 5xx."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.integration.heldout_docs import PDF, flat_text, fonts, get_pdf, info, story

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (make browser) not installed"),
]

FEE_WORDS = "人民币玖万捌仟柒佰陆拾伍元肆角叁分"  # 98,765.43
NEW_FEE_WORDS = "人民币壹拾贰万叁仟肆佰伍拾陆元柒角捌分"  # 123,456.78
OWED_WORDS = "人民币壹拾万叁仟肆佰伍拾陆元柒角捌分"  # 123,456.78 - 20,000.00 = 103,456.78
PENALTY_WORDS = "人民币壹仟伍佰伍拾壹元捌角伍分"  # 103,456.78 × 0.05% × 30 days = 1,551.8517 → 1,551.85
TOTAL_WORDS = "人民币壹拾万伍仟零捌元陆角叁分"  # 103,456.78 + 1,551.85 = 105,008.63
PARTIES = ("北京云帆科技有限公司", "上海声通外呼服务有限公司")


def _pdf(world: Any, cid: str, part: str, extra: str = "") -> bytes:
    resp = get_pdf(world, cid, part, extra)
    assert resp.status_code == 200, (part, resp.body)
    assert resp.headers["Content-Type"] == "application/pdf" and resp.body[:5] == b"%PDF-"
    return bytes(resp.body)


def _font_embedded_subset(pdf: bytes, tmp: Path) -> None:
    rows = fonts(pdf, tmp)
    assert rows, "no font in the PDF"
    for row in rows:
        emb, sub, uni = row[-5:-2]
        assert (emb, sub, uni) == ("yes", "yes", "yes"), row
        assert row[0].split("+", 1)[0].isupper() and "+" in row[0]  # a subset's tag: ABCDEF+Name


def test_the_contract_and_agreement_pdfs_state_the_fees_in_figures_and_words_and_the_shanghai_dates(
    world: Any, tmp_path: Path
) -> None:
    s = story(world)
    contract = world.contract(s.cid)
    assert contract["effective_date"] == "2026-11-23"  # 00:30 in Shanghai, though still the 22nd in UTC
    pdf = _pdf(world, s.cid, "contract")
    _font_embedded_subset(pdf, tmp_path)
    text = flat_text(pdf, tmp_path)
    for words in ("外呼外包合同", s.contract_no, *PARTIES, "91110105MA01ABCD13", "91310115MA1K4XY226"):
        assert words in text, words
    assert "人民币98,765.43元" in text.replace(" ", "") and FEE_WORDS in text
    # 合同金额 = 3 × 98,765.43 = 296,296.29
    assert "296,296.29" in text and "人民币贰拾玖万陆仟贰佰玖拾陆元贰角玖分" in text
    # its certificate: signed at 00:30 Shanghai on the 23rd, never the UTC day
    assert "2026-11-23 00:30:00" in text and "2026-11-22 16:30" not in text
    agreement = _pdf(world, s.cid, "amendment:1")
    _font_embedded_subset(agreement, tmp_path)
    text = flat_text(agreement, tmp_path)
    assert "补充协议" in text and s.contract_no in text and all(p in text for p in PARTIES)
    assert FEE_WORDS in text and NEW_FEE_WORDS in text and "123,456.78" in text
    assert "2026年11月23日" in text  # 原合同已于2026年11月23日生效


def test_the_revised_payment_notice_and_the_overdue_letter_carry_the_ledgers_figures(
    world: Any, tmp_path: Path
) -> None:
    s = story(world)
    [inv] = world.invoices(s.cid, as_of=date(2027, 1, 22))
    assert (inv["amount"], inv["original_amount"], inv["outstanding"]) == ("123456.78", "98765.43", "103456.78")
    assert inv["penalties"]["outstanding"] == "1551.85" and inv["days_overdue"] == 30
    notice = _pdf(world, s.cid, "invoice:1", "&as_of=2027-01-22")
    _font_embedded_subset(notice, tmp_path)
    text = flat_text(notice, tmp_path)
    assert "付款通知书" in text and "修订" in text and s.contract_no in text and PARTIES[0] in text
    for figures, words in (
        ("98,765.43", FEE_WORDS),
        ("123,456.78", NEW_FEE_WORDS),
        ("103,456.78", OWED_WORDS),
        ("20,000.00", "人民币贰万元整"),
    ):
        assert figures in text and words in text, figures
    # issued and due on Shanghai dates: 2026-11-23 + 30 days
    assert "2026年11月23日" in text and "2026年12月23日" in text and "2026年11月22日" not in text
    letter = _pdf(world, s.cid, "overdue-letter:1", "&as_of=2027-01-22")
    text = flat_text(letter, tmp_path)
    assert "催款函" in text and PARTIES[0] in text and "30日" in text
    for figures, words in (("103,456.78", OWED_WORDS), ("1,551.85", PENALTY_WORDS), ("105,008.63", TOTAL_WORDS)):
        assert figures in text and words in text, figures
    # one day overdue: 103,456.78 × 0.05% = 51.72839 → 51.73
    text = flat_text(_pdf(world, s.cid, "overdue-letter:1", "&as_of=2026-12-24"), tmp_path)
    assert "51.73" in text and "人民币伍拾壹元柒角叁分" in text
    # the HTML says the same
    html = world.call("GET", f"/contracts/{s.cid}/document?part=overdue-letter:1&as_of=2027-01-22")
    body = html.body.decode() if isinstance(html.body, bytes) else html.body
    assert html.status_code == 200 and html.headers["Content-Type"].startswith("text/html")
    assert PENALTY_WORDS in body and TOTAL_WORDS in body


def test_the_termination_notice_pdf(world: Any, tmp_path: Path) -> None:
    s = story(world)
    pdf = _pdf(world, s.cid, "notice:1")
    _font_embedded_subset(pdf, tmp_path)
    text = flat_text(pdf, tmp_path)
    assert "解除合同通知书" in text and all(p in text for p in PARTIES)
    # served 2027-01-22, 30 days' notice → terminated from 2027-02-21; year 1 still owes 103,456.78
    assert "2027年1月22日" in text and "2027年2月21日" in text
    assert "103,456.78" in text and OWED_WORDS in text


def test_each_pdf_is_titled_as_the_document_it_is(world: Any, tmp_path: Path) -> None:
    s = story(world)
    expected = {
        "contract": "外呼外包合同",
        "amendment:1": "《外呼外包合同》补充协议（一）",
        "notice:1": "解除合同通知书",
        "invoice:1": "付款通知书（修订）",
        "overdue-letter:1": "催款函",
    }
    for part, title in expected.items():
        got = info(_pdf(world, s.cid, part, "&as_of=2027-01-22"), tmp_path)["Title"]
        assert got == f"{title}（{s.contract_no}）", (part, got)


@pytest.mark.parametrize("fmt", ["pdf", "html"])
def test_a_part_that_is_malformed_or_missing_is_a_4xx_naming_part(world: Any, fmt: str) -> None:
    s = story(world)
    missing = (
        "invoice:2",  # year 2 never invoiced (the contract ends before it)
        "invoice:99",
        "overdue-letter:2",
        "amendment:2",
        "notice:2",
        "overdue-letter:1&as_of=2026-12-23",  # due that day: not overdue yet
        "invoice:1&as_of=2026-11-22",  # before it was issued
    )
    malformed = (
        "invoice:0",
        "amendment:x",
        "notice:-1",
        "overdue-letter:",
        "invoice:1.0",
        "contract:1",
        "发票:1",
        "invoice:１",
        "amendment:01",
        "invoice:99999",
    )
    for part in (*missing, *malformed):
        resp = world.call("GET", f"/contracts/{s.cid}/document?part={part}&format={fmt}", headers=PDF)
        assert 400 <= resp.status_code < 500, (part, resp.status_code, resp.body)
        error = resp.json_body["error"]
        assert error["field"] == "part", (part, error)
        assert resp.status_code == (400 if part in malformed else 404), (part, resp.status_code)


def test_a_year_paid_on_time_has_no_overdue_letter(world: Any) -> None:

    cid = world.active_contract(annual_fee="98765.43")
    world.run("invoicing", date(2026, 11, 22))
    world.travel(date(2026, 12, 1))
    pay = {"amount": "98765.43", "paid_on": "2026-12-01", "voucher_no": "V-ON-TIME", "method": "bank_transfer"}
    world.ok("POST", f"/contracts/{cid}/payments", pay, role="finance", status=201)
    world.run("overdue", date(2027, 3, 1))
    resp = world.call(
        "GET", f"/contracts/{cid}/document?part=overdue-letter:1&format=pdf&as_of=2027-03-01", headers=PDF
    )
    assert resp.status_code == 404 and resp.json_body["error"]["field"] == "part"
    paid = world.call("GET", f"/contracts/{cid}/document?part=invoice:1&format=pdf&as_of=2027-03-01", headers=PDF)
    assert paid.status_code == 200
