"""Redirect targets taken from a request (``next``) stay on this site.

A target is judged as a browser will read it from the Location header (WHATWG URL
Standard, basic URL parser): leading and trailing C0 controls and spaces are trimmed,
every tab, CR and LF is removed, and a backslash counts as a slash. Werkzeug hands the
query value over percent-decoded once; the target must also stay on this site when
decoded once more, so no later decoding step can turn it into another origin.
"""

import re
from urllib.parse import unquote

_TRIMMED = "".join(chr(code) for code in range(0x21))  # C0 controls and space
_REMOVED = str.maketrans("", "", "\t\n\r")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def browser_form(target: str) -> str:
    """The target as a browser parses it: trimmed, no tab/CR/LF, backslashes as slashes."""
    return target.strip(_TRIMMED).translate(_REMOVED).replace("\\", "/")


def _same_site_path(target: str) -> bool:
    # One slash and not two starts a path-absolute reference (RFC 3986, 4.2): it has
    # no scheme and no authority, so it resolves against this site's origin.
    form = browser_form(target)
    return form.startswith("/") and not form.startswith("//") and not _CONTROL.search(form)


def safe_next(target: str | None) -> str | None:
    """Rule: a ``next`` target is followed only when, read the way a browser reads it
    (and percent-decoded once more), it is a path on this site; the target returned is
    that browser form. Anything else (another host, a scheme, a control character)
    gives None, and the caller falls back to its default page."""
    if not target or not (_same_site_path(target) and _same_site_path(unquote(target))):
        return None
    return browser_form(target)
