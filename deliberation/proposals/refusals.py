"""A broken proposal rule in the resident's or the team's words, with its 4xx."""

from flask_babel import gettext as _

from core.errors import DomainError
from core.refusals import Refusals
from deliberation.refusals import cost_messages
from deliberation.rules import RuleError

# The proposal's or the forum's state forbids the step; any other code is a bad value.
STATE_CODES = frozenset(
    {"not_open", "decided", "review_closed", "frozen", "already_hidden", "not_hidden"}
)
# The person may not take the step.
FORBIDDEN_CODES = frozenset({"not_resident", "not_team"})


class ProposalRefused(DomainError):
    """The proposal, support or decision is not allowed; nothing was stored."""


def _too_long(field: str, limit: int, count: int) -> str:
    messages = {
        "title": _("The title can be at most %(max)d characters (yours has %(count)d)."),
        "summary": _("The description can be at most %(max)d characters (yours has %(count)d)."),
        "dong": _("The dong name can be at most %(max)d characters (yours has %(count)d)."),
        "group": _("The group's name can be at most %(max)d characters (yours has %(count)d)."),
        "reason": _("The reason can be at most %(max)d characters (yours has %(count)d)."),
    }
    return messages.get(field, messages["summary"]) % {"max": limit, "count": count}


def _messages(p: dict) -> dict[str, str]:
    return {
        "title_required": _("Give your proposal a title."),
        "summary_required": _("Describe your proposal."),
        "too_long": _too_long(p.get("field", ""), p.get("max", 0), p.get("count", 0)),
        "not_open": _("This forum is not taking proposals or supports now."),
        "not_resident": _("Only residents of this forum's district can do that."),
        **cost_messages(p),
        "decided": _("The team has already decided on this proposal."),
        "own_proposal": _("You cannot support your own proposal."),
        "unknown_decision": _("Choose accept, merge or reject."),
        "review_closed": _("Voting has started: proposals can no longer be decided."),
        "reason_required": _("Give a public reason for a rejection or a merge."),
        "merge_target": _("Choose one of this forum's agenda items to merge into."),
        "unknown_field": _("Choose one of this forum's fields."),
        "not_team": _("Only the district team of this forum can moderate its proposals."),
        "already_hidden": _("This proposal is already hidden."),
        "not_hidden": _("This proposal is not hidden."),
        "hide_reason_required": _("Give a reason for hiding this proposal."),
    }


REFUSALS = Refusals(_messages, STATE_CODES, FORBIDDEN_CODES, ProposalRefused)


def refuse(error: RuleError) -> ProposalRefused:
    """The 4xx for a broken rule: 409 when a state forbids it, 403 for a non-resident or
    someone off the forum's team, 422 for bad values."""
    return REFUSALS.refuse(error)
