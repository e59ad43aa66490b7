"""Scanning a forum's stored ballots into flags: a rescan updates the same flags by key."""

import json
from collections import Counter
from dataclasses import dataclass

from flask import abort
from sqlalchemy import select

from core import audit
from core import clock
from core.extensions import db
from deliberation.models import AgendaItem
from deliberation.models import Forum
from voting.counting import results
from voting.models import AnomalyFlag
from voting.models import Ballot
from voting.models import BallotChoice
from voting.oversight import decisions
from voting.oversight import records
from voting.oversight import scan as scanning


@dataclass
class Loaded:
    forum: Forum
    ballots: list[records.Ballot]
    keys: dict[str, str]  # ballot id -> voter key, for pseudonyms


def _load(forum_id: int) -> Loaded:
    forum = db.session.get(Forum, forum_id)
    if forum is None:
        abort(404)
    external = dict(
        db.session.execute(
            select(AgendaItem.id, AgendaItem.external_id).where(AgendaItem.forum_id == forum_id)
        ).all()
    )
    picks: dict[int, list[str]] = {}
    choices = (
        select(BallotChoice.ballot_id, BallotChoice.item_id)
        .join(Ballot, Ballot.id == BallotChoice.ballot_id)
        .where(Ballot.forum_id == forum_id)
    )
    for ballot_id, item_id in db.session.execute(choices):
        picks.setdefault(ballot_id, []).append(external[item_id])
    rows = db.session.execute(
        select(
            Ballot.id,
            Ballot.voter_key,
            Ballot.cast_at,
            Ballot.network_hash,
            Ballot.device_hash,
            Ballot.agent_hash,
            Ballot.channel,
            Ballot.first_seen_at,
        ).where(Ballot.forum_id == forum_id)
    ).all()
    ballots = [
        records.Ballot(
            voter=str(row.id),
            time=row.cast_at,
            picks=tuple(sorted(picks.get(row.id, ()))),
            network=row.network_hash or "",
            device=row.device_hash or "",
            agent=row.agent_hash or "",
            channel=row.channel,
            first_seen=row.first_seen_at,
        )
        for row in rows
    ]
    return Loaded(forum, ballots, {str(row.id): row.voter_key for row in rows})


def _funder(forum: Forum, ballots: list[records.Ballot]):
    """A function from excluded ballot ids to the funded set (greedy, the forum's options)."""
    items = results.tally_items(forum)
    known = {item.id for item in items}
    base = Counter(p for b in ballots for p in b.picks if p in known)
    by_voter = {b.voter: b.picks for b in ballots}

    def funded(excluded: set[str]) -> set[str]:
        counts = base.copy()
        for voter in excluded:
            counts.subtract(p for p in by_voter.get(voter, ()) if p in known)
        votes = {i.id: counts.get(i.id, 0) for i in items}
        return set(results.fund_greedy(forum, items, votes).funded_ids)

    return funded


@dataclass
class ScanReport:
    forum_id: int
    ballots: int
    flags: int
    new: int
    updated: int
    gone: int


def scan_forum(forum_id: int, actor: str = "cli") -> ScanReport:
    """Scan a forum's ballots; a rescan updates the same flags (by key) instead of adding.

    Safe to run every few minutes during the window. Flags that no longer appear stay
    for the record but become inactive; decided flags keep their decision.
    """
    loaded = _load(forum_id)
    stored = {
        flag.key: flag
        for flag in db.session.execute(select(AnomalyFlag).filter_by(forum_id=forum_id)).scalars()
    }
    previous = [{"key": key, "members": json.loads(flag.members)} for key, flag in stored.items()]
    flags = scanning.scan(loaded.ballots, previous=previous)
    funded = _funder(loaded.forum, loaded.ballots)
    now_funded = funded(set())
    now = clock.now()
    seen = set()
    new = updated = 0
    for found in flags:
        seen.add(found.key)
        effect = scanning.impact(found, funded, now_funded)
        row = stored.get(found.key)
        if row is None:
            row = AnomalyFlag(
                forum_id=forum_id, key=found.key, first_seen_at=now, status=decisions.OPEN
            )
            db.session.add(row)
            new += 1
        elif found.change == "updated" or not row.active:
            updated += 1
        details = found.as_dict()
        details.pop("members")
        row.tier = found.tier
        row.size = found.size
        row.log10_p = found.log10_p
        row.details = json.dumps(details, ensure_ascii=False)
        row.members = json.dumps(list(found.members))
        row.impact = json.dumps(effect)
        row.changes_outcome = effect["changes_outcome"]
        row.active = True
        row.updated_at = now
    gone = 0
    for key, row in stored.items():
        if key not in seen and row.active:
            row.active = False
            row.updated_at = now
            gone += 1
    report = ScanReport(forum_id, len(loaded.ballots), len(flags), new, updated, gone)
    audit.record(actor, "anomalies.scan", f"forum:{forum_id}", after=report.__dict__)
    db.session.commit()
    return report
