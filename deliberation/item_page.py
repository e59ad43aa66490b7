"""The item page, rendered the same way wherever it is shown: on its own, or again
with a refused comment's message."""

from flask import render_template
from flask_login import current_user

from core import hooks
from deliberation import services
from deliberation.models import AgendaItem


def render(item: AgendaItem, **context) -> str:
    """The item's page: its forum's state and, for a signed-in resident who voted, their
    ballot there (voting owns ballots) in place of "Vote now"; ``context`` adds the
    discussion's form or refusal."""
    return render_template(
        "deliberation/item.html",
        item=item,
        forum=item.forum,
        state=services.state_of(item.forum),
        my_ballot=hooks.ask(hooks.RESIDENT_BALLOT)(item.forum_id, current_user),
        **context,
    )
