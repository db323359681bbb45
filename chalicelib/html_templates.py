"""The Jinja environment of a folder of HTML templates (signing, submit and verify pages, 履约 notices): escaped,
strict about undefined names, made once per folder. jinja2 is imported on first use, not at cold start."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any


@cache
def html_templates(folder: Path) -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)), autoescape=True, undefined=jinja2.StrictUndefined
    )
