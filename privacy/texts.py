"""The consent texts and the privacy policy's versions: the district's, or these defaults.

The 항목 / 목적 / 보유기간 table is built from the retention schedule, so the period a
resident agrees to is the one the purge applies. A district replaces the introduction
and the words on refusing with a JSON file (``CONSENT_TEXTS_FILE``)::

    {"version": "2027-03-01",
     "intro": {"ko": "...", "en": "..."},
     "refusal": {"ko": "...", "en": "..."},
     "policy_versions": [{"date": "2026-12-01", "note": {"ko": "...", "en": "..."}}]}

A new ``version`` (or ``CONSENT_VERSION``) asks every resident to consent again.
"""

import json
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

from core.i18n import localized

DEFAULT_VERSION = "2026-12-01"


@dataclass(frozen=True)
class Purpose:
    """One consent item: what is collected, why, and which schedule entries keep it."""

    key: str
    title: str
    items: str
    purpose: str
    retention: tuple[str, ...]
    required: bool = True


PURPOSES: tuple[Purpose, ...] = (
    Purpose(
        key="identity",
        title=_l("Identity and one ballot per person"),
        items=_l(
            "Voter key (a keyed hash of who you are, never your name or number), "
            "district, birth year"
        ),
        purpose=_l(
            "To check that you live in the district and are old enough, and that nobody votes twice"
        ),
        retention=("account",),
    ),
    Purpose(
        key="voting",
        title=_l("Voting"),
        items=_l("Your ballot, linked to your voter key; its receipt code"),
        purpose=_l("To count your ballot once, let you check it, and handle objections"),
        retention=("ballot_voter_key",),
    ),
    Purpose(
        key="deliberation",
        title=_l("Deliberation"),
        items=_l("Your comments and replies, under a pseudonym"),
        purpose=_l("To discuss the agenda items"),
        retention=("comments",),
    ),
    Purpose(
        key="review",
        title=_l("Review of bloc voting"),
        items=_l("Keyed hashes of your network prefix, browser family and a device cookie"),
        purpose=_l(
            "To find ballots cast in bulk by one device or group; a named operator decides "
            "with a reason"
        ),
        retention=("review_signals",),
    ),
    Purpose(
        key="keep_picks",
        title=_l("Following my picks (optional)"),
        items=_l("The link between your voter key and your picks"),
        purpose=_l("To show on 내 정보 which items you picked after the result is published"),
        retention=("account",),
        required=False,
    ),
)

REQUIRED = tuple(purpose.key for purpose in PURPOSES if purpose.required)
OPTIONAL = tuple(purpose.key for purpose in PURPOSES if not purpose.required)

DEFAULT_INTRO = _l(
    "Before you vote or comment, read what the forum keeps about you, why, and for how "
    "long. Nothing here is your name, phone number or resident registration number."
)
DEFAULT_REFUSAL = _l(
    "You may refuse. Without the required items you can still read every forum and "
    "result, but you cannot vote or comment online; you can vote at a support point "
    "(주민센터). Refusing the optional item never stops you voting."
)
DEFAULT_POLICY_VERSIONS = ({"date": DEFAULT_VERSION, "note": _l("First version")},)


def init_app(app) -> None:
    """Read the district's texts once and settle the current version in the config,
    where the casting statement reads it (``CONSENT_VERSION``)."""
    texts = {}
    if app.config.get("CONSENT_TEXTS_FILE"):
        with open(app.config["CONSENT_TEXTS_FILE"], encoding="utf-8") as source:
            texts = json.load(source)
    app.extensions["consent_texts"] = texts
    app.config["CONSENT_VERSION"] = (
        app.config.get("CONSENT_VERSION") or texts.get("version") or DEFAULT_VERSION
    )


def _district_texts() -> dict:
    return current_app.extensions.get("consent_texts") or {}


def _pick(value, default) -> str:
    if isinstance(value, dict):
        return localized(value.get("ko", ""), value.get("en"))
    return str(default)


def current_version() -> str:
    """The version residents must have consented to now."""
    return current_app.config["CONSENT_VERSION"]


def intro() -> str:
    return _pick(_district_texts().get("intro"), DEFAULT_INTRO)


def refusal() -> str:
    return _pick(_district_texts().get("refusal"), DEFAULT_REFUSAL)


def policy_versions() -> list[dict]:
    """Dated versions of the privacy policy, newest first, each with a note."""
    versions = _district_texts().get("policy_versions") or DEFAULT_POLICY_VERSIONS
    found = [{"date": v["date"], "note": _pick(v.get("note"), v.get("note", ""))} for v in versions]
    return sorted(found, key=lambda version: version["date"], reverse=True)
