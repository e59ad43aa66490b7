"""Outreach link rules, as pure functions (no Flask, no database)."""

import secrets

from voting.casting.rules import outreach_tag

NAME_MAX = 80
CODE_BYTES = 6  # 8 URL-safe characters: 2**48 codes, not guessable by walking them


def new_code() -> str:
    """A short random URL-safe code for a new link (its uniqueness is the database's)."""
    return secrets.token_urlsafe(CODE_BYTES)


def plausible_code(text: str | None) -> bool:
    """A code as a link carries it: 4 to 16 URL-safe characters (the rule the casting
    path applies to the code a session carries); anything else is refused before any
    query."""
    return outreach_tag(text) is not None


def name_problem(name: str | None) -> str | None:
    """Why a link's name is refused: ``missing`` (empty once trimmed) or ``too_long``
    (over :data:`NAME_MAX` characters); None when it is fine."""
    text = (name or "").strip()
    if not text:
        return "missing"
    if len(text) > NAME_MAX:
        return "too_long"
    return None
