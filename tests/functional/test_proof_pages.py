"""The receipt check and "my ballot" offer the inclusion proof once the result is published."""

import hashlib
import json

from core.extensions import db
from tests import elections
from tests import factories
from tests.web import sign_in
from tests.web import text
from voting.models import Ballot

PICKS = [(0, 1), (2,), (1, 3)]


def _forum_with_my_ballot():
    forum = elections.closed_forum(PICKS)
    me = factories.user("resident-proof")
    ballot = db.session.execute(
        db.select(Ballot).filter_by(receipt_code=elections.receipt(forum.id * 10_000))
    ).scalar_one()
    ballot.voter_key = me.voter_key
    db.session.commit()
    return forum, me, ballot.receipt_code


def test_no_proof_before_publication_and_a_clear_refusal(client, app):
    forum, _me, code = _forum_with_my_ballot()
    page = text(client.get(f"/receipt?code={code}"))
    assert 'id="proof"' not in page
    early = client.get(f"/receipt/proof.json?code={code}")
    assert early.status_code == 409
    assert client.get("/receipt/proof.json?code=nonsense").status_code == 400
    assert client.get(f"/receipt/proof.json?code={elections.receipt(7)}").status_code == 404


def test_after_publication_both_pages_link_a_proof_that_leads_to_the_root(client, app):
    forum, me, code = _forum_with_my_ballot()
    elections.publish(forum.id)
    page = text(client.get(f"/receipt?code={code}"))
    assert 'id="proof"' in page and "js/proof.js" in page and "<script>" not in page
    proof = client.get(f"/receipt/proof.json?code={code}")
    assert proof.status_code == 200 and proof.headers["Cache-Control"] == "no-store"
    data = json.loads(proof.data)
    snapshot = json.loads(client.get(f"/forums/{forum.id}/snapshot.json").data)
    assert data["root"] == snapshot["commitment"]["counted"]["root"]
    assert (
        data["snapshot_sha256"]
        == hashlib.sha256(client.get(f"/forums/{forum.id}/snapshot.json").data).hexdigest()
    )
    sign_in(client, me)
    mine = text(client.get(f"/forums/{forum.id}/my-ballot"))
    assert 'id="proof"' in mine and f'data-receipt="{code}"' in mine
    assert json.loads(client.get(f"/forums/{forum.id}/my-ballot/proof.json").data) == data
