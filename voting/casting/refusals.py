"""A ballot the rules refuse, in the voter's words: one message per ``BallotError`` code."""

from flask_babel import gettext as _

from voting.casting import rules


def ballot_message(error: rules.BallotError) -> str:
    """The voter's words for a ballot the rules refuse (``rules.BallotError``)."""
    params = error.params
    messages = {
        "duplicate": _("The same item was picked twice. Pick each item at most once."),
        "unknown_item": _("One of the picked items is not on this forum's ballot."),
        "withdrawn": _("One of the picked items has been withdrawn."),
        "not_on_ballot": _("One of the picked items is not on the ballot yet."),
        "too_few": _(
            "Pick at least %(min)d items (you picked %(count)d).",
            min=params.get("min", 0),
            count=params.get("count", 0),
        ),
        "too_many": _(
            "Pick at most %(max)d items (you picked %(count)d).",
            max=params.get("max", 0),
            count=params.get("count", 0),
        ),
        "over_cost_cap": _("The picked items cost more than this ballot allows."),
    }
    return messages.get(error.code, _("This ballot is not valid."))
