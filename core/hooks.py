"""Questions a lower package asks a higher one, answered by whoever registers the answer.

Packages import downwards only (voting imports deliberation and core, never the other
way round), yet a few rules of a lower package need a fact that a higher one owns:
deliberation refuses to take a forum back once a ballot exists, and ballots are
voting's. Such a question is a named hook: the asking package declares that it needs
the answer (``require``), the owning package registers it (``answer``), and the app
refuses to start when a required hook has no answer (``check``). A missing answer is
never read as "no": that would silently switch the rule off.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from flask import Flask


@dataclass(frozen=True)
class Hook:
    name: str
    meaning: str


FORUM_HAS_BALLOTS = Hook("forum_has_ballots", "forum id -> whether any ballot exists")
FORUM_PUBLICATION_PROPOSED = Hook(
    "forum_publication_proposed", "forum id -> whether a publication awaits approval"
)
RESIDENT_BALLOT = Hook(
    "resident_ballot", "(forum id, user) -> the signed-in resident's ballot there, or None"
)
PARTICIPATION_REFUSAL = Hook(
    "participation_refusal",
    "user -> why they may not vote, comment or propose yet (consent, minimum age) or None",
)
AUDIT_ANCHORS = Hook("audit_anchors", "() -> audit heads kept outside the audit table")

_KEY = "hooks"


class MissingHook(RuntimeError):
    """A package needs an answer that no registered package gives."""


def _state(app: Flask) -> dict:
    return app.extensions.setdefault(_KEY, {"required": {}, "answers": {}})


def require(app: Flask, hook: Hook, by: str) -> None:
    """Declare that package ``by`` asks ``hook``; ``check`` then insists on an answer."""
    _state(app)["required"].setdefault(hook.name, []).append(by)


def answer(app: Flask, hook: Hook, function: Callable) -> None:
    """Register the function that answers ``hook``."""
    _state(app)["answers"][hook.name] = function


def check(app: Flask) -> None:
    """Refuse to start while a required hook has no answer, naming who needs it."""
    state = _state(app)
    missing = [
        f"{name} (needed by {', '.join(by)})"
        for name, by in state["required"].items()
        if name not in state["answers"]
    ]
    if missing:
        raise MissingHook("no package answers " + "; ".join(missing))


def ask(hook: Hook) -> Callable:
    """The registered answer to ``hook`` in the current app; never a silent default."""
    answers = current_app.extensions.get(_KEY, {}).get("answers", {})
    if hook.name not in answers:
        raise MissingHook(f"no package answers {hook.name} ({hook.meaning})")
    return answers[hook.name]


def require_participation(user) -> None:
    """The one gate before a resident's ballot, comment, proposal or support is stored:
    refused (403, with the reason) without consent to the current texts or under the
    minimum age."""
    from core.errors import DomainError

    message = ask(PARTICIPATION_REFUSAL)(user)
    if message:
        raise DomainError(message, status=403, code="consent_required")
