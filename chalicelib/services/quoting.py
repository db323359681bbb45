"""Free text from people (a signer's decline reason, an operator's void reason, a notice's details) as emails
show it: as the sender's quoted words 「…」, with anything a mail client would turn into a link defanged
(`https://evil.example` → `hxxps[:]//evil[.]example`), so a trusted sender's email cannot carry a clickable link
someone else typed. HTML escaping stays the layout's job (templates/emails/message.html autoescapes)."""

from __future__ import annotations

import re

# scheme:// (http, https, ftp, anything) → scheme[:]//, and http(s) itself → hxxp(s), the usual defang.
_SCHEME = re.compile(r"(?i)\b([a-z][a-z0-9+.-]{0,30}):(?=/)")
_HTTP = re.compile(r"(?i)\bh(tt)(ps?)\b(?=\[:\])")
# A dot between a letter/digit and a letter is a host name's (evil.example, www.x, a@b.cn): bracket it. Dots
# before digits stay (1000.00), except in a dotted quad (10.0.0.1). Fullwidth and ideographic full stops count
# too: browsers map them to '.' in host names.
_DOTS = "[.\uff0e\u3002\uff61]"
_HOST_DOT = re.compile(rf"(?<=[A-Za-z0-9]){_DOTS}(?=[A-Za-z])")
_DOTTED_QUAD = re.compile(rf"\b\d{{1,3}}(?:{_DOTS}\d{{1,3}}){{3}}\b")
_QUOTES = str.maketrans({"「": "『", "」": "』"})


def defang(text: str) -> str:
    """`text` with URLs, host names, addresses and IPs made unclickable but still readable."""
    text = _SCHEME.sub(r"\1[:]", text)
    text = _HTTP.sub(lambda m: f"{m.group(0)[0]}xx{m.group(2)}", text)
    text = _DOTTED_QUAD.sub(lambda m: re.sub(_DOTS, "[.]", m.group(0)), text)
    return _HOST_DOT.sub("[.]", text)


def quoted(text: str) -> str:
    """The sender's words, defanged, inside 「」 (a 「 or 」 inside becomes 『 』, so the quote cannot be closed
    early and what follows pass for the system's own words)."""
    return f"「{defang(text).translate(_QUOTES)}」"


def unlinked(text: str) -> str:
    """A field a signer or its browser wrote (a typed name, a user agent): defanged, control characters dropped."""
    return defang("".join(ch for ch in text if ch.isprintable()))
