"""The certificate page (签署证书) appended to a signed original: the document's fingerprint and chain head, each
signer's evidence, and a QR code to the verification page (drawn as vector squares: no image library)."""

from __future__ import annotations

from chalicelib.pdf.document import render_blocks
from chalicelib.pdf.evidence import CertificateEvidence, SignerEvidence, shanghai_time, verification_label
from chalicelib.pdf.layout import BODY_PT, INK, PAGE_W, RIGHT, TOP, Sheet
from chalicelib.pdf.model import Block, Run

QR_SIZE = 30.0  # mm
COLUMNS = (26.0, 74.0)  # label, value (%)


def _row(label: str, en: str, value: str) -> tuple[tuple[Run, ...], ...]:
    return ((label, ""), (" " + en, "en")), ((value, ""),)


def _document_rows(ev: CertificateEvidence) -> tuple[tuple[tuple[Run, ...], ...], ...]:
    return (
        _row("文件", "Document", f"{ev.title}"),
        _row("合同编号", "Contract No.", ev.contract_no),
        _row("文件部分", "Part", ev.part),
        _row("文件 SHA-256", "Document SHA-256", ev.document_sha256),
        _row("审计链头", "Audit chain head", f"{ev.audit_head}（第 {ev.audit_seq} 条 / entry {ev.audit_seq}）"),
        _row("签署完成时间", "Completed", shanghai_time(ev.completed_at)),
        _row("生效日期", "Effective date", ev.effective_date or "—"),
    )


def _signer_rows(signer: SignerEvidence) -> tuple[tuple[tuple[Run, ...], ...], ...]:
    method = verification_label(signer.verification, signer.verified_destination)
    return (((f"{signer.party_label}", "b"), (" " + signer.party.capitalize(), "en")), ((signer.party_name, "b"),)), *(
        _row("签署人", "Signer", signer.signer_name),
        _row("电子邮箱", "Email", signer.signer_email),
        _row("验证方式", "Verification", method),
        _row("IP 地址", "IP address", signer.ip_address),
        _row("浏览器", "User agent", signer.user_agent),
        _row("签署时间", "Signed at", signer.signed_at_local),
        _row("同意条款版本", "Consent text", f"{signer.consent_version}（SHA-256 {signer.consent_sha256}）"),
    )


def certificate_page(sheet: Sheet, ev: CertificateEvidence) -> None:
    sheet.add_page()
    sheet.set_y(TOP)
    _qr(sheet, ev.verify_url, PAGE_W - RIGHT - QR_SIZE, TOP)
    render_blocks(
        sheet, [Block("title", (("签署证书", "b"),)), Block("subtitle", (("Certificate of signature", "en"),))]
    )
    sheet.set_y(max(sheet.get_y(), TOP + QR_SIZE + 8))
    sheet.base = BODY_PT * 0.74  # the whole certificate fits one page
    blocks = [Block("party", rows=_document_rows(ev), widths=COLUMNS)]
    for signer in ev.signers:
        blocks.append(Block("section", ((f"{signer.party_label}签署记录", "b"), (" / Signature of the party", "en"))))
        blocks.append(Block("party", rows=_signer_rows(signer), widths=COLUMNS))
    blocks.append(Block("section", (("核验", "b"), (" / Verification", "en"))))
    blocks.append(
        Block(
            "para",
            (
                (
                    "本证书是上述文件签署原件的组成部分。签署信息均已记录于合同审计链；扫描右上角二维码或访问下列地址，"
                    "可上传本文件核验其是否为本系统出具且未经改动的原件：",
                    "",
                ),
            ),
        )
    )
    blocks.append(Block("line", ((ev.verify_url, ""),)))
    render_blocks(sheet, blocks)
    sheet.base = BODY_PT


def _qr(sheet: Sheet, url: str, x: float, y: float) -> None:
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()
    cell = QR_SIZE / len(matrix)
    sheet.set_fill_color(*INK)
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):  # one rectangle per horizontal run of dark modules
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            sheet.rect(x + start * cell, y + r * cell, (c - start) * cell + 0.01, cell + 0.01, style="F")
    sheet.put("扫码核验 / Verify", "en", x + 2, y + QR_SIZE + 4, BODY_PT * 0.9)
