"""A ballot the rules refuse, in the voter's words: one message per ``BallotError`` code."""

from flask_babel import gettext as _

from core.i18n import spoken_krw
from voting.casting import rules


def _count_message(code: str, params: dict) -> str:
    """Too few or too many picks; "exactly N" when the forum takes one number only."""
    low, high, count = params.get("min", 0), params.get("max", 0), params.get("count", 0)
    if low == high:
        return _("Pick exactly %(n)d items (you picked %(count)d).", n=high, count=count)
    if code == "too_few":
        return _("Pick at least %(min)d items (you picked %(count)d).", min=low, count=count)
    return _("Pick at most %(max)d items (you picked %(count)d).", max=high, count=count)


def over_cap_message(total: int, cap: int) -> str:
    """The picks' total and by how much it exceeds the cap, as people read amounts."""
    return _(
        "Your picks add up to %(total)s, %(over)s more than the limit of %(cap)s.",
        total=spoken_krw(total),
        over=spoken_krw(total - cap),
        cap=spoken_krw(cap),
    )


def ballot_message(error: rules.BallotError) -> str:
    """The voter's words for a ballot the rules refuse (``rules.BallotError``)."""
    params = error.params
    messages = {
        "duplicate": _("The same item was picked twice. Pick each item at most once."),
        "unknown_item": _("One of the picked items is not on this forum's ballot."),
        "withdrawn": _("One of the picked items has been withdrawn."),
        "not_on_ballot": _("One of the picked items is not on the ballot yet."),
    }
    if error.code in ("too_few", "too_many"):
        return _count_message(error.code, params)
    if error.code == "over_cost_cap":
        return over_cap_message(params.get("total", 0), params.get("cap", 0))
    return messages.get(error.code, _("This ballot is not valid."))
