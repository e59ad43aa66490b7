"""The operator's flag list with each forum's latest scan and the alerts awaiting review."""

from dataclasses import dataclass

from sqlalchemy import select

from auth.models import User
from core.extensions import db
from deliberation.models import Forum
from voting.models import AnomalyScan
from voting.oversight import decisions
from voting.oversight import flag_review


@dataclass
class ScanStatus:
    forum_id: int
    forum_title: str
    scan: AnomalyScan


@dataclass
class FlagsPage:
    flags: list[flag_review.Listed]
    scans: list[ScanStatus]

    @property
    def alerts(self) -> int:
        """Undecided flags that were raised as changing the funded set."""
        return sum(
            1
            for row in self.flags
            if row.flag.alerted_at is not None and row.flag.status in decisions.UNDECIDED
        )


def flags_page(operator: User, forum_id: int | None = None) -> FlagsPage:
    """Flags by severity (:func:`flag_review.list_flags`) and scans, latest first."""
    query = select(AnomalyScan, Forum.title).join(Forum, Forum.id == AnomalyScan.forum_id)
    if forum_id is not None:
        query = query.where(AnomalyScan.forum_id == forum_id)
    rows = db.session.execute(query.order_by(AnomalyScan.scanned_at.desc(), Forum.id)).all()
    scans = [ScanStatus(scan.forum_id, title, scan) for scan, title in rows]
    return FlagsPage(flag_review.list_flags(operator, forum_id), scans)
