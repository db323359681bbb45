"""Held-out: the signing page on a phone. Its facts list (who signs, the fee in figures and 大写, the document's
SHA-256) held a label column as wide as its longest label and a value column that could not shrink below the
64-character fingerprint, so on a 390-pixel screen every value ran off the right edge (seen in Chromium). The
page's own stylesheet must let values wrap and stack each label above its value on a narrow screen."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support import signing_link, token_of

pytestmark = pytest.mark.integration


def test_the_signing_pages_facts_fit_a_phone_screen(world: Any) -> None:
    cid = world.draft()
    world.ok("POST", f"/contracts/{cid}/send")
    world.deliver()
    page = world.call("GET", f"/sign/{token_of(signing_link('client@example.com'))}", role=None)
    html = page.body.decode() if isinstance(page.body, bytes) else page.body
    assert page.status_code == 200 and "人民币壹拾贰万元整" in html
    css = re.sub(r"\s+", "", re.search(r"<style>(.*?)</style>", html, re.S).group(1))  # type: ignore[union-attr]
    # the value column may shrink (minmax(0, …)), a long value wraps anywhere
    assert re.search(r"\.facts\{[^}]*grid-template-columns:max-content minmax\(0,1fr\)".replace(" ", ""), css)
    assert re.search(r"\.facts dd\{[^}]*overflow-wrap:anywhere".replace(" ", ""), css)
    # below 600 px: one column, each label above its value
    narrow = re.search(r"@media\(max-width:(\d+)px\)\{\.facts\{grid-template-columns:minmax\(0,1fr\)", css)
    assert narrow is not None and int(narrow.group(1)) >= 480
