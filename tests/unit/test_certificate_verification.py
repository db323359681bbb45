"""The certificate page's verification row: how the signer was verified and where the code went (masked)."""

from __future__ import annotations

from chalicelib.pdf.evidence import verification_label


def test_a_code_by_email_names_the_masked_address() -> None:
    assert verification_label("email_code", "z***@example.com") == (
        "电子邮件一次性验证码 / one-time code by email（z***@example.com）"
    )


def test_a_code_sent_to_email_and_mobile_is_not_called_by_email() -> None:
    label = verification_label("email_code", "z***@example.com, +86138****8000")
    assert label.startswith("电子邮件及短信一次性验证码 / one-time code by email and SMS")
    assert label.endswith("（z***@example.com, +86138****8000）")


def test_without_a_code_the_label_stands_alone() -> None:
    assert verification_label("none", None) == "签署链接（未要求验证码）/ signing link, no code required"
    assert verification_label("link", None) == "本人专属签署链接 / the signer's own emailed link"
