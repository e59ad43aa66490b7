"""The published commitment to the ballots: one Merkle leaf per ballot, two roots.

The rules (``tools/verify.py`` and ``static/js/proof.js`` repeat them):

* At publication a fresh random ``salt`` (16 bytes, hex) is drawn and published in
  the snapshot. A ballot's ``receipt`` tag is ``HMAC-SHA256(key=salt, receipt
  code)`` in hex: the resident who holds the code can recompute it; nobody else
  can tell whose ballot a tag is, and neither the code nor the voter key is in it.
* A leaf is the canonical JSON (sorted keys, no spaces, UTF-8) of ``{"picks":
  [item numbers, sorted as text], "receipt": tag}``, plus ``"reason"`` (the
  operator's written reason) for a ballot excluded after review, after the
  domain tag :data:`LEAF_TAG`; its hash is RFC 6962's leaf hash
  (:func:`voting.publishing.merkle.leaf_hash`).
* Counted ballots and excluded ballots form two trees; in each, leaves are in
  ascending order of their leaf hash (:data:`ORDER`), and the root is RFC 6962's
  tree hash. The snapshot records both roots, both sizes, the salt and the number
  of excluded ballots per reason.

A receipt code is as private as the ballot: with it and the published leaves
anyone can read that ballot's picks. That is what lets its holder check it.
"""

import hashlib
import hmac
import json
import secrets
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from functools import cached_property

from flask_babel import gettext as _
from sqlalchemy import select

from core.errors import DomainError
from core.extensions import db
from deliberation.models import AgendaItem
from voting.models import Ballot
from voting.models import BallotChoice
from voting.models import BallotExclusion
from voting.publishing import merkle

SCHEME = "rfc6962-sha256; receipt = hmac-sha256(salt, receipt code); leaf = tag + json"
LEAF_TAG = b"ballot-leaf/v1\n"
ORDER = "leaf hash ascending"
COUNTED = "counted"
EXCLUDED = "excluded"


def new_salt() -> str:
    """A fresh per-forum salt for the receipt tags, 16 random bytes in hex."""
    return secrets.token_hex(16)


def receipt_tag(salt: str, code: str) -> str:
    """``HMAC-SHA256(key=salt bytes, message=receipt code)``, hex."""
    return hmac.new(bytes.fromhex(salt), code.encode("ascii"), hashlib.sha256).hexdigest()


def canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class Leaf:
    """One ballot as the commitment states it: its receipt tag, its picks, and the
    reason when it was excluded."""

    receipt: str
    picks: tuple[str, ...]
    reason: str | None = None

    @property
    def record(self) -> dict:
        """The leaf as published in ``leaves.json`` and hashed (picks sorted as text)."""
        record = {"picks": sorted(self.picks), "receipt": self.receipt}
        if self.reason is not None:
            record["reason"] = self.reason
        return record

    @cached_property
    def hash(self) -> bytes:
        return merkle.leaf_hash(LEAF_TAG + canonical(self.record))


class Tree:
    """Leaves in the published order (:data:`ORDER`) and their RFC 6962 tree."""

    def __init__(self, leaves: list[Leaf]):
        self.leaves = sorted(leaves, key=lambda leaf: leaf.hash)
        self.hashes = [leaf.hash for leaf in self.leaves]

    @cached_property
    def root(self) -> str:
        return merkle.root(self.hashes).hex()

    def index(self, leaf: Leaf) -> int | None:
        at = bisect_left(self.hashes, leaf.hash)
        return at if at < len(self.hashes) and self.hashes[at] == leaf.hash else None

    def path(self, index: int) -> list[str]:
        return [node.hex() for node in merkle.audit_path(index, self.hashes)]


@dataclass
class Trees:
    salt: str
    counted: Tree
    excluded: Tree

    def block(self) -> dict:
        """What the snapshot records under ``commitment``."""
        reasons = Counter(leaf.reason for leaf in self.excluded.leaves)
        return {
            "scheme": SCHEME,
            "order": ORDER,
            "salt": self.salt,
            COUNTED: {"root": self.counted.root, "leaves": len(self.counted.leaves)},
            EXCLUDED: {
                "root": self.excluded.root,
                "leaves": len(self.excluded.leaves),
                "reasons": dict(sorted(reasons.items())),
            },
        }

    def leaves_file(self, forum_id: int) -> dict:
        """``leaves.json``: every leaf of both trees, in tree order."""
        return {
            "forum": forum_id,
            "scheme": SCHEME,
            "order": ORDER,
            "salt": self.salt,
            COUNTED: [leaf.record for leaf in self.counted.leaves],
            EXCLUDED: [leaf.record for leaf in self.excluded.leaves],
        }


def ballot_rows(forum_id: int, code: str | None = None) -> list[tuple[int, str, str | None]]:
    """(ballot id, receipt code, exclusion reason or None) of a forum's ballots."""
    query = select(Ballot.id, Ballot.receipt_code, BallotExclusion.reason).outerjoin(
        BallotExclusion,
        (BallotExclusion.ballot_id == Ballot.id) & (BallotExclusion.forum_id == forum_id),
    )
    query = query.where(Ballot.forum_id == forum_id)
    if code is not None:
        query = query.where(Ballot.receipt_code == code)
    return [tuple(row) for row in db.session.execute(query)]


def trees(forum_id: int, salt: str) -> Trees:
    """Both trees of a forum's stored ballots under ``salt``."""
    picks: dict[int, list[str]] = {}
    query = (
        select(BallotChoice.ballot_id, AgendaItem.external_id)
        .join(Ballot, Ballot.id == BallotChoice.ballot_id)
        .join(AgendaItem, AgendaItem.id == BallotChoice.item_id)
        .where(Ballot.forum_id == forum_id)
    )
    for ballot_id, external_id in db.session.execute(query):
        picks.setdefault(ballot_id, []).append(external_id)
    counted, excluded = [], []
    for ballot_id, code, reason in ballot_rows(forum_id):
        leaf = Leaf(receipt_tag(salt, code), tuple(picks.get(ballot_id, ())), reason)
        (counted if reason is None else excluded).append(leaf)
    return Trees(salt, Tree(counted), Tree(excluded))


def leaves_json(forum_id: int, payload: dict) -> bytes:
    """``leaves.json`` of a published forum, rebuilt from the stored ballots under the
    snapshot's salt: 409 when the snapshot has no commitment (published before there
    was one) or when the ballots no longer give its roots."""
    block = payload.get("commitment")
    if not block:
        raise DomainError(
            _("This result was published without a ballot commitment, so it has no leaves."),
            status=409,
            code="no_commitment",
        )
    built = trees(forum_id, block["salt"])
    if built.block() != block:
        raise DomainError(
            _("The stored ballots no longer match the published result."),
            status=409,
            code="snapshot_mismatch",
        )
    return canonical(built.leaves_file(forum_id))
