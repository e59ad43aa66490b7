"""The privacy policy, the page on the review of bloc voting, and consent."""

from flask import Blueprint
from flask import redirect
from flask import render_template
from flask import request
from flask import Response
from flask import session
from flask import url_for
from flask_login import current_user
from flask_login import login_required
from flask_login import logout_user

from auth.views import FRESH_LOGIN_KEY
from core.forms import Form
from core.forms import form_error
from core.redirects import safe_next
from privacy import account
from privacy import services
from privacy import texts
from privacy.forms import ConsentForm
from voting.casting import receipts

bp = Blueprint("privacy", __name__)


@bp.get("/privacy")
def policy():
    return render_template("privacy/policy.html", **services.policy())


@bp.get("/privacy/bloc-voting-review")
def bloc_voting_review():
    return render_template("privacy/review.html", days=services.policy()["days"])


def _consent_page(form: ConsentForm, error: str | None = None, status: int = 200):
    page = render_template(
        "privacy/consent.html",
        form=form,
        rows=services.consent_rows(),
        intro=texts.intro(),
        refusal=texts.refusal(),
        version=texts.current_version(),
        current=services.has_current_consent(current_user),
        too_young=services.age_refusal(current_user),
        error=error,
        next=safe_next(request.args.get("next")),
    )
    return page, status


@bp.get("/consent")
@login_required
def consent():
    return _consent_page(ConsentForm())


@bp.get("/consent/later")
def consent_later():
    """Not now: the resident reads on; voting and commenting still need consent."""
    from privacy import LATER_KEY

    session[LATER_KEY] = True
    return redirect(url_for("index"))


@bp.post("/consent")
@login_required
def give_consent():
    form = ConsentForm()
    if not form.validate_on_submit():
        return _consent_page(form, form_error(form), 400)
    try:
        services.give_consent(current_user, form.ticked())
    except services.ConsentRefused as refused:
        return _consent_page(form, refused.message, refused.status)
    return redirect(safe_next(request.args.get("next")) or url_for("index"))


@bp.get("/me")
@login_required
def me():
    data = account.my_data(current_user)
    return render_template("privacy/me.html", data=data, form=Form(), display=receipts.display)


@bp.get("/me.json")
@login_required
def me_json():
    body = account.as_json(account.my_data(current_user))
    disposition = {"Content-Disposition": 'attachment; filename="my-data.json"'}
    return Response(body, mimetype="application/json", headers=disposition)


@bp.post("/me/delete")
def delete_account():
    """탈퇴. Asked again from a browser already signed out, it gives the same page."""
    if current_user.is_authenticated:
        account.delete_account(current_user)
    logout_user()
    # Nothing of the sign-in survives but the form token, so pressing the button again
    # from the same page gives the same answer; the next sign-in asks for a fresh login.
    token = session.get("csrf_token")
    session.clear()
    session[FRESH_LOGIN_KEY] = True
    if token:
        session["csrf_token"] = token
    return redirect(url_for("privacy.deleted"))


@bp.get("/me/deleted")
def deleted():
    return render_template("privacy/deleted.html")
