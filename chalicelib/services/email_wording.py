"""How the signing emails name things for people: the document by its title (《外呼外包合同》, its 补充协议 by number)
rather than its key (`contract`, `amendment:1`), and an instant in Asia/Shanghai rather than UTC."""

from __future__ import annotations

from chalicelib.domain.calendar import SHANGHAI, instant
from chalicelib.services.documents import TITLES


def local_time(iso: str) -> str:
    """'2026-12-06T04:00:00Z' → '2026-12-06 12:00 北京时间 Asia/Shanghai'."""
    at = instant(iso).astimezone(SHANGHAI)
    return at.strftime("%Y-%m-%d %H:%M") + " 北京时间 Asia/Shanghai"


def document_zh(subject: str, template: str) -> str:
    """'contract' → 《外呼外包合同》; 'amendment:2' → 《外呼外包合同》补充协议（第2号）."""
    title = f"《{TITLES.get(template, '合同')}》"
    return title if subject == "contract" else f"{title}补充协议（第{subject.partition(':')[2]}号）"


def document_en(subject: str) -> str:
    """'contract' → 'the contract'; 'amendment:2' → 'supplementary agreement No. 2'."""
    return "the contract" if subject == "contract" else f"supplementary agreement No. {subject.partition(':')[2]}"
