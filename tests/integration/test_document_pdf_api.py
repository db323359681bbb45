"""The documents over HTTP: GET /contracts/{id}/document?format=pdf (staff) and GET /sign/{token}/document.pdf."""

from __future__ import annotations

from typing import Any

from tests.support import signing_link, token_of

PDF = {"Accept": "application/pdf"}  # API Gateway (and Chalice) return binary only to a client that accepts it


def test_staff_get_the_contract_as_pdf_and_the_signed_original_once_in_force(world: Any) -> None:
    cid = world.draft()
    # Before it is signed: the document, with its frozen hash
    draft = world.call("GET", f"/contracts/{cid}/document?format=pdf", role="finance", headers=PDF)
    assert draft.status_code == 200, draft.body
    assert draft.headers["Content-Type"] == "application/pdf"
    assert draft.body[:5] == b"%PDF-"
    contract = world.contract(cid)
    assert draft.headers["X-Document-SHA256"] == contract["document_sha256"]
    assert f'filename="{contract["contract_no"]}-contract.pdf"' in draft.headers["Content-Disposition"]
    assert draft.headers["X-Signed-Original"] == "false"
    # The HTML stays the default and says the same document
    html = world.call("GET", f"/contracts/{cid}/document")
    assert html.headers["Content-Type"].startswith("text/html")
    assert html.headers["X-Document-SHA256"] == contract["document_sha256"]
    # Once both signed: the signed original, for staff and for each signer through their (used) link
    world.ok("POST", f"/contracts/{cid}/send")
    world.deliver()
    tokens = {who: token_of(signing_link(f"{who}@example.com")) for who in ("client", "vendor")}
    for token in tokens.values():
        world.ok("POST", f"/sign/{token}", {"signer_name": "张伟", "consent": True}, role=None, status=201)
    signed = world.call("GET", f"/contracts/{cid}/document?part=contract&format=pdf", headers=PDF)
    assert signed.status_code == 200 and signed.headers["X-Signed-Original"] == "true"
    assert signed.headers["Content-Disposition"].count("-signed.pdf") == 2
    mine = world.call("GET", f"/sign/{tokens['client']}/document.pdf", role=None, headers={"Accept": "*/*"})
    assert mine.status_code == 200 and mine.body == signed.body


def test_bad_part_or_format_is_400_naming_it_and_a_missing_part_404(world: Any) -> None:
    cid = world.draft()
    for query, field in (("part=annex", "part"), ("part=amendment:0", "part"), ("format=docx", "format")):
        resp = world.call("GET", f"/contracts/{cid}/document?{query}")
        assert resp.status_code == 400, (query, resp.body)
        assert resp.json_body["error"]["field"] == field
    for part in ("amendment:1", "notice:1", "invoice:1", "overdue-letter:1"):
        resp = world.call("GET", f"/contracts/{cid}/document?part={part}&format=pdf", headers=PDF)
        assert resp.status_code == 404, (part, resp.body)
    assert world.call("GET", "/contracts/nope/document?format=pdf", headers=PDF).status_code == 404
    assert world.call("GET", f"/contracts/{cid}/document?format=pdf", role=None, headers=PDF).status_code == 401
    assert world.call("GET", "/sign/not-a-token/document.pdf", role=None, headers=PDF).status_code == 404


def test_the_payment_notice_as_html_and_pdf(world: Any) -> None:
    from datetime import date

    cid = world.active_contract()
    world.run("invoicing", date(2026, 11, 22))
    html = world.call("GET", f"/contracts/{cid}/document?part=invoice:1")
    body = html.body.decode() if isinstance(html.body, bytes) else html.body
    assert html.status_code == 200 and "付款通知书" in body and "人民币壹拾贰万元整" in body
    pdf = world.call("GET", f"/contracts/{cid}/document?part=invoice:1&format=pdf&as_of=2026-11-22", headers=PDF)
    assert pdf.status_code == 200 and pdf.body[:5] == b"%PDF-"
