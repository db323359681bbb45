"""Reads a document's HTML (the templates in chalicelib/templates/documents/, as rendered and stored) into the
blocks a PDF page lays out: title, meta lines, party tables, articles, numbered clauses, items, tables and
signature blocks. The PDF is built from this text and nothing else, so it says exactly what the HTML says
(for a contract or agreement: the HTML frozen at send time, whose SHA-256 is recorded)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

# A run of text and how it is set: "" body, "b" bold, "en" the English gloss (smaller, grey).
Run = tuple[str, str]


@dataclass
class Node:
    tag: str
    classes: tuple[str, ...] = ()
    children: list[Node | str] = field(default_factory=list)

    def has(self, cls: str) -> bool:
        return cls in self.classes

    def find_all(self, tag: str) -> list[Node]:
        found = []
        for child in self.children:
            if isinstance(child, Node):
                if child.tag == tag:
                    found.append(child)
                found += child.find_all(tag)
        return found


@dataclass(frozen=True)
class Block:
    """One thing on the page. `kind` says how it is set:
    title, subtitle, meta (rows), party (rows), heading, section, clause (no + runs), clause-body, item, para,
    line (runs, left), centered (runs), centered-lines, table (rows; header/footer rows), signatures (columns of
    lines), space, page-break."""

    kind: str
    runs: tuple[Run, ...] = ()
    no: str = ""
    rows: tuple[tuple[tuple[Run, ...], ...], ...] = ()
    header_rows: int = 0
    footer_rows: int = 0
    widths: tuple[float, ...] = ()


_VOID = frozenset({"meta", "br", "link", "img", "hr", "input"})
_SKIP = frozenset({"head", "style", "script", "title"})
_BOLD_CLASSES = frozenset({"clause-title", "label", "party-name", "salutation"})


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("root")
        self.stack = [self.root]
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skipping += 1
            return
        if self.skipping or tag in _VOID:
            return
        attr = dict(attrs)
        style = attr.get("style") or ""
        width = re.search(r"width:\s*([0-9.]+)%", style)
        classes = tuple((attr.get("class") or "").split()) + ((f"w{width[1]}",) if width else ())
        if (attr.get("colspan") or "").isdigit():
            classes += (f"colspan{attr['colspan']}",)
        node = Node(tag, classes)
        self.stack[-1].children.append(node)
        self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skipping -= 1
            return
        if self.skipping or tag in _VOID:
            return
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.stack[-1].children.append(data)


def parse_html(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def runs_of(node: Node, style: str = "") -> list[Run]:
    """The node's text as styled runs, whitespace collapsed as a browser does."""
    return _tidy(_runs(node, style))


def _runs(node: Node, style: str) -> list[Run]:
    out: list[Run] = []
    for child in node.children:
        if isinstance(child, str):
            text = re.sub(r"\s+", " ", child)
            if text:
                out.append((text, style))
        else:
            inner = style
            if child.has("en"):
                inner = "en"
            elif child.tag in ("strong", "b", "th", "dt") or _BOLD_CLASSES & set(child.classes):
                inner = "b" if style != "en" else "en"
            out += _runs(child, inner)
    return out


def _tidy(runs: list[Run]) -> list[Run]:
    merged: list[Run] = []
    for text, style in runs:
        if merged and merged[-1][1] == style:
            merged[-1] = (merged[-1][0] + text, style)
        else:
            merged.append((text, style))
    if merged:
        merged[0] = (merged[0][0].lstrip(), merged[0][1])
        merged[-1] = (merged[-1][0].rstrip(), merged[-1][1])
    return [(t, s) for t, s in merged if t]


def plain(runs: tuple[Run, ...] | list[Run]) -> str:
    return "".join(text for text, _ in runs)


def document_blocks(html: str) -> list[Block]:
    """The blocks of a document, in reading order."""
    root = parse_html(html)
    main = next(iter(root.find_all("main")), None) or next(iter(root.find_all("body")), root)
    blocks: list[Block] = []
    _walk(main, blocks)
    return blocks


def _walk(node: Node, out: list[Block]) -> None:
    for child in node.children:
        if isinstance(child, Node):
            _block(child, out)


def _block(node: Node, out: list[Block]) -> None:  # noqa: C901 - one branch per element the templates use
    tag = node.tag
    if tag == "h1":
        out.append(Block("title", tuple(runs_of(node, "b"))))
    elif tag == "h2":
        out.append(Block("heading", tuple(runs_of(node, "b"))))
    elif tag == "h3":
        out.append(Block("section", tuple(runs_of(node, "b"))))
    elif tag == "dl":
        out.append(Block("meta", rows=_definition_rows(node)))
    elif tag == "table":
        out.append(_table(node))
    elif tag == "p":
        out.append(_paragraph(node))
    elif tag == "section" and node.has("signatures"):
        columns = [tuple(tuple(runs_of(p)) for p in div.find_all("p")) for div in node.find_all("div")]
        out.append(Block("signatures", rows=tuple(columns), no="right" if len(columns) == 1 else ""))
    elif tag == "section" and node.has("annexes"):
        out.append(Block("page-break"))
        _walk(node, out)
    elif tag == "section" and (node.has("cover-parties") or node.has("addressee")):
        kind = "centered-lines" if node.has("cover-parties") else "line"
        for p in node.find_all("p"):
            out.append(Block(kind, tuple(runs_of(p, "b" if p.has("salutation") else ""))))
        out.append(Block("space"))
    else:
        _walk(node, out)


def _paragraph(node: Node) -> Block:
    if node.has("doc-title-en"):
        return Block("subtitle", tuple(runs_of(node, "en")))
    if node.has("clause"):
        number = next((c for c in node.children if isinstance(c, Node) and c.has("clause-no")), None)
        rest = Node("p", (), [c for c in node.children if c is not number])
        return Block("clause", tuple(runs_of(rest)), no=plain(runs_of(number)) if number else "")
    if node.has("end-of-text"):
        return Block("centered", tuple(runs_of(node)))
    for kind in ("item", "clause-body", "para", "closing"):
        if node.has(kind):
            return Block("para" if kind == "closing" else kind, tuple(runs_of(node)))
    return Block("para", tuple(runs_of(node)))


def _definition_rows(node: Node) -> tuple[tuple[tuple[Run, ...], ...], ...]:
    rows: list[tuple[tuple[Run, ...], ...]] = []
    label: tuple[Run, ...] | None = None
    for child in node.children:
        if not isinstance(child, Node):
            continue
        if child.tag == "dt":
            label = tuple(runs_of(child, "b"))
        elif child.tag == "dd" and label is not None:
            rows.append((label, tuple(runs_of(child))))
            label = None
    return tuple(rows)


def _table(node: Node) -> Block:
    head = [tr for part in node.find_all("thead") for tr in part.find_all("tr")]
    foot = [tr for part in node.find_all("tfoot") for tr in part.find_all("tr")]
    body = [tr for tr in node.find_all("tr") if tr not in head and tr not in foot]
    rows = []
    for tr in head + body + foot:
        cells = [c for c in tr.children if isinstance(c, Node) and c.tag in ("th", "td")]
        row: list[tuple[Run, ...]] = []
        for cell in cells:
            row.append(tuple(runs_of(cell, "b" if cell.has("party-name") else "")))
            for _ in range(1, int(_attr_colspan(cell))):
                row.append((("", "span"),))
        rows.append(tuple(row))
    widths: tuple[float, ...] = ()
    if head:
        first = [c for c in head[0].children if isinstance(c, Node)]
        found = [next((float(k[1:]) for k in c.classes if k.startswith("w")), 0.0) for c in first]
        if all(found):
            widths = tuple(found)
    kind = "party" if node.has("party") and not node.has("changes") else "table"
    return Block(kind, rows=tuple(rows), header_rows=len(head), footer_rows=len(foot), widths=widths)


def _attr_colspan(cell: Node) -> int:
    return next((int(k[7:]) for k in cell.classes if k.startswith("colspan")), 1)
