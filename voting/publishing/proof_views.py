"""Inclusion proofs as JSON downloads. Thin: parse, call one service, send.

``/receipt/proof.json?code=…`` answers for anyone holding a receipt code, as the
receipt check does; ``/forums/<id>/my-ballot/proof.json`` for the signed-in voter.
"""

from flask import Blueprint
from flask import request
from flask import Response
from flask_login import current_user
from flask_login import login_required

from core.audit import canonical
from core.extensions import limiter
from voting.publishing import proofs

bp = Blueprint("proofs", __name__)


def _send(proof: dict) -> Response:
    response = Response(canonical(proof), mimetype="application/json")
    name = f"forum-{int(proof['forum'])}-proof.json"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/receipt/proof.json")
@limiter.limit("30 per minute")
def receipt_proof():
    return _send(proofs.for_receipt(request.args.get("code", "")))


@bp.get("/forums/<int:forum_id>/my-ballot/proof.json")
@login_required
@limiter.limit("30 per minute")
def my_proof(forum_id: int):
    return _send(proofs.for_voter(forum_id, current_user.voter_key))
