"""What a provider's claims say about a resident, read the way providers write them.

Pure functions: a district claim becomes one of Seoul's district codes or nothing, a
birth claim a year or nothing. A value that cannot be read is dropped (and the resident
is told their residence is unknown), never stored as it came.
"""

import re
from collections.abc import Mapping

from core.districts import SEOUL_DISTRICTS

_SEOUL = re.compile(r"^(서울특별시|서울시|서울|seoul(-si| city)?)[\s,]*", re.I)
_BY_NAME = {
    name.casefold(): code
    for code, (ko, en) in SEOUL_DISTRICTS.items()
    for name in (ko, en, en.removesuffix("-gu"), en.replace("-", " "))
}
# A year alone (1990), or a date starting with it: 1990-01-01, 1990.01.01, 1990/1/1,
# 19900101.
_YEAR = re.compile(r"^(\d{4})(?:$|[-./]\d{1,2}[-./]\d{1,2}$|\d{4}$)")


def district_code(value) -> str | None:
    """The Seoul district a claim names: its 5-digit code, a 10-digit administrative
    code starting with it, or its Korean or English name, with or without "서울특별시"
    before it. None for anything else (another city, an unknown code, no claim)."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    digits = text.replace(" ", "")
    if digits.isascii() and digits.isdigit():
        code = digits[:5] if len(digits) == 10 else digits
        return code if code in SEOUL_DISTRICTS else None
    name = _SEOUL.sub("", text).strip().casefold()
    return _BY_NAME.get(name)


def birth_year(value, this_year: int) -> int | None:
    """The year of a birth claim written as a year or as a date (1990, "1990-01-01",
    "19900101", "1990.01.01", "1990/1/1"); None unless 1900 <= year <= this year."""
    if value is None or isinstance(value, bool):
        return None
    match = _YEAR.match(str(value).strip())
    if not match:
        return None
    year = int(match.group(1))
    return year if 1900 <= year <= this_year else None


def merged(id_token: Mapping, userinfo: Mapping | None) -> dict:
    """The ID token's claims completed by the userinfo endpoint's, which many providers
    use for profile claims. The ID token wins where both speak; userinfo is ignored when
    its ``sub`` differs (OpenID Connect Core 5.3.2)."""
    claims = dict(id_token)
    if userinfo and str(userinfo.get("sub")) == str(id_token.get("sub")):
        for name, value in userinfo.items():
            claims.setdefault(name, value)
    return claims
