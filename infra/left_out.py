"""What the runtime requirements bring that the functions never load: left out of deployment.zip by infra/build.py
to keep the artifact small (issue 18: under 15 MB with the CJK font; the PDF and seal libraries are most of it).

Each entry says why nothing needs it. tests/unit/test_artifact_left_out.py is the guard: in an interpreter where
every module named here cannot be imported, it imports the app and every handler, renders every kind of document
and a signed original's certificate page, seals (B-B, and B-T through a timestamp authority over HTTP) and checks
seals, genuine and tampered. A module that starts needing one of these fails that test (and, when imported at
module level by the app or a handler, the build's own import check).
"""

from __future__ import annotations

import fnmatch
from pathlib import Path

# Whole distributions (canonical name → the import packages they provide): never installed into the artifact.
DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    # pyHanko requires lxml but imports it only to write XMP metadata, optionally (it writes the document
    # information dictionary without it). 5 MB.
    "lxml": ("lxml",),
    # fpdf2 and qrcode import Pillow optionally (fpdf.image_parsing, fpdf.font_type_3 and
    # qrcode.image.styles.moduledrawers guard it with try/except ImportError): it is needed for raster images and
    # bitmap colour fonts only. No document embeds an image; the QR code is drawn as rectangles and the font is
    # CFF outlines. 4.7 MB with its bundled libraries (pillow.libs: freetype, harfbuzz, jpeg, tiff, webp, ...).
    "pillow": ("PIL",),
}

# Modules inside shipped distributions (fnmatch patterns over dotted names; a package goes with all it holds).
MODULES: tuple[str, ...] = (
    # Compiled accelerators, each with the pure-Python implementation beside it in the same wheel, which the
    # package uses when the compiled one cannot be imported (try/except ImportError; the same code path as the
    # packages' own *_NO_EXTENSIONS switches). aiohttp and its helpers are imported at module level by pyHanko
    # (pyhanko.sign.timestamps, pyhanko.sign.validation.ades) but make no request here: the seal's timestamp
    # client is the standard library's urllib (chalicelib/pdf_seal/seal.py) and checking a seal fetches nothing.
    # 2.6 MB.
    "aiohttp._http_parser",
    "aiohttp._http_writer",
    "aiohttp._websocket.mask",
    "aiohttp._websocket.reader_c",
    "frozenlist._frozenlist",
    "multidict._multidict",
    "multidict._testcapi",
    "propcache._helpers_c",
    "yarl._quoting_c",
    # aiohttp's web server, gunicorn worker and test helpers: pyHanko uses its client only.
    "aiohttp.web",
    "aiohttp.web_*",
    "aiohttp.worker",
    "aiohttp.pytest_plugin",
    "aiohttp.test_utils",
    # Powertools' event handler (API Gateway/AppSync routers, OpenAPI, Swagger UI assets): the API is Chalice;
    # the functions use powertools' logger, metrics, batch, idempotency and typing only. 0.5 MB.
    "aws_lambda_powertools.event_handler",
    # oscrypto's Windows and macOS backends (it picks its backend by platform; pyHanko's validator imports
    # oscrypto only for the operating system's trust list, which is never asked for: the trust roots are ours).
    "oscrypto._win",
    "oscrypto._mac",
    # fontTools for font sources, font building and conversions: fpdf2 reads an OpenType font and subsets it
    # (fontTools.ttLib, fontTools.subset, what they import), nothing more.
    "fontTools.ufoLib",
    "fontTools.misc.filesystem",
    "fontTools.voltLib",
    "fontTools.mtiLib",
    "fontTools.merge",
    "fontTools.diff",
    "fontTools.cu2qu",
    "fontTools.qu2cu",
    "fontTools.pens.cu2quPen",
    "fontTools.pens.qu2cuPen",
    "fontTools.t1Lib",
    "fontTools.afmLib",
    "fontTools.tfmLib",
    "fontTools.fontBuilder",
    "fontTools.varLib.interpolat*",
    "fontTools.varLib.plot",
    "fontTools.varLib.avar",
    "fontTools.varLib.avarPlanner",
)

# Files that are no importable module: C and Cython sources and headers of compiled modules, type stubs (read by
# type checkers, never at run time), and fontTools' compiled accelerators (each has its pure-Python module of the
# same name beside it, which fontTools falls back to).
FILES: tuple[str, ...] = (
    "**/*.c",
    "**/*.pyx",
    "**/*.pxd",
    "**/*.pxi",
    "**/*.pyi",
    "fontTools/**/*.so",
)

# What a module pattern stands for on disk: the package's directory, or the module's source, stub and
# compiled files.
_MODULE_FILES = ("/**/*", ".py", ".pyi", ".so", ".*.so", ".pyx", ".pxd")


def is_left_out(module: str) -> bool:
    """Whether importing `module` must fail in the artifact: it, or a package holding it, is left out."""
    parts = module.split(".")
    names = [".".join(parts[:i]) for i in range(1, len(parts) + 1)]
    patterns = (*MODULES, *(name for names in DISTRIBUTIONS.values() for name in names))
    return any(fnmatch.fnmatchcase(name, pattern) for name in names for pattern in patterns)


def module_globs(pattern: str) -> list[str]:
    """The files a MODULES pattern stands for, as globs relative to the site it is installed in."""
    return [pattern.replace(".", "/") + suffix for suffix in _MODULE_FILES]


def drop_files(site: Path) -> tuple[int, list[str]]:
    """Delete MODULES' and FILES' files under an installed site; return how many, and the patterns that matched
    nothing (a requirement's new version moved or dropped it: the list wants updating)."""
    dropped, unmatched = 0, []
    for pattern, paths in [*((m, module_globs(m)) for m in MODULES), *((f, [f]) for f in FILES)]:
        matched = 0
        for glob in paths:
            for path in sorted(site.glob(glob)):
                if path.is_file():
                    path.unlink()
                    matched += 1
        dropped += matched
        if not matched and pattern in MODULES:
            unmatched.append(pattern)
    return dropped, unmatched


def module_of(path: str) -> str | None:
    """The dotted module a file in the artifact is (a/b.py, a/b/__init__.py, a/b.cpython-312-x.so), else None."""
    parts = path.split("/")
    stem, dot, suffix = parts[-1].partition(".")
    if not dot or not (suffix == "py" or suffix == "so" or suffix.endswith(".so")):
        return None
    if stem == "__init__" and suffix == "py":
        return ".".join(parts[:-1]) or None
    return ".".join([*parts[:-1], stem])
