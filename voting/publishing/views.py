"""The public results page of a forum. Thin: load, render."""

from flask import Blueprint
from flask import render_template

from voting.publishing import public

bp = Blueprint("results", __name__)


@bp.get("/forums/<int:forum_id>/results")
def show(forum_id: int):
    outcome = public.public_result(forum_id)
    if outcome.view is None:
        return render_template("voting/results_pending.html", outcome=outcome, forum=outcome.forum)
    return render_template("voting/results.html", result=outcome.view, forum=outcome.forum)
