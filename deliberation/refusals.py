"""A broken forum rule in the team's words: each ``RuleError`` code becomes a message
and a 4xx (409 when the forum's state forbids the change, 422 for bad values)."""

from flask_babel import gettext as _

from core.errors import DomainError
from core.i18n import krw
from core.i18n import when
from core.refusals import Refusals
from deliberation import rules


def cost_messages(p: dict) -> dict[str, str]:
    """Why a cost is refused, for an agenda item or a resident's proposal alike."""
    cost, envelope = krw(p.get("cost")), krw(p.get("envelope"))
    return {
        "cost_positive": _("The cost must be a whole amount above zero."),
        "cost_over_field": _(
            "The cost %(cost)s is above the field's envelope of %(envelope)s.",
            cost=cost,
            envelope=envelope,
        ),
        "cost_over_envelope": _(
            "The cost %(cost)s is above the forum's envelope of %(envelope)s.",
            cost=cost,
            envelope=envelope,
        ),
    }


def _rule_messages(p: dict) -> dict[str, str]:
    return {
        "window_order": _("The voting window must end after it starts."),
        "picks_range": _(
            "Picks per ballot: the minimum must be at least 1 and not above the maximum."
        ),
        "envelope": _("The budget envelope must be a whole amount above zero."),
        "cost_cap": _("The cost cap per ballot must be a whole amount above zero."),
        "field_envelopes": _(
            "The fields' envelopes add up to %(total)s, more than the forum's %(envelope)s.",
            total=krw(p.get("total")),
            envelope=krw(p.get("envelope")),
        ),
        **cost_messages(p),
        "frozen": _("Voting has started: items and rules can no longer change."),
        "published": _("A published forum can no longer change."),
        "backwards": _("Ballots exist: the forum cannot go back to an earlier phase."),
        "not_closed": _("Only a closed forum can be published."),
        "not_voted": _("A forum closes only after voting."),
        "too_few_items": _(
            "Voting needs at least %(needed)d approved items (there are %(count)d).",
            needed=p.get("needed", 0),
            count=p.get("count", 0),
        ),
        "window_open": _("The voting window has not ended yet."),
        "deliberation_order": _("Deliberation must end no later than voting opens."),
        "deliberation_skipped": _(
            "This forum requires deliberation: move it to deliberation before voting."
        ),
        "deliberation_unset": _("Set when deliberation ends before opening the vote."),
        "deliberation_open": _(
            "Deliberation runs until %(ends_at)s: voting opens only after it ends.",
            ends_at=when(p.get("ends_at")),
        ),
        "same_phase": _("The forum is already in that phase."),
        "unknown_phase": _("Unknown phase."),
    }


# The forum's state forbids the change; any other code is a bad value.
STATE_CODES = frozenset(
    {"frozen", "published", "backwards", "not_closed", "not_voted", "window_open"}
    | {"deliberation_skipped", "deliberation_unset", "deliberation_open"}
)
REFUSALS = Refusals(_rule_messages, STATE_CODES)


def refuse(error: rules.RuleError) -> DomainError:
    """The 4xx for a broken rule: 409 when the forum's state forbids it, 422 for bad values."""
    return REFUSALS.refuse(error)
