"""Inclusion proofs: that a receipt's ballot is a leaf under a published root.

A proof (JSON) names the tree (``counted``, or ``excluded`` with the reason in the
leaf), the leaf as published in ``leaves.json``, its index, the tree's size, the
audit path (RFC 6962) and the root, with the snapshot's SHA-256 and salt. Anyone
with the receipt code checks it: the leaf's receipt tag is HMAC-SHA256 of the code
under the salt, and the path leads from the leaf's hash to the root that the
published snapshot records (``static/js/proof.js``, ``tools/verify.py``).
"""

import json

from flask_babel import gettext as _
from sqlalchemy import select

from core.errors import DomainError
from core.extensions import db
from deliberation.models import Forum
from voting.casting import receipts
from voting.models import Ballot
from voting.models import ResultSnapshot
from voting.publishing import commitment


def _not_yet() -> DomainError:
    return DomainError(
        _("The result of this forum has not been published with a ballot commitment yet."),
        status=409,
        code="no_commitment",
    )


def proof(ballot: Ballot) -> dict:
    """The inclusion proof of a stored ballot in its forum's published commitment.

    409 (``no_commitment``) before publication, or for a snapshot published without
    one; 409 (``snapshot_mismatch``) when the stored ballots no longer give the
    published root.
    """
    forum = db.session.get(Forum, ballot.forum_id)
    snapshot = db.session.execute(
        select(ResultSnapshot).filter_by(forum_id=ballot.forum_id)
    ).scalar_one_or_none()
    if forum is None or forum.phase != "published" or snapshot is None:
        raise _not_yet()
    block = json.loads(snapshot.payload).get("commitment")
    if not block:
        raise _not_yet()
    built = commitment.trees(forum.id, block["salt"])
    if built.block() != block:
        raise DomainError(
            _("The stored ballots no longer match the published result."),
            status=409,
            code="snapshot_mismatch",
        )
    for tree_name, tree in ((commitment.COUNTED, built.counted), ("excluded", built.excluded)):
        leaf = _leaf_of(tree, block["salt"], ballot.receipt_code)
        if leaf is not None:
            index = tree.index(leaf)
            return {
                "forum": forum.id,
                "snapshot_sha256": snapshot.sha256,
                "scheme": block["scheme"],
                "salt": block["salt"],
                "tree": tree_name,
                "leaf": leaf.record,
                "index": index,
                "size": len(tree.leaves),
                "path": tree.path(index),
                "root": tree.root,
            }
    raise _not_yet()  # pragma: no cover - every stored ballot is in one tree


def _leaf_of(tree: commitment.Tree, salt: str, code: str) -> commitment.Leaf | None:
    tag = commitment.receipt_tag(salt, code)
    return next((leaf for leaf in tree.leaves if leaf.receipt == tag), None)


def for_receipt(text: str) -> dict:
    """The proof of the ballot a receipt code names; 400 for a malformed code, 404
    when no ballot has it."""
    code = receipts.normalize(text)
    if len(code) != 20:
        raise DomainError(
            _("A receipt code has 20 letters and digits, like ABCD-EFGH-IJKL-MNOP-QRST."),
            code="bad_receipt",
        )
    ballot = db.session.execute(
        select(Ballot).where(Ballot.receipt_code == code)
    ).scalar_one_or_none()
    if ballot is None:
        raise DomainError(
            _("No ballot has receipt code %(code)s.", code=receipts.display(code)),
            status=404,
            code="no_ballot",
        )
    return proof(ballot)


def for_voter(forum_id: int, voter_key: str) -> dict:
    """The proof of the signed-in resident's own ballot in a forum; 404 without one."""
    ballot = db.session.execute(
        select(Ballot).where(Ballot.forum_id == forum_id, Ballot.voter_key == voter_key)
    ).scalar_one_or_none()
    if ballot is None:
        raise DomainError(_("You have not voted in this forum."), status=404, code="no_ballot")
    return proof(ballot)
