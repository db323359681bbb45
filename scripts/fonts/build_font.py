"""Build the PDF font shipped in chalicelib/fonts/ from Noto Serif CJK SC (SIL OFL 1.1), subset to what a
contract can hold, and the coverage table the drafting rules check names and addresses against.

    python scripts/fonts/build_font.py [--source /usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc]

Coverage (every code point the source font has among):
- ASCII, Latin-1 Supplement, Latin Extended-A, General Punctuation, Letterlike Symbols, Number Forms,
  Arrows, Enclosed Alphanumerics, Box Drawing, Geometric Shapes (□ ■ ○ ●), CJK Symbols and Punctuation,
  Halfwidth and Fullwidth Forms;
- every character of GB 2312 (6,763 hanzi plus its symbols, Greek, Cyrillic, kana, zhuyin);
- every character of the Table of General Standard Chinese Characters (通用规范汉字表, State Council 2013,
  8,105 hanzi, including the 276 outside GBK that names use, e.g. 䶮, 𬌗), listed in tgscc-8105.txt.

Writes chalicelib/fonts/NotoSerifCJKsc-Regular-Hetong.otf (CFF outlines; fpdf2 embeds CFF and subsets
again per document) and chalicelib/fonts/coverage.txt (every character it covers,
which chalicelib/domain/glyphs.py reads). Needs fontTools
(a dev requirement through fpdf2). Debian: fonts-noto-cjk provides the source .ttc.
"""

from __future__ import annotations

import argparse
import unicodedata
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")
SC_INDEX = 2  # JP, KR, SC, TC, HK in the collection
OUT_FONT = ROOT / "chalicelib" / "fonts" / "NotoSerifCJKsc-Regular-Hetong.otf"
OUT_COVERAGE = ROOT / "chalicelib" / "fonts" / "coverage.txt"

NOT_TEXT = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cn"})

BLOCKS = (
    (0x0020, 0x007E),
    (0x00A0, 0x017F),
    (0x2000, 0x206F),
    (0x2100, 0x218F),
    (0x2190, 0x21FF),
    (0x2460, 0x24FF),
    (0x2500, 0x257F),
    (0x25A0, 0x25FF),
    (0x3000, 0x303F),
    (0xFF00, 0xFFEF),
)


def gb2312() -> set[int]:
    points = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                points.add(ord(bytes([hi, lo]).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return points


def wanted() -> set[int]:
    points = {cp for lo, hi in BLOCKS for cp in range(lo, hi + 1)} | gb2312()
    table = (HERE / "tgscc-8105.txt").read_text(encoding="utf-8")
    points |= {ord(ch) for ch in table if not ch.isspace()}
    return points


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=SOURCE)
    args = parser.parse_args()
    font = TTFont(args.source, fontNumber=SC_INDEX)
    options = subset.Options()
    options.layout_features = []  # horizontal text, no ligatures or vertical forms: fpdf2 shapes nothing
    options.drop_tables += ["GSUB", "GPOS", "VORG", "vhea", "vmtx", "DSIG"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.hinting = False
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted())
    subsetter.subset(font)
    OUT_FONT.parent.mkdir(parents=True, exist_ok=True)
    font.save(OUT_FONT)
    # Invisible format and separator characters (bidi controls, U+2028) are no text a document should hold.
    covered = {cp for cp in font.getBestCmap() if unicodedata.category(chr(cp)) not in NOT_TEXT}
    # One line per 64 characters, in code point order: chalicelib/domain/glyphs.py reads it.
    chars = "".join(chr(cp) for cp in sorted(covered))
    OUT_COVERAGE.write_text("\n".join(chars[i : i + 64] for i in range(0, len(chars), 64)) + "\n", encoding="utf-8")
    print(f"{OUT_FONT.relative_to(ROOT)}: {OUT_FONT.stat().st_size:,} bytes, {len(covered):,} code points")


if __name__ == "__main__":
    main()
