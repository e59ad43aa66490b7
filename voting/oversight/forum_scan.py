"""Scanning a forum's stored ballots into flags: a rescan updates the same flags by key."""

import json
import time
from collections import Counter
from dataclasses import dataclass
from dataclasses import field

from flask import abort
from sqlalchemy import select

from core import audit
from core import clock
from core.extensions import db
from deliberation.models import Forum
from voting.counting import results
from voting.models import AnomalyFlag
from voting.models import AnomalyScan
from voting.oversight import decisions
from voting.oversight import forum_ballots
from voting.oversight import records
from voting.oversight import scan as scanning
from voting.oversight.thresholds import FLAGGING_TIERS


def _funder(forum: Forum, ballots: list[records.Ballot], flags: list[records.Flag]):
    """A function from excluded ballot ids (members of ``flags``) to the funded set
    (greedy, the forum's options).

    Ballots share few distinct sets of picks, so the votes are counted per set; only the
    flagged ballots' picks are kept for the exclusions.
    """
    items = results.tally_items(forum)
    known = {item.id for item in items}
    base: Counter = Counter()
    for picks, ballots_with in Counter(b.picks for b in ballots).items():
        for pick in picks:
            if pick in known:
                base[pick] += ballots_with
    flagged = {voter for flag in flags for voter in flag.members}
    by_voter = {b.voter: b.picks for b in ballots if b.voter in flagged}

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
    # ids of the flags that now change the funded set and were never alerted before
    alerts: list[int] = field(default_factory=list)


def scan_forum(
    forum_id: int, actor: str = "cli", loaded: forum_ballots.ForumBallots | None = None
) -> ScanReport:
    """Scan a forum's ballots; a rescan updates the same flags (by key) instead of adding.

    Safe to run every few minutes during the window. Flags that no longer appear stay
    for the record but become inactive; decided flags keep their decision. ``loaded``
    is the forum's ballots read so far (a scheduled scan keeps them between runs); the
    scan reads what is new. The forum's scan record and the alerts (an undecided flag
    that now changes the funded set, raised once per flag) are written in the same
    commit as the flags.
    """
    started = time.perf_counter()
    forum = db.session.get(Forum, forum_id)
    if forum is None:
        abort(404)
    if loaded is None or loaded.forum_id != forum_id:
        loaded = forum_ballots.ForumBallots(forum_id)
    ballots = forum_ballots.refresh(loaded).records()
    stored = {
        flag.key: flag
        for flag in db.session.execute(select(AnomalyFlag).filter_by(forum_id=forum_id)).scalars()
    }
    previous = [{"key": key, "members": json.loads(flag.members)} for key, flag in stored.items()]
    flags = scanning.scan(ballots, previous=previous)
    funded = _funder(forum, ballots, flags)
    now_funded = funded(set())
    now = clock.now()
    seen = set()
    new = updated = 0
    alerts: list[AnomalyFlag] = []
    for found in flags:
        seen.add(found.key)
        row = stored.get(found.key)
        if row is None:
            row = AnomalyFlag(
                forum_id=forum_id, key=found.key, first_seen_at=now, status=decisions.OPEN
            )
            db.session.add(row)
            new += 1
        elif found.change == "updated" or not row.active:
            updated += 1
        _update_row(row, found, scanning.impact(found, funded, now_funded), now)
        if _alerting(row):
            row.alerted_at = now
            alerts.append(row)
    gone = 0
    for key, row in stored.items():
        if key not in seen and row.active:
            row.active = False
            row.updated_at = now
            gone += 1
    report = ScanReport(forum_id, len(ballots), len(flags), new, updated, gone)
    audit.record(actor, "anomalies.scan", f"forum:{forum_id}", after=report.__dict__)
    _record_scan(forum_id, loaded, report, now, time.perf_counter() - started)
    db.session.flush()
    report.alerts = [row.id for row in alerts]
    db.session.commit()
    return report


def _update_row(row: AnomalyFlag, found: records.Flag, effect: dict, now) -> None:
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


def _alerting(row: AnomalyFlag) -> bool:
    """The alert rule: an undecided flag of a flagging tier that changes the funded set,
    alerted once (a flag that stops and starts changing it again is not raised twice)."""
    return (
        row.changes_outcome
        and row.alerted_at is None
        and row.tier in FLAGGING_TIERS
        and row.status in decisions.UNDECIDED
    )


def _record_scan(forum_id, loaded, report: ScanReport, now, seconds: float) -> None:
    record = db.session.get(AnomalyScan, forum_id)
    if record is None:
        record = AnomalyScan(forum_id=forum_id)
        db.session.add(record)
    record.scanned_at = record.checked_at = now
    record.ballots = report.ballots
    record.high_water = loaded.high_water
    record.flags = report.flags
    record.new_flags = report.new
    record.seconds = round(seconds, 3)
