"""Lays a document's blocks (chalicelib/pdf/model.py) out on A4 pages the way the HTML's print style sets them:
centred title, the contract number and place, party tables, articles and hanging clause numbers, tables,
side-by-side signature blocks."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from chalicelib.pdf.layout import BOTTOM, BREAK, LEADING, LEFT, PAGE_H, PT, RULE, SHADE, WIDTH, Sheet
from chalicelib.pdf.model import Block, Run, plain

CELL_PAD_EM = 0.4  # of the body size


def render_blocks(sheet: Sheet, blocks: Sequence[Block]) -> None:
    for i, block in enumerate(blocks):
        following = blocks[i + 1] if i + 1 < len(blocks) else None
        RENDERERS[block.kind](sheet, block, following)


def _em(sheet: Sheet) -> float:
    return float(sheet.base * PT)  # mm


def _pad(sheet: Sheet) -> float:
    return CELL_PAD_EM * _em(sheet)


def _gap(sheet: Sheet, em: float) -> None:
    sheet.set_y(sheet.get_y() + em * _em(sheet))


def _title(sheet: Sheet, block: Block, _: Block | None) -> None:
    size = 20.0
    text = sheet.printable_text(plain(block.runs))
    spacing = size * PT * 0.25
    width = sheet.measure(text, "b", size) + spacing * (len(text) - 1)
    sheet.set_y(sheet.get_y() + 2)
    sheet.put(text, "b", LEFT + (WIDTH - width) / 2, sheet.get_y() + size * PT, size, spacing)
    sheet.set_char_spacing(0)
    sheet.set_y(sheet.get_y() + size * PT * 1.6)


def _subtitle(sheet: Sheet, block: Block, _: Block | None) -> None:
    sheet.flow(block.runs, align="C", size=sheet.base * 1.1)
    _gap(sheet, 0.8)


def _meta(sheet: Sheet, block: Block, _: Block | None) -> None:
    """The dt/dd grid under the title, centred as a block."""
    label_w = max(sheet.lines_width(label) for label, _ in block.rows) + _em(sheet)
    value_w = min(max(sheet.lines_width(value) for _, value in block.rows), WIDTH - label_w)
    x = LEFT + (WIDTH - label_w - value_w) / 2
    for label, value in block.rows:
        top = sheet.get_y()
        sheet.flow(label, x=x, width=label_w, align="L", leading=1.6)
        after_label = sheet.get_y()
        sheet.set_y(top)
        sheet.flow(value, x=x + label_w, width=value_w, align="L", leading=1.6)
        sheet.set_y(max(after_label, sheet.get_y()))
    _gap(sheet, 1.2)


def _heading(sheet: Sheet, block: Block, following: Block | None) -> None:
    size = sheet.base + 1.5
    _gap(sheet, 0.9)
    sheet.room(size * PT * LEADING + 3 * _em(sheet) * LEADING)  # keep the heading with its first lines
    sheet.flow(block.runs, size=size, align="L", leading=1.6)
    _gap(sheet, 0.2)


def _section(sheet: Sheet, block: Block, following: Block | None) -> None:
    _gap(sheet, 0.5)
    keep = 3 * _em(sheet) * LEADING
    if following is not None and following.kind == "party":  # a heading stays with its whole table
        keep = _em(sheet) * 1.6 + sum(_row_height(sheet, row, _party_widths(following)) for row in following.rows)
    sheet.room(keep)
    sheet.flow(block.runs, align="L", leading=1.6)


def _clause(sheet: Sheet, block: Block, _: Block | None) -> None:
    """「1.1　text…」: the number hangs in a 2.6 em column, every line of the text is indented past it."""
    hang = 2.8 * _em(sheet)
    step = _em(sheet) * LEADING
    sheet.room(step)
    sheet.put(block.no, "", LEFT, sheet.get_y() + step * 0.72, sheet.base)
    runs = block.runs or (("", ""),)
    sheet.flow(runs, x=LEFT + hang, width=WIDTH - hang)
    _gap(sheet, 0.25)


def _clause_body(sheet: Sheet, block: Block, _: Block | None) -> None:
    hang = 2.8 * _em(sheet)
    sheet.flow(block.runs, x=LEFT + hang, width=WIDTH - hang)
    _gap(sheet, 0.25)


def _item(sheet: Sheet, block: Block, _: Block | None) -> None:
    """「（1）…」 lines: first at 2.8 em, the rest aligned after the number at 4.8 em."""
    sheet.flow(block.runs, x=LEFT + 2.8 * _em(sheet), width=WIDTH - 2.8 * _em(sheet), hang=2 * _em(sheet))
    _gap(sheet, 0.15)


def _para(sheet: Sheet, block: Block, _: Block | None) -> None:
    sheet.flow(block.runs, indent=2 * _em(sheet))
    _gap(sheet, 0.3)


def _line(sheet: Sheet, block: Block, _: Block | None) -> None:
    sheet.flow(block.runs, align="L", leading=1.6)


def _centered(sheet: Sheet, block: Block, _: Block | None) -> None:
    _gap(sheet, 0.8)
    sheet.flow(block.runs, align="C")
    _gap(sheet, 0.6)


def _centered_line(sheet: Sheet, block: Block, following: Block | None) -> None:
    sheet.flow(block.runs, align="C", leading=1.6)


def _space(sheet: Sheet, block: Block, _: Block | None) -> None:
    _gap(sheet, 0.8)


def _page_break(sheet: Sheet, block: Block, _: Block | None) -> None:
    sheet.add_page()


# ---- tables ------------------------------------------------------------------------------------------
def _party_widths(block: Block | None = None) -> tuple[float, ...]:
    """Label and value columns: 36 % / 64 % as the HTML's party table, unless the block gives its own."""
    shares = block.widths if block is not None and block.widths else (36.0, 64.0)
    return tuple(WIDTH * share / sum(shares) for share in shares)


def _party(sheet: Sheet, block: Block, _: Block | None) -> None:
    widths = _party_widths(block)
    height = sum(_row_height(sheet, row, widths) for row in block.rows)
    sheet.room(height)  # a party's table never splits across pages
    for row in block.rows:
        _row(sheet, row, widths, shade_first=True)
    _gap(sheet, 0.8)


def _table(sheet: Sheet, block: Block, _: Block | None) -> None:
    columns = max(len(row) for row in block.rows)
    if block.widths and len(block.widths) == columns:
        total = sum(block.widths)
        widths = tuple(WIDTH * w / total for w in block.widths)
    else:
        widths = _auto_widths(sheet, block.rows, columns)
    head = block.rows[: block.header_rows]
    sheet.room(sum(_row_height(sheet, r, widths) for r in block.rows[: block.header_rows + 1]))
    for i, row in enumerate(block.rows):
        height = _row_height(sheet, row, widths)
        if sheet.get_y() + height > PAGE_H - BOTTOM:
            sheet.room(height + 1000)  # forces the page break
            for header in head:  # repeat the column heads on the new page
                _row(sheet, header, widths, shade_all=True)
        is_head = i < block.header_rows
        is_foot = i >= len(block.rows) - block.footer_rows
        _row(sheet, row, widths, shade_all=is_head, bold=is_foot)
    _gap(sheet, 0.6)


def _auto_widths(sheet: Sheet, rows: Sequence[tuple[tuple[Run, ...], ...]], columns: int) -> tuple[float, ...]:
    natural = [0.0] * columns
    for row in rows:
        for i, cell in enumerate(row):
            natural[i] = max(natural[i], sheet.lines_width(cell) + 2 * _pad(sheet))
    total = sum(natural) or 1.0
    return tuple(WIDTH * n / total for n in natural)


def _cells(row: tuple[tuple[Run, ...], ...], widths: Sequence[float]) -> list[tuple[tuple[Run, ...], float]]:
    """Cells with their widths, a colspan's placeholders folded into the cell they continue."""
    out: list[tuple[tuple[Run, ...], float]] = []
    for cell, width in zip(row, widths, strict=False):
        if cell == (("", "span"),) and out:
            out[-1] = (out[-1][0], out[-1][1] + width)
        else:
            out.append((cell, width))
    return out


def _row_height(sheet: Sheet, row: tuple[tuple[Run, ...], ...], widths: Sequence[float]) -> float:
    heights = [sheet.lines_height(cell, w - 2 * _pad(sheet), leading=1.6) for cell, w in _cells(row, widths)]
    return max(heights, default=0.0) + 2 * _pad(sheet) * 0.6


def _row(
    sheet: Sheet,
    row: tuple[tuple[Run, ...], ...],
    widths: Sequence[float],
    *,
    shade_first: bool = False,
    shade_all: bool = False,
    bold: bool = False,
) -> None:
    height = _row_height(sheet, row, widths)
    top, x = sheet.get_y(), LEFT
    sheet.set_draw_color(*RULE)
    sheet.set_line_width(0.18)
    for i, (cell, width) in enumerate(_cells(row, widths)):
        shaded = shade_all or (shade_first and i == 0)
        if shaded:
            sheet.set_fill_color(*SHADE)
        sheet.rect(x, top, width, height, style="DF" if shaded else "D")
        sheet.set_y(top + _pad(sheet) * 0.6)
        runs = tuple((t, "b" if bold and s == "" else s) for t, s in cell)
        sheet.flow(runs, x=x + _pad(sheet), width=width - 2 * _pad(sheet), align="L", leading=1.6)
        x += width
    sheet.set_y(top + height)


# ---- signatures ------------------------------------------------------------------------------------------
def _signatures(sheet: Sheet, block: Block, _: Block | None) -> None:
    """The 甲方/乙方 blocks side by side (a notice's single block on the right): each line's label above it."""
    gap = 10.0
    column = (WIDTH - gap) / 2
    columns = list(block.rows)
    slots = [LEFT + column + gap] if block.no == "right" else [LEFT + i * (column + gap) for i in range(len(columns))]
    heights = [
        sum(sheet.lines_height(_label_first(line), column, leading=1.6) + _em(sheet) * 0.9 for line in col)
        for col in columns
    ]
    _gap(sheet, 1.0)
    sheet.room(max(heights, default=0.0))
    top = sheet.get_y()
    bottom = top
    for x, lines in zip(slots, columns, strict=False):
        sheet.set_y(top)
        for line in lines:
            sheet.flow(_label_first(line), x=x, width=column, align="L", leading=1.6)
            _gap(sheet, 0.9)
        bottom = max(bottom, sheet.get_y())
    sheet.set_y(bottom)


def _label_first(line: tuple[Run, ...]) -> tuple[Run, ...]:
    """「甲方（盖章）：name」 reads as the label, then the value on the next line, as the HTML shows it."""
    if len(line) >= 2 and line[0][1] == "b":
        return (line[0], (BREAK, ""), *line[1:])
    return line


RENDERERS: dict[str, Callable[[Sheet, Block, Block | None], None]] = {
    "title": _title,
    "subtitle": _subtitle,
    "meta": _meta,
    "party": _party,
    "heading": _heading,
    "section": _section,
    "clause": _clause,
    "clause-body": _clause_body,
    "item": _item,
    "para": _para,
    "line": _line,
    "centered": _centered,
    "centered-lines": _centered_line,
    "table": _table,
    "signatures": _signatures,
    "page-break": _page_break,
    "space": _space,
}
