"""Scheduled scans: every forum whose window is open is scanned when it has new ballots.

The worker (``flask worker``, :mod:`core.jobs`) calls :func:`scan_open_forums` every
``ANOMALY_SCAN_SECONDS``. One scan per forum runs at a time over all machines (a lock
in Redis that expires); each worker process keeps the ballots it has read, so a scan
reads only the new ones; a forum with nothing new since its last scan is only marked
as checked. Flags that newly change the funded set are mailed to operators.
"""

from datetime import timedelta

from flask import current_app
from sqlalchemy import func
from sqlalchemy import select

from core import clock
from core import locks
from core.extensions import db
from deliberation.models import Forum
from voting.models import AnomalyScan
from voting.models import Ballot
from voting.oversight import alerts
from voting.oversight import forum_ballots
from voting.oversight import forum_scan

SCAN_LOCK_TTL = 900  # a scan of a million ballots takes well under a minute
AFTER_CLOSE = timedelta(hours=1)  # late ballots of the last minutes still get a scan


def kept_ballots() -> dict[int, forum_ballots.ForumBallots]:
    """The ballots this process has read, by forum, kept on the app: another app in the
    same process (another database, where the same forum id is another forum) keeps
    its own."""
    return current_app.extensions.setdefault("anomaly_scan_ballots", {})


def watched_forums(now) -> list[int]:
    """Forums whose voting window is open, or closed less than an hour ago."""
    query = select(Forum.id).where(
        Forum.voting_starts_at <= now, Forum.voting_ends_at >= now - AFTER_CLOSE
    )
    return list(db.session.execute(query.order_by(Forum.id)).scalars())


def has_new_ballots(forum_id: int) -> bool:
    """Whether the forum has ballots its latest scan did not cover (a forum never
    scanned counts as new, so the operator page shows its empty scan too)."""
    record = db.session.get(AnomalyScan, forum_id)
    if record is None:
        return True
    count, highest = db.session.execute(
        select(func.count(), func.max(Ballot.id)).where(Ballot.forum_id == forum_id)
    ).one()
    return (count, highest or 0) != (record.ballots, record.high_water)


def scan_open_forums() -> list[forum_scan.ScanReport]:
    """Scan each watched forum that has new ballots; returns the scans that ran."""
    reports = []
    watched = watched_forums(clock.now())
    kept = kept_ballots()
    for closed in set(kept) - set(watched):
        del kept[closed]  # its window is over: free the ballots this process kept
    for forum_id in watched:
        with locks.held(f"anomalies-scan:{forum_id}", SCAN_LOCK_TTL) as mine:
            if not mine:
                continue  # another worker is scanning it now
            report = _scan_if_new(forum_id)
        if report is not None:
            reports.append(report)
            if report.alerts:
                alerts.notify(report.alerts)
    return reports


def _scan_if_new(forum_id: int) -> forum_scan.ScanReport | None:
    if not has_new_ballots(forum_id):
        record = db.session.get(AnomalyScan, forum_id)
        if record is not None:
            record.checked_at = clock.now()
            db.session.commit()
        return None
    loaded = kept_ballots().setdefault(forum_id, forum_ballots.ForumBallots(forum_id))
    return forum_scan.scan_forum(forum_id, actor="scheduler", loaded=loaded)
