"""The published commitment: leaves per ballot, two roots in the snapshot, proofs."""

import io
import json
import zipfile

import pytest
from sqlalchemy import select

from core.errors import DomainError
from core.extensions import db
from tests import elections
from voting.counting import results
from voting.models import Ballot
from voting.models import BallotChoice
from voting.publishing import commitment
from voting.publishing import exports
from voting.publishing import merkle
from voting.publishing import proofs

PICKS = [(0, 1, 2), (0, 1, 3), (0, 2, 4), (1, 3, 4), (0, 1, 4), (0, 3, 4), (2,)]


def _leaf_hash(record: dict) -> bytes:
    return merkle.leaf_hash(commitment.LEAF_TAG + commitment.canonical(record))


def _published(app, excluded=(5, 6)):
    forum = elections.closed_forum(PICKS)
    codes = [elections.receipt(forum.id * 10_000 + n) for n in range(len(PICKS))]
    elections.exclude(forum, [codes[n] for n in excluded])
    elections.publish(forum.id)
    record = exports.published(forum.id)
    return forum, codes, record


def test_the_snapshot_commits_to_counted_and_excluded_ballots(app):
    forum, codes, record = _published(app)
    block = record.payload["commitment"]
    assert block["counted"]["leaves"] == record.payload["ballots_counted"] == 5
    assert block["excluded"]["leaves"] == 2
    assert block["excluded"]["reasons"] == {elections.REASON: 2}
    leaves = json.loads(commitment.leaves_json(forum.id, record.payload))
    assert leaves["salt"] == block["salt"] and len(block["salt"]) == 32
    for tree in ("counted", "excluded"):
        hashes = [_leaf_hash(leaf) for leaf in leaves[tree]]
        assert hashes == sorted(hashes)
        assert merkle.root(hashes).hex() == block[tree]["root"]
    # A resident recomputes their own leaf from the receipt code and their picks.
    items = sorted(forum.items, key=lambda item: item.position)
    mine = {
        "picks": sorted(items[i].external_id for i in PICKS[0]),
        "receipt": commitment.receipt_tag(block["salt"], codes[0]),
    }
    assert mine in leaves["counted"]
    # No receipt code is published, in the snapshot or in the leaves.
    text = record.snapshot.payload + json.dumps(leaves)
    assert not any(code in text for code in codes)
    assert [leaf["reason"] for leaf in leaves["excluded"]] == [elections.REASON] * 2


def test_verify_snapshot_catches_a_changed_receipt_or_choice(app):
    forum, codes, _record = _published(app)
    assert results.verify_snapshot(forum.id).matches
    ballot = db.session.execute(select(Ballot).filter_by(receipt_code=codes[1])).scalar_one()
    ballot.receipt_code = elections.receipt(999_999)
    db.session.commit()
    assert not results.verify_snapshot(forum.id).matches
    with pytest.raises(DomainError) as refused:
        commitment.leaves_json(forum.id, exports.published(forum.id).payload)
    assert refused.value.status == 409


def test_a_counted_ballot_proof_leads_to_the_counted_root(app):
    forum, codes, record = _published(app)
    proof = proofs.for_receipt(codes[2].lower())
    block = record.payload["commitment"]
    assert proof["tree"] == "counted" and proof["root"] == block["counted"]["root"]
    assert proof["leaf"]["receipt"] == commitment.receipt_tag(block["salt"], codes[2])
    assert proof["snapshot_sha256"] == record.snapshot.sha256
    path = [bytes.fromhex(node) for node in proof["path"]]
    top = bytes.fromhex(block["counted"]["root"])
    assert merkle.verify(_leaf_hash(proof["leaf"]), proof["index"], proof["size"], path, top)


def test_an_excluded_ballot_proof_leads_to_the_excluded_root_with_its_reason(app):
    forum, codes, record = _published(app)
    proof = proofs.for_receipt(codes[6])
    block = record.payload["commitment"]
    assert proof["tree"] == "excluded" and proof["leaf"]["reason"] == elections.REASON
    path = [bytes.fromhex(node) for node in proof["path"]]
    top = bytes.fromhex(block["excluded"]["root"])
    assert merkle.verify(_leaf_hash(proof["leaf"]), proof["index"], proof["size"], path, top)


def test_no_proof_before_publication_nor_for_a_bad_code(app):
    forum = elections.closed_forum(PICKS[:2])
    code = elections.receipt(forum.id * 10_000)
    with pytest.raises(DomainError) as early:
        proofs.for_receipt(code)
    assert early.value.status == 409
    with pytest.raises(DomainError) as bad:
        proofs.for_receipt("ABC")
    assert bad.value.status == 400
    with pytest.raises(DomainError) as unknown:
        proofs.for_receipt(elections.receipt(123_456_789))
    assert unknown.value.status == 404


def test_the_zip_carries_the_leaves(app):
    forum, _codes, record = _published(app)
    with zipfile.ZipFile(io.BytesIO(exports.open_data_zip(record))) as archive:
        assert archive.read("leaves.json") == commitment.leaves_json(forum.id, record.payload)


def test_a_choice_changed_after_publication_breaks_the_leaves(app):
    forum, codes, _record = _published(app)
    ballot = db.session.execute(select(Ballot).filter_by(receipt_code=codes[0])).scalar_one()
    db.session.execute(db.delete(BallotChoice).where(BallotChoice.ballot_id == ballot.id))
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        proofs.for_receipt(codes[0])
    assert refused.value.code == "snapshot_mismatch"


def test_the_zip_readme_names_the_leaves_and_the_verifier(app):
    _forum, _codes, record = _published(app)
    text = exports.readme(record)
    block = record.payload["commitment"]
    assert "`leaves.json`" in text and block["counted"]["root"] in text
    assert "python verify.py snapshot.json ballots.pb --leaves leaves.json" in text
    assert "검증 도구 `verify.py`" in text
