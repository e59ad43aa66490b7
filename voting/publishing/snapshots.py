"""Snapshots: a result as published (its payload and digest), the staff preview, publication
itself, and the check that a published snapshot still matches the ballots."""

import hashlib
import json
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from auth.models import User
from core import audit
from core import clock
from core.audit import canonical
from core.errors import DomainError
from core.extensions import db
from deliberation import locking
from deliberation import services as forums
from deliberation.models import Forum
from voting.counting import results
from voting.counting import tally
from voting.counting import turnout
from voting.models import ResultSnapshot
from voting.publishing import commitment
from voting.publishing.resultview import ResultView
from voting.publishing.resultview import view_of

# --- snapshots ----------------------------------------------------------------------


def _funded_by(funding: tally.Funding, row: tally.Row) -> str | None:
    """Equal shares: ``shares`` for an item its supporters paid for from their equal
    shares, ``remainder`` for one funded from what was left, None if not funded."""
    if not row.funded:
        return None
    return "shares" if row.item.id in funding.bought else "remainder"


def _items(result: results.Result) -> list[dict]:
    items = []
    for r in result.rows:
        item = {
            "rank": r.row.rank,
            "id": r.item.external_id,
            "title": r.item.title,
            "field": r.item.field.name if r.item.field else None,
            "cost": r.item.cost,
            "votes": r.row.votes,
            "funded": r.row.funded,
            "reason": r.row.reason,
        }
        if result.rule == "equal_shares":
            item["funded_by"] = _funded_by(result.funding, r.row)
        items.append(item)
    return items


def snapshot_payload(
    result: results.Result, audit_head: dict | None = None, salt: str | None = None
) -> dict:
    """Everything the published record states, in canonical, reproducible form.

    A published snapshot also anchors the audit log: ``audit_head`` is the chain's head
    (``{"seq", "mac"}``) at publication, so the log cannot lose entries up to it unseen.
    With a ``salt`` it commits to every ballot: ``commitment`` holds the Merkle roots of
    the counted and the excluded ballots (:mod:`voting.commitment`).
    """
    forum = result.forum
    funding = result.funding
    payload = {
        "forum": {
            "id": forum.id,
            "title": forum.title,
            "district": forum.district.code,
            "envelope": forum.envelope,
            "field_envelopes": {f.name: f.envelope for f in forum.fields if f.envelope is not None},
            "voting_starts_at": forum.voting_starts_at.isoformat(),
            "voting_ends_at": forum.voting_ends_at.isoformat(),
            "min_picks": forum.min_picks,
            "max_picks": forum.max_picks,
            "cost_cap": forum.cost_cap,
            "skip_misfits": forum.skip_misfits,
            "min_votes": forum.min_votes,
        },
        "rule": result.rule,
        "tie_break": tally.TIE_BREAK,
        "ballots_counted": result.ballots,
        "ballots_excluded": results.excluded_count(forum.id),
        "counts": {r.item.external_id: r.row.votes for r in result.rows},
        "items": _items(result),
        "funded": [r.item.external_id for r in result.funded_rows],
        "spent": funding.spent,
        "cut_rank": funding.cut_rank,
        # Published as they are stored: cells under 5 hidden (see turnout.protect), so
        # that no published file, the hashed snapshot included, can single anyone out.
        "channels": turnout.protect(results.channel_counts(forum.id)),
        "age_bands": turnout.protect(results.age_bands(forum)),
    }
    if audit_head is not None:
        payload["audit_head"] = audit_head
    if salt is not None:
        payload["commitment"] = commitment.trees(forum.id, salt).block()
    return payload


def digest(payload: dict) -> str:
    return hashlib.sha256(canonical(payload).encode()).hexdigest()


def preview(staff: User, forum_id: int, rule: str) -> "ResultView":
    """The district team's view of the result under a rule, before or after publishing."""
    forum = forums.managed_forum(staff, forum_id)
    if forum.phase not in ("closed", "published"):
        raise DomainError(
            _("Close the forum before previewing its result."), status=409, code="not_closed"
        )
    snapshot = snapshot_of(forum.id)
    if snapshot is not None:
        return view_of(json.loads(snapshot.payload), forum, snapshot)
    view = view_of(snapshot_payload(results.compute_result(forum, rule)), forum, None)
    excluded = results.excluded_count(forum.id)
    if excluded:
        without = results.compute_result(forum, rule, exclusions=False)
        funded_without = [r.item.external_id for r in without.funded_rows]
        funded_with = [row["id"] for row in view.rows if row["funded"]]
        titles = {item.external_id: f"{item.external_id} · {item.title}" for item in forum.items}
        view.comparison = {
            "excluded": excluded,
            "ballots_without": without.ballots,
            "funded_without": funded_without,
            "only_with": [titles[i] for i in sorted(set(funded_with) - set(funded_without))],
            "only_without": [titles[i] for i in sorted(set(funded_without) - set(funded_with))],
        }
    return view


def snapshot_of(forum_id: int) -> ResultSnapshot | None:
    return db.session.execute(
        select(ResultSnapshot).filter_by(forum_id=forum_id)
    ).scalar_one_or_none()


def publish(staff: User, forum_id: int, rule: str) -> ResultSnapshot:
    """Publish the result under the chosen rule: an immutable snapshot and its SHA-256."""
    return publish_forum(forums.managed_forum(staff, forum_id, locking.CHANGE), rule, staff.actor)


def publish_forum(forum: Forum, rule: str, actor: str) -> ResultSnapshot:
    """Publish a closed forum's result for ``actor`` (a team member or a system action).

    The caller has checked who may publish; this checks the phase, computes the result,
    stores the snapshot, audits and commits.
    """
    forums.transition_check(forum, "published")
    result = results.compute_result(forum, rule)
    payload = snapshot_payload(result, audit.head(), commitment.new_salt())
    snapshot = ResultSnapshot(
        forum_id=forum.id,
        rule=rule,
        payload=canonical(payload),
        sha256=digest(payload),
        published_at=clock.now(),
        published_by=actor,
    )
    db.session.add(snapshot)
    forum.phase = "published"
    audit.record(
        actor,
        "forum.publish",
        f"forum:{forum.id}",
        before={"phase": "closed"},
        after={"phase": "published", "rule": rule, "sha256": snapshot.sha256},
    )
    db.session.commit()
    return snapshot


@dataclass
class SnapshotCheck:
    matches: bool
    stored: str
    recomputed: str


def verify_snapshot(forum_id: int) -> SnapshotCheck:
    """Recompute the published payload from the stored ballots and compare digests."""
    snapshot = snapshot_of(forum_id)
    if snapshot is None:
        raise DomainError(_("This forum has no published result."), status=404, code="no_snapshot")
    forum = results.forum_with_items(forum_id)
    stored = json.loads(snapshot.payload)
    salt = (stored.get("commitment") or {}).get("salt")
    result = results.compute_result(forum, snapshot.rule)
    recomputed = digest(snapshot_payload(result, stored.get("audit_head"), salt))
    stored_ok = hashlib.sha256(snapshot.payload.encode()).hexdigest() == snapshot.sha256
    return SnapshotCheck(stored_ok and recomputed == snapshot.sha256, snapshot.sha256, recomputed)


def audit_anchors() -> list[audit.Anchor]:
    """The audit heads recorded in published snapshots, for ``audit.verify`` to check."""
    anchors = []
    query = select(ResultSnapshot.forum_id, ResultSnapshot.payload)
    for forum_id, payload in db.session.execute(query.order_by(ResultSnapshot.forum_id)):
        source = f"the head in the snapshot of forum {forum_id}"
        try:
            kept = json.loads(payload).get("audit_head")
            if kept is not None:
                anchors.append(audit.Anchor(int(kept["seq"]), str(kept["mac"]), source))
        except (AttributeError, KeyError, TypeError, ValueError):
            # A snapshot that no longer parses names no entry of the chain.
            anchors.append(audit.Anchor(0, "unreadable", source))
    return anchors
