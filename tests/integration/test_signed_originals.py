"""Signed originals on moto: the seal made with the KMS key (certificate and trust root from SSM), POST /verify
and the verification page through the API, B-T with a local timestamp authority over HTTP, and the in-force
email carrying the sealed PDF as raw MIME through SES."""

from __future__ import annotations

import os
from typing import Any

import pytest

from chalicelib.bootstrap import get_deps
from chalicelib.domain.contract import Contract
from chalicelib.services import sealing
from chalicelib.settings import reset_settings
from tests.seal_support import local_tsa, small_pdf
from tests.support import emails_to

PDF = {"Content-Type": "application/pdf"}


def render(contract: Contract, part: str, verify_url: str) -> bytes:
    """Stands in for chalicelib/pdf's render_signed_original: a small PDF naming what it is."""
    return small_pdf((contract.contract_no, part, verify_url))


def _original(world: Any, part: str = "contract") -> tuple[Contract, bytes]:
    cid = world.active_contract()
    deps = get_deps()
    contract = deps.repo.get_contract(cid)
    return contract, sealing.sealed_original(deps, contract, part, render)


def post_pdf(world: Any, data: bytes, content_type: str = "application/pdf") -> Any:
    return world.api.http.post("/verify", body=data, headers={"Content-Type": content_type})


def test_an_original_sealed_with_the_kms_key_is_genuine_and_a_tampered_copy_is_not(world: Any) -> None:
    contract, pdf = _original(world)
    response = post_pdf(world, pdf)
    assert response.status_code == 200, response.body
    verdict = response.json_body
    assert verdict["genuine"] is True, verdict["problems"]
    assert (verdict["contract_no"], verdict["part"], verdict["version"]) == (contract.contract_no, "contract", 1)
    assert verdict["signed_at"] == max(s.signed_at for s in contract.signing.signatures.values())
    # A byte of the page text changed
    at = pdf.index(contract.contract_no.encode()) + 4
    tampered = pdf[:at] + bytes([pdf[at] ^ 1]) + pdf[at + 1 :]
    verdict = post_pdf(world, tampered).json_body
    assert verdict["genuine"] is False and verdict["problems"]


def test_the_seal_is_b_t_when_a_timestamp_authority_is_configured(world: Any, monkeypatch: Any) -> None:
    cid = world.active_contract()
    with local_tsa() as url:
        monkeypatch.setenv("HETONG_TSA_URL", url)
        reset_settings()
        from chalicelib.bootstrap import reset

        reset()
        deps = get_deps()
        assert deps.settings.tsa_url == url
        pdf = sealing.sealed_original(deps, deps.repo.get_contract(cid), "contract", render)
    verdict = post_pdf(world, pdf).json_body
    assert verdict["genuine"] is True, verdict["problems"]
    assert verdict["timestamp"] is not None


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"GIF89a not a pdf", "application/pdf", 400),
        (b"", "application/pdf", 400),
        (b'{"pdf": "x"}', "application/json", 415),
        (b"%PDF-1.7\n" + b"0" * (5 * 1024 * 1024), "application/pdf", 413),
    ],
)
def test_bad_uploads_are_4xx_naming_the_body(world: Any, body: bytes, content_type: str, status: int) -> None:
    response = post_pdf(world, body, content_type)
    assert response.status_code == status, response.body
    assert response.json_body["error"]["field"] == "body"


@pytest.mark.parametrize(
    "garbage",
    [b"%PDF-1.4\n" + os.urandom(3000), b"%PDF-1.7\n%%EOF", small_pdf()],
)
def test_garbage_pdfs_are_answered_never_5xx(world: Any, garbage: bytes) -> None:
    response = post_pdf(world, garbage)
    assert response.status_code == 200, response.body
    assert response.json_body["genuine"] is False and response.json_body["problems"]


def test_the_verification_page_shows_the_record_and_an_upload_form(world: Any) -> None:
    contract, _ = _original(world)
    response = world.api.http.get(f"/verify?c={contract.contract_no}&p=contract")
    assert response.status_code == 200
    html = response.body.decode() if isinstance(response.body, bytes) else response.body
    assert contract.contract_no in html and contract.signing.document_sha256 in html
    assert contract.client.name in html and "(Asia/Shanghai)" in html
    assert 'id="verify-form"' in html and 'src="verify/verify.js"' in html and "<script>" not in html
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline'; connect" not in csp.split("script-src")[1][:30]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    script = world.api.http.get("/verify/verify.js")
    assert script.status_code == 200 and "javascript" in script.headers["Content-Type"]
    as_json = world.api.http.get(
        f"/verify?c={contract.contract_no}&p=contract", headers={"Accept": "application/json"}
    ).json_body
    assert as_json["status"] == "active" and as_json["document_sha256"] == contract.signing.document_sha256
    missing = world.api.http.get("/verify?c=HT-2026-NOSUCH&p=contract")
    assert missing.status_code == 404 and 'id="verify-form"' in missing.body.decode()
    assert world.api.http.get("/verify?c=x&p=notice:1", headers={"Accept": "application/json"}).status_code == 400


def test_the_in_force_email_carries_the_sealed_original_to_both_parties(world: Any) -> None:
    # Given the notifier as deployed (chalicelib/bootstrap.py wires chalicelib/pdf's renderer and the seal)
    cid = world.active_contract()  # signs both and delivers the stream
    contract = get_deps().repo.get_contract(cid)
    attached = []
    for address in ("client@example.com", "vendor@example.com"):
        [email] = [m for m in emails_to(address) if "生效" in m["subject"]]
        [attachment] = email["attachments"]
        assert attachment["content_type"] == "application/pdf"
        assert attachment["filename"] == f"{contract.contract_no}-contract-signed.pdf"  # as the download names it
        verdict = post_pdf(world, attachment["data"]).json_body
        assert verdict["genuine"] is True, verdict["problems"]
        assert "生效" in email["body"]  # the notice's text is all there
        attached.append(attachment["data"])
    # One original, one file: both parties got the same bytes, and so does a download
    download = world.call(
        "GET", f"/contracts/{cid}/document?part=contract&format=pdf", headers={"Accept": "application/pdf"}
    )
    assert download.status_code == 200 and download.headers["X-Signed-Original"] == "true"
    assert attached[0] == attached[1] == download.body


def test_an_agreement_in_force_is_emailed_with_its_own_sealed_original(world: Any) -> None:
    cid = world.active_contract()
    world.ok(
        "POST",
        f"/contracts/{cid}/amendments",
        {"changes": {"annual_fee": "150000.00"}, "reason": "扩大服务范围"},
        status=201,
    )
    world.deliver()
    from tests.support import signing_link, token_of

    for who in ("client@example.com", "vendor@example.com"):
        token = token_of(signing_link(who))
        world.ok("POST", f"/sign/{token}", {"signer_name": "张伟", "consent": True}, role=None, status=201)
    world.deliver()
    [email] = [
        m
        for m in emails_to("vendor@example.com")
        if m["attachments"] and "amendment" in m["attachments"][0]["filename"]
    ]
    verdict = post_pdf(world, email["attachments"][0]["data"]).json_body
    assert verdict["genuine"] is True, verdict["problems"]
    assert (verdict["part"], verdict["version"]) == ("amendment:1", 2)
