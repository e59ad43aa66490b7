"""A broken follow-up rule in the team's or the resident's words, with its 4xx."""

from flask_babel import gettext as _

from core.errors import DomainError
from core.refusals import Refusals
from deliberation.rules import RuleError

STATE_CODES = frozenset({"not_published", "not_funded", "nothing_completed", "already_evaluated"})


def _messages(p: dict) -> dict[str, str]:
    return {
        "not_published": _("The result of this forum has not been published yet."),
        "not_funded": _("Only funded items get follow-up updates."),
        "unknown_status": _("Choose one of the statuses."),
        "reason_required": _("Give the reason for a change or a cancellation."),
        "too_long": _(
            "A text can be at most %(max)d characters (yours has %(count)d).",
            max=p.get("max", 0),
            count=p.get("count", 0),
        ),
        "future": _("An update cannot be dated in the future."),
        "not_image": _("The photo must be a JPEG, PNG or WebP image."),
        "too_large": _("The photo is too large: at most 5 MB and 40 megapixels."),
        "not_resident": _("Only residents of this forum's district can evaluate it."),
        "nothing_completed": _("No item of this forum is completed yet."),
        "no_score": _("Score at least one completed item."),
        "unknown_item": _("Score only this forum's completed items."),
        "score_range": _("Scores go from 1 to 5."),
        "already_evaluated": _("You have already evaluated this forum."),
    }


REFUSALS = Refusals(_messages, STATE_CODES, frozenset({"not_resident"}))


def refuse(error: RuleError) -> DomainError:
    """409 when a state forbids it, 403 for a non-resident, 422 for bad values."""
    return REFUSALS.refuse(error)
