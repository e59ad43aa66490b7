"""Public forum pages."""

from flask import Blueprint
from flask import render_template
from flask_login import current_user

from core import clock
from core import hooks
from deliberation import comments
from deliberation import item_page
from deliberation import services

bp = Blueprint("deliberation", __name__)


def index():
    forums = services.list_forums()
    states = {forum.id: services.state_of(forum) for forum in forums}
    mine = hooks.ask(hooks.RESIDENT_BALLOT)
    voted = {forum.id for forum in forums if mine(forum.id, current_user) is not None}
    return render_template("deliberation/index.html", forums=forums, states=states, voted=voted)


@bp.get("/forums/<int:forum_id>")
def forum(forum_id: int):
    forum = services.get_forum(forum_id)
    return render_template(
        "deliberation/forum.html",
        forum=forum,
        state=services.state_of(forum),
        groups=services.grouped_items(forum),
        comment_counts=comments.counts_by_item(forum.id),
        # The signed-in resident's ballot here, if any (voting owns ballots).
        my_ballot=hooks.ask(hooks.RESIDENT_BALLOT)(forum.id, current_user),
        now=clock.now(),
    )


@bp.get("/forums/<int:forum_id>/items/<int:item_id>")
def item(forum_id: int, item_id: int):
    return item_page.render(services.get_item(forum_id, item_id))
