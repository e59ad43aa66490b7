"""Receipt codes: 100 random bits, shown as five groups of four base32 characters."""

import base64
import re
import secrets

_ALPHABET = re.compile(r"[^A-Z2-7]")


def new_code() -> str:
    """An unguessable receipt code, stored without separators (20 characters)."""
    return base64.b32encode(secrets.token_bytes(15)).decode()[:20]


def normalize(text: str) -> str:
    """Accept what a person types: lower case, spaces and dashes are ignored."""
    return _ALPHABET.sub("", (text or "").upper())


def display(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
