"""Results: counting from the database, the rule registry, snapshots and publication."""

import hashlib
import json
from collections import Counter
from dataclasses import dataclass

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import func
from sqlalchemy import select

from auth.models import User
from core import audit
from core import clock
from core.audit import canonical
from core.errors import DomainError
from core.extensions import db
from core.i18n import krw
from deliberation import locking
from deliberation import services as forums
from deliberation.models import AgendaItem
from deliberation.models import Forum
from voting.counting import rulebook
from voting.counting import tally
from voting.counting import turnout
from voting.models import Ballot
from voting.models import BallotChoice
from voting.models import BallotExclusion
from voting.models import CHANNELS
from voting.models import ResultSnapshot
from voting.publishing import commitment
from voting.publishing.resultview import ResultView
from voting.publishing.resultview import view_of


def _rule_refusal(options: tally.Options) -> str:
    """Why a rule refused a forum's options, in the team's words.

    Equal shares funds each field on its envelope and the rest on what remains,
    so it needs the fields' envelopes within the forum's (settings keep them so).
    """
    total = sum((options.field_envelopes or {}).values())
    if total > options.envelope:
        return _(
            "The fields' envelopes add up to %(total)s, more than the forum's %(envelope)s.",
            total=krw(total),
            envelope=krw(options.envelope),
        )
    return _("This rule cannot be applied to this forum.")


@dataclass
class ResultRow:
    row: tally.Row
    item: AgendaItem


@dataclass
class Result:
    forum: Forum
    ballots: int
    funding: tally.Funding
    rows: list[ResultRow]
    rule: str = "greedy"

    @property
    def funded_rows(self) -> list[ResultRow]:
        return [r for r in self.rows if r.row.funded]

    def as_json(self) -> dict:
        return {
            "forum": self.forum.id,
            "envelope": self.forum.envelope,
            "rule": self.rule,
            "ballots": self.ballots,
            "items": [
                {
                    "rank": r.row.rank,
                    "id": r.item.external_id,
                    "title": r.item.title,
                    "cost": r.item.cost,
                    "votes": r.row.votes,
                    "funded": r.row.funded,
                }
                for r in self.rows
            ],
        }


def counted(forum_id: int, exclusions: bool = True):
    """The SQL condition for the ballots a forum's tally counts.

    Every ballot of the forum counts, except those excluded because an operator
    confirmed a flag on them (unless ``exclusions`` is False, for the comparison).
    """
    condition = Ballot.forum_id == forum_id
    if exclusions:
        excluded = select(BallotExclusion.ballot_id).where(BallotExclusion.forum_id == forum_id)
        condition = condition & Ballot.id.not_in(excluded)
    return condition


def excluded_count(forum_id: int) -> int:
    query = (
        select(func.count())
        .select_from(BallotExclusion)
        .where(BallotExclusion.forum_id == forum_id)
    )
    return db.session.execute(query).scalar_one()


def _excluded(forum_id: int):
    """The forum's ballots that confirmed exclusions leave out of its tally."""
    return (
        select(BallotExclusion.ballot_id)
        .join(Ballot, Ballot.id == BallotExclusion.ballot_id)
        .where(BallotExclusion.forum_id == forum_id, Ballot.forum_id == forum_id)
    )


def ballot_count(forum_id: int, exclusions: bool = True) -> int:
    """Ballots counted in a forum: all of its ballots less the (few) excluded ones."""
    ballots = db.session.execute(
        select(func.count()).select_from(Ballot).where(Ballot.forum_id == forum_id)
    ).scalar_one()
    if exclusions:
        excluded = _excluded(forum_id).subquery()
        ballots -= db.session.execute(select(func.count()).select_from(excluded)).scalar_one()
    return ballots


def vote_counts(forum_id: int, exclusions: bool = True) -> tuple[int, dict[int, int]]:
    """Ballots counted in a forum and votes per item id, counted by the database.

    A ballot only names items of its own forum (casting and imports check it), so an
    item's votes are its choices, counted on the ``item_id`` index alone (an
    index-only scan per item, no join to the ballots), less the choices of the
    forum's excluded ballots, which a second, small query counts. Items without
    votes are left out of the mapping.
    """
    ballots = ballot_count(forum_id, exclusions)
    choices = (
        select(func.count())
        .select_from(BallotChoice)
        .where(BallotChoice.item_id == AgendaItem.id)
        .correlate(AgendaItem)
        .scalar_subquery()
    )
    query = select(AgendaItem.id, choices).where(AgendaItem.forum_id == forum_id)
    counts: dict[int, int] = dict(db.session.execute(query).all())
    if exclusions:
        excluded = (
            select(BallotChoice.item_id, func.count())
            .where(BallotChoice.ballot_id.in_(_excluded(forum_id)))
            .group_by(BallotChoice.item_id)
        )
        for item_id, votes in db.session.execute(excluded):
            if item_id in counts:
                counts[item_id] -= votes
    return ballots, {item_id: votes for item_id, votes in counts.items() if votes}


def approval_profile(forum_id: int, external: dict[int, str], exclusions: bool = True) -> Counter:
    """Identical ballots grouped: approval set (external ids) -> number of ballots."""
    query = (
        select(BallotChoice.ballot_id, BallotChoice.item_id)
        .join(Ballot, Ballot.id == BallotChoice.ballot_id)
        .where(counted(forum_id, exclusions))
        .order_by(BallotChoice.ballot_id)
    )
    sets: dict[int, list[str]] = {}
    for ballot_id, item_id in db.session.execute(query):
        if item_id in external:
            sets.setdefault(ballot_id, []).append(external[item_id])
    profile = Counter(frozenset(picks) for picks in sets.values())
    # Ballots that approve nothing on the ballot still count as voters (equal shares).
    ballots = ballot_count(forum_id, exclusions)
    if ballots > len(sets):
        profile[frozenset()] = ballots - len(sets)
    return profile


def _options(forum: Forum) -> tally.Options:
    return tally.Options(
        envelope=forum.envelope,
        field_envelopes={f.name: f.envelope for f in forum.fields if f.envelope is not None},
        skip_misfits=forum.skip_misfits,
        min_votes=forum.min_votes,
    )


def tally_items(forum: Forum) -> list[tally.Item]:
    """The forum's approved items as the tally counts them: external id, cost, field."""
    return [
        tally.Item(id=i.external_id, cost=i.cost, field=i.field.name if i.field else None)
        for i in forum.items
        if i.status == "approved"
    ]


def fund_greedy(forum: Forum, items: list[tally.Item], votes: dict[str, int]) -> tally.Funding:
    """Greedy funding of ``votes`` (external item id -> votes) under the forum's options."""
    return rulebook.GREEDY.from_counts(votes, items, _options(forum))


def compute_result(forum: Forum, rule: str = rulebook.DEFAULT, exclusions: bool = True) -> Result:
    """Rank the forum's approved items by votes and fund them by the named rule.

    Confirmed exclusions are applied unless ``exclusions`` is False.
    """
    chosen = rulebook.RULES.get(rule)
    if chosen is None:
        raise DomainError(_("Unknown rule %(rule)s.", rule=rule), status=422, code="unknown_rule")
    ballots, counts = vote_counts(forum.id, exclusions)
    on_ballot = [item for item in forum.items if item.status == "approved"]
    by_external = {item.external_id: item for item in on_ballot}
    items = tally_items(forum)
    votes = {i.external_id: counts.get(i.id, 0) for i in on_ballot}
    external = {i.id: i.external_id for i in on_ballot}
    options = _options(forum)
    if chosen.ranks_by_votes:
        # The counts the database summed are enough: no ballot is loaded.
        funding = chosen.from_counts(votes, items, options)
    else:
        profile = approval_profile(forum.id, external, exclusions)
        try:
            funding = chosen.fund(tally.Election.from_ballots(profile, items), options)
        except ValueError:
            raise DomainError(_rule_refusal(options), status=422, code="rule") from None
    rows = [ResultRow(row=row, item=by_external[row.item.id]) for row in funding.rows]
    return Result(forum=forum, ballots=ballots, funding=funding, rows=rows, rule=rule)


def _forum_with_items(forum_id: int) -> Forum:
    forum = forums.load_forum(forum_id)
    if forum is None:
        abort(404)
    return forum


def result_for_cli(forum_id: int, rule: str = rulebook.DEFAULT) -> Result:
    """The result for operators at the command line, whatever the phase."""
    return compute_result(_forum_with_items(forum_id), rule)


# --- statistics ----------------------------------------------------------------------


def channel_counts(forum_id: int) -> dict[str, int]:
    """Counted ballots per channel, every channel present (0 when none)."""
    query = (
        select(Ballot.channel, func.count())
        .where(counted(forum_id))
        .group_by(Ballot.channel)
        .order_by(Ballot.channel)
    )
    return {**dict.fromkeys(CHANNELS, 0), **dict(db.session.execute(query).all())}


def age_bands(forum: Forum) -> dict[str, int]:
    query = (
        select(Ballot.birth_year, func.count()).where(counted(forum.id)).group_by(Ballot.birth_year)
    )
    per_year = dict(db.session.execute(query).all())
    return turnout.by_age_band(per_year, forum.voting_starts_at.year)


# --- snapshots ----------------------------------------------------------------------


def _funded_by(funding: tally.Funding, row: tally.Row) -> str | None:
    """Equal shares: ``shares`` for an item its supporters paid for from their equal
    shares, ``remainder`` for one funded from what was left, None if not funded."""
    if not row.funded:
        return None
    return "shares" if row.item.id in funding.bought else "remainder"


def _items(result: Result) -> list[dict]:
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
    result: Result, audit_head: dict | None = None, salt: str | None = None
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
        "ballots_excluded": excluded_count(forum.id),
        "counts": {r.item.external_id: r.row.votes for r in result.rows},
        "items": _items(result),
        "funded": [r.item.external_id for r in result.funded_rows],
        "spent": funding.spent,
        "cut_rank": funding.cut_rank,
        # Published as they are stored: cells under 5 hidden (see turnout.protect), so
        # that no published file, the hashed snapshot included, can single anyone out.
        "channels": turnout.protect(channel_counts(forum.id)),
        "age_bands": turnout.protect(age_bands(forum)),
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
    view = view_of(snapshot_payload(compute_result(forum, rule)), forum, None)
    excluded = excluded_count(forum.id)
    if excluded:
        without = compute_result(forum, rule, exclusions=False)
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
    result = compute_result(forum, rule)
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
    forum = _forum_with_items(forum_id)
    stored = json.loads(snapshot.payload)
    salt = (stored.get("commitment") or {}).get("salt")
    result = compute_result(forum, snapshot.rule)
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
