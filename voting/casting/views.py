"""Ballot and receipt pages. Thin: parse, call one service, render."""

import secrets

from flask import Blueprint
from flask import current_app
from flask import flash
from flask import g
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required

from auth.services import plausible_token
from auth.services import token_digest
from core.errors import DomainError
from core.extensions import limiter
from core.extensions import login_manager
from voting.casting import ballot_page
from voting.casting import my_ballots
from voting.casting import receipts
from voting.casting import services
from voting.casting.forms import BallotForm
from voting.casting.forms import ReceiptCheckForm
from voting.models import OUTREACH_SESSION_KEY
from voting.publishing import outcome_pages

bp = Blueprint("voting", __name__)
DEVICE_COOKIE = "did"


def _session_or_address() -> str:
    """Casting is limited per signed-in session (by a digest of its token, without
    loading the user), or per address when there is none."""
    token = session.get("_user_id")
    if plausible_token(token):
        return "session:" + token_digest(token)[:32]
    return request.remote_addr or "unknown"


def _cast_limit() -> str:
    return current_app.config["RATELIMIT_CAST"]


def _already_voted(forum_id: int):
    flash(_("You have already voted in this forum. Here is your receipt."), "info")
    return redirect(url_for("voting.my_ballot", forum_id=forum_id))


@bp.get("/forums/<int:forum_id>/ballot")
@login_required
def ballot(forum_id: int):
    args = request.args
    page = ballot_page.ballot_choices(
        forum_id, current_user, args.getlist("picks"), args.get("field"), args.get("sort")
    )
    if page.view.existing is not None:
        return _already_voted(forum_id)
    response = make_response(render_template("voting/ballot.html", page=page, form=BallotForm()))
    if not request.cookies.get(DEVICE_COOKIE):
        # A random per-browser id; only its keyed hash is ever stored, with the ballot.
        response.set_cookie(
            DEVICE_COOKIE,
            secrets.token_urlsafe(16),
            max_age=2 * 365 * 86400,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


@bp.post("/forums/<int:forum_id>/ballot/review")
@login_required
@limiter.limit(_cast_limit, key_func=_session_or_address)
def review(forum_id: int):
    form = BallotForm()
    form.validate_on_submit()
    picks = form.picks.data or []
    try:
        view, items = services.review(forum_id, current_user, picks)
    except services.AlreadyVoted:
        return _already_voted(forum_id)
    except services.BallotRefused as error:
        page = ballot_page.ballot_choices(
            forum_id, current_user, picks, request.form.get("field"), request.form.get("sort")
        )
        return (
            render_template("voting/ballot.html", page=page, form=form, error=error.message),
            error.status,
        )
    return render_template("voting/review.html", view=view, items=items, form=form)


def _limit_attempts_that_store_nothing() -> None:
    """Casting attempts that store no ballot count against ``RATELIMIT_CAST`` per
    session (429 past it). One that stores a ballot needs no limit: the database takes
    one ballot per voter and forum, so it cannot be repeated."""
    g.counting_cast_attempt = True
    with limiter.limit(_cast_limit, key_func=_session_or_address):
        pass


@limiter.request_filter
def _casting_counts_only_failed_attempts() -> bool:
    """Casting is left out of the limiter's check before every request (which would
    find nothing to count); its limit is checked by the view, as above."""
    return request.endpoint == "voting.confirm" and not g.get("counting_cast_attempt")


@bp.post("/forums/<int:forum_id>/ballot/confirm")
def confirm(forum_id: int):
    # The CSRF token was checked before the view (CSRFProtect); the picks are plain ids.
    # The session is checked by the casting statement itself (no separate user query).
    found = services.Signals(
        address=request.remote_addr,
        user_agent=request.user_agent.string,
        device=request.cookies.get(DEVICE_COOKIE),
    )
    try:
        services.cast_signed_in(
            forum_id,
            session.get("_user_id"),
            request.form.getlist("picks"),
            found=found,
            before_full_checks=_limit_attempts_that_store_nothing,
            outreach=session.get(OUTREACH_SESSION_KEY),
        )
    except services.SignedOut:
        return login_manager.unauthorized()
    except services.AlreadyVoted:
        return _already_voted(forum_id)
    # The receipt page says the ballot is cast; no message is added to the session, so
    # the session cookie is not signed and sent again.
    return redirect(url_for("voting.my_ballot", forum_id=forum_id))


@bp.get("/forums/<int:forum_id>/my-ballot")
@login_required
def my_ballot(forum_id: int):
    mine = outcome_pages.my_ballot(forum_id, current_user)
    if mine.ballot is None:
        return redirect(url_for("voting.ballot", forum_id=forum_id))
    return render_template(
        "voting/receipt.html",
        forum=mine.forum,
        ballot=mine.ballot,
        items=mine.items,
        outcomes=mine.outcomes,
        code=receipts.display(mine.ballot.receipt_code),
    )


@bp.get("/my-ballots")
@login_required
def my_ballot_list():
    return render_template("voting/my_ballots.html", ballots=my_ballots.of_resident(current_user))


@bp.get("/receipt")
@limiter.limit("30 per minute")
def receipt_check():
    form = ReceiptCheckForm(request.args)
    status = None
    error = None
    outcomes = []
    if form.code.data:
        try:
            status, outcomes = outcome_pages.check_receipt(form.code.data)
        except DomainError as exc:
            error = exc.message
    code = 400 if error else 200
    return (
        render_template(
            "voting/receipt_check.html",
            form=form,
            status=status,
            outcomes=outcomes,
            error=error,
            display=receipts.display,
        ),
        code,
    )
