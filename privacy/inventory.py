"""How much of each item of the retention schedule is held now (breach readiness: what
would a leak contain, and how many people would have to be told)."""

from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select

from auth.models import User
from auth.models import UserSession
from core.extensions import db
from deliberation.models import Comment
from privacy import schedule
from privacy.account import DELETED_AUTHOR_PREFIX
from privacy.models import ConsentRecord
from privacy.models import StaffAccess
from privacy.purge import ANONYMOUS_PREFIX
from voting.models import Ballot


@dataclass(frozen=True)
class Held:
    key: str
    item: str
    count: int


def _count(query) -> int:
    return db.session.execute(query).scalar_one()


def _counts() -> dict[str, int]:
    signals = or_(
        Ballot.network_hash.is_not(None),
        Ballot.agent_hash.is_not(None),
        Ballot.device_hash.is_not(None),
    )
    return {
        "account": _count(select(func.count()).select_from(User)),
        "ballot_voter_key": _count(
            select(func.count()).where(~Ballot.voter_key.startswith(ANONYMOUS_PREFIX))
        ),
        "review_signals": _count(select(func.count()).where(signals)),
        "comments": _count(
            select(func.count()).where(~Comment.author_key.startswith(DELETED_AUTHOR_PREFIX))
        ),
        "consents": _count(select(func.count()).select_from(ConsentRecord)),
        "sessions": _count(select(func.count()).select_from(UserSession)),
        "staff_access_log": _count(select(func.count()).select_from(StaffAccess)),
    }


def inventory() -> list[Held]:
    """Each item of the schedule, in its order, with how many are held."""
    counts = _counts()
    return [Held(entry.key, str(entry.item), counts[entry.key]) for entry in schedule.SCHEDULE]
