"""Sets Chinese text on A4 pages with fpdf2: line breaking with the Chinese rules (no line starts with a closing
mark or ends with an opening one), justified lines, hanging clause numbers, tables and the footer every page
carries (contract number, document SHA-256, 第 N 页 共 M 页). Imported only when a PDF is rendered."""

from __future__ import annotations

import logging
import unicodedata
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from chalicelib.domain.glyphs import printable
from chalicelib.pdf.model import Run

with warnings.catch_warnings():
    # The deployment zip ships no Pillow (infra/left_out.py): fpdf2 needs it only for raster images, which no
    # document has, and says so in a warning at import that would fill the functions' logs.
    warnings.filterwarnings("ignore", "Pillow could not be imported", UserWarning)
    from fpdf import FPDF
    from fpdf.enums import TextMode
    from fpdf.fonts import TTFFont

logger = logging.getLogger(__name__)

FONT_PATH = Path(__file__).resolve().parent.parent / "fonts" / "NotoSerifCJKsc-Regular-Hetong.otf"
FONT = "serif"
PT = 25.4 / 72  # mm per point

# Page geometry (mm), as the HTML's @page rule: A4, margins 25 22 22 22.
PAGE_W, PAGE_H = 210.0, 297.0
LEFT, RIGHT, TOP, BOTTOM = 22.0, 22.0, 25.0, 22.0
WIDTH = PAGE_W - LEFT - RIGHT
BODY_PT = 11.5
LEADING = 1.75
INK = (17, 17, 17)
GREY = (85, 85, 85)
RULE = (153, 153, 153)
SHADE = (243, 243, 243)

BREAK = "\u2028"  # a run of exactly this text ends the line
NO_LINE_START = frozenset("，。、；：？！）」』”’》〉】〕…—·,.;:?!)]}%％")
NO_LINE_END = frozenset("（「『“‘《〈【〔([{")


@dataclass(frozen=True)
class Piece:
    """A unit that is never split across lines: one CJK character, or a Latin word with its trailing space."""

    text: str
    style: str
    width: float


@dataclass(frozen=True)
class Line:
    pieces: tuple[Piece, ...]
    last: bool  # the paragraph's last line: not justified

    @property
    def width(self) -> float:
        return sum(p.width for p in self.pieces)


class Sheet(FPDF):  # type: ignore[misc]
    """An fpdf2 document with the CJK font loaded and the text-setting primitives the renderers use."""

    def __init__(self, *, title: str, created: datetime) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.set_margins(LEFT, TOP, RIGHT)
        self.set_auto_page_break(False)
        self.add_font(FONT, "", str(FONT_PATH))
        for font in self.fonts.values():
            assert isinstance(font, TTFFont)
            # fontTools would recompute every kept glyph's bounds when the subset is saved (half the render
            # time); the font's own head/hhea/CFF boxes are already right for any subset of it.
            font.ttfont.recalcBBoxes = False
        self.set_font(FONT, "", BODY_PT)
        self.set_text_color(*INK)
        self.set_title(title)
        self.set_creator("Hetong 合同")
        self.set_producer("Hetong 合同 (fpdf2)")
        self.set_lang("zh-CN")
        self.set_creation_date(created)
        self.missing: list[str] = []
        self._widths: dict[tuple[str, float], float] = {}
        self.base = BODY_PT  # the body size the block renderers use (the certificate page sets it smaller)
        self.add_page()

    # ---- measuring ---------------------------------------------------------------------------------
    def size_of(self, style: str, base: float = BODY_PT) -> float:
        return base * 0.85 if style == "en" else base

    def measure(self, text: str, style: str, size: float) -> float:
        key = (text, self.size_of(style, size))
        width = self._widths.get(key)
        if width is None:  # a contract measures the same few hundred characters thousands of times
            self.set_font_size(key[1])
            width = self._widths[key] = float(self.get_string_width(text))
        return width

    def pieces(self, runs: Iterable[Run], size: float, longest: float = WIDTH) -> list[Piece]:
        """The runs cut into unbreakable pieces; a word longer than `longest` mm (a hash, a URL) is cut into
        characters so it can wrap."""
        out: list[Piece] = []
        for text, style in runs:
            if text == BREAK:
                out.append(Piece(BREAK, style, 0.0))
                continue
            for unit in _units(self.printable_text(text)):
                width = self.measure(unit, style, size)
                if width > longest:
                    out += [Piece(ch, style, self.measure(ch, style, size)) for ch in unit]
                else:
                    out.append(Piece(unit, style, width))
        return out

    def printable_text(self, text: str) -> str:
        """`text` with any character the font lacks shown as 〔U+XXXX〕, so it is visible, never a blank box.
        Drafting refuses such text; this catches what was stored before that rule (and is logged)."""
        if all(printable(ch) for ch in text):
            return text
        out = []
        for ch in text:
            if printable(ch):
                out.append(ch)
            else:
                out.append(f"〔U+{ord(ch):04X}〕")
                if ch not in self.missing:
                    self.missing.append(ch)
                    logger.warning("PDF font lacks U+%04X; printed as its code point", ord(ch))
        return "".join(out)

    # ---- lines ---------------------------------------------------------------------------------------
    def break_lines(self, pieces: Sequence[Piece], first: float, rest: float) -> list[Line]:
        """Greedy lines of at most `first` (then `rest`) mm. A closing mark may hang past the edge rather than
        start a line; an opening mark moves to the next line with what it opens."""
        lines: list[Line] = []
        current: list[Piece] = []
        width = 0.0
        for piece in pieces:
            limit = first if not lines else rest
            if piece.text == BREAK:
                lines.append(Line(tuple(_rstrip(current)), last=True))
                current, width = [], 0.0
                continue
            if current and width + piece.width > limit + 0.01 and piece.text[0] not in NO_LINE_START:
                carry: list[Piece] = []
                while current and current[-1].text[-1] in NO_LINE_END:
                    carry.insert(0, current.pop())
                if not current:  # nothing but opening marks: keep them
                    current, carry = carry, []
                lines.append(Line(tuple(_rstrip(current)), last=False))
                current, width = carry, sum(p.width for p in carry)
            if not current and piece.text == " ":
                continue
            current.append(piece)
            width += piece.width
        lines.append(Line(tuple(_rstrip(current)), last=True))
        return lines

    def draw_line(self, line: Line, x: float, y: float, width: float, size: float, align: str = "J") -> None:
        """One line with its baseline at y. Justified lines spread (or squeeze, when a mark hangs) evenly."""
        chars = sum(len(p.text) for p in line.pieces)
        natural = line.width
        spacing = 0.0
        if align == "J" and chars > 1 and (not line.last or natural > width):
            spacing = (width - natural) / (chars - 1)
            if spacing > size * PT * 0.12:  # a short line before a long word: leave it ragged
                spacing = 0.0
        if align == "C":
            x += (width - natural) / 2
        elif align == "R":
            x += width - natural
        for piece in line.pieces:
            self.put(piece.text, piece.style, x, y, size, spacing)
            x += piece.width + spacing * len(piece.text)
        self.set_char_spacing(0)

    def put(self, text: str, style: str, x: float, y: float, size: float, spacing: float = 0.0) -> None:
        self.set_font_size(self.size_of(style, size))
        self.set_char_spacing(spacing)
        self.set_text_color(*(GREY if style == "en" else INK))
        if style == "b":
            # One weight ships (the zip's size): bold is the regular outline stroked as well as filled.
            with self.local_context(text_mode=TextMode.FILL_STROKE, line_width=size * PT * 0.035):
                self.set_draw_color(*INK)
                self.text(x, y, text)
        else:
            self.text(x, y, text)
        self.set_text_color(*INK)

    # ---- flowing text --------------------------------------------------------------------------------
    def flow(
        self,
        runs: Iterable[Run],
        *,
        x: float = LEFT,
        width: float = WIDTH,
        size: float | None = None,
        indent: float = 0.0,
        hang: float = 0.0,
        align: str = "J",
        leading: float = LEADING,
    ) -> None:
        """Set runs as a paragraph from the current y: first line starts at x + indent, the others at x + hang."""
        size = size or self.base
        lines = self.break_lines(self.pieces(runs, size, width - max(indent, hang)), width - indent, width - hang)
        step = size * PT * leading
        for i, line in enumerate(lines):
            self.room(step)
            offset = indent if i == 0 else hang
            self.draw_line(line, x + offset, self.get_y() + step * 0.72, width - offset, size, align)
            self.set_y(self.get_y() + step)

    def lines_width(self, runs: Iterable[Run], size: float | None = None) -> float:
        """The width of the runs set on one line (for sizing columns)."""
        return sum(p.width for p in self.pieces(runs, size or self.base, float("inf")))

    def lines_height(
        self, runs: Iterable[Run], width: float, size: float | None = None, leading: float = LEADING
    ) -> float:
        size = size or self.base
        lines = self.break_lines(self.pieces(runs, size, width), width, width)
        return len(lines) * size * PT * leading

    def room(self, height: float) -> None:
        """A new page unless `height` mm still fit above the bottom margin."""
        if self.get_y() + height > PAGE_H - BOTTOM:
            self.add_page()
            self.set_y(TOP)

    # ---- footers ---------------------------------------------------------------------------------------
    def footers(self, contract_no: str, sha256: str) -> None:
        """Every page: the contract number, the document's SHA-256 and 第 N 页 共 M 页 (written once the page
        count is known)."""
        total = self.pages_count
        for number in range(1, total + 1):
            self.page = number
            y = PAGE_H - BOTTOM + 7
            self.set_draw_color(*RULE)
            self.set_line_width(0.2)
            self.line(LEFT, y - 4, PAGE_W - RIGHT, y - 4)
            self.put(f"合同编号：{contract_no}", "", LEFT, y, 8)
            page = f"第 {number} 页 共 {total} 页"
            self.put(page, "", PAGE_W - RIGHT - self.measure(page, "", 8), y, 8)
            self.put(f"文件 SHA-256：{sha256}", "", LEFT, y + 4.2, 7)
        self.page = total


def _units(text: str) -> list[str]:
    """Break opportunities: between CJK characters, and at spaces between Latin words."""
    units: list[str] = []
    word = ""
    for ch in text:
        if _is_wide(ch):
            if word:
                units.append(word)
                word = ""
            units.append(ch)
        elif ch == " ":
            units.append(word + " " if word else " ")
            word = ""
        elif ch in "-/@" and len(word) >= 2:  # contract numbers, URLs, emails may break after - / @
            units.append(word + ch)
            word = ""
        else:
            word += ch
    if word:
        units.append(word)
    return units


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _rstrip(pieces: list[Piece]) -> list[Piece]:
    while pieces and not pieces[-1].text.strip():
        pieces = pieces[:-1]
    return pieces
