"""Amounts of money as people read them: 5억 원, 8,500만 원, 1억 2,000만 원, 3,000원.

Pure functions, no Flask: ``spoken_krw`` takes the language. Tables and files keep the
exact figure (``core.i18n.krw``: 500,000,000원); pages people read use this one.
"""

KOREAN_UNITS = ((10**12, "조"), (10**8, "억"), (10**4, "만"))
ENGLISH_UNITS = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"))


def korean_reading(amount: int) -> str:
    """An amount in 원 the Korean way: the number split at 조, 억 and 만, each group
    written with thousands separators; a remainder below 만 joins 원 directly
    ("1억 2,000만 3,000원"), otherwise 원 stands apart ("5억 원"). Below 만 it is the
    plain figure ("3,000원"). Exact: no group is ever rounded away."""
    sign = "-" if amount < 0 else ""
    rest = abs(int(amount))
    if rest < 10**4:
        return f"{sign}{rest:,}원"
    parts = []
    for size, unit in KOREAN_UNITS:
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count:,}{unit}")
    if rest:
        parts.append(f"{rest:,}원")
        return sign + " ".join(parts)
    return sign + " ".join(parts) + " 원"


def english_reading(amount: int) -> str:
    """An amount in KRW as English speakers read large sums: "KRW 500 million",
    "KRW 122.5 million", "KRW 1.2 billion". The shorter form is used only when it is
    exact to two decimals of its unit; otherwise, and below a million, the full figure
    ("KRW 123,456,789", "KRW 3,000")."""
    sign = "-" if amount < 0 else ""
    value = abs(int(amount))
    for size, unit in ENGLISH_UNITS:
        if value >= size and (value * 100) % size == 0:
            whole, part = divmod(value * 100 // size, 100)
            number = f"{whole:,}" if not part else f"{whole:,}.{part:02d}".rstrip("0")
            return f"{sign}KRW {number} {unit}"
    return f"{sign}KRW {value:,}"


def spoken_krw(amount: int | None, language: str) -> str:
    """``korean_reading`` on Korean pages, ``english_reading`` on others; empty for none."""
    if amount is None:
        return ""
    if language == "ko":
        return korean_reading(amount)
    return english_reading(amount)
