"""Closed forums with ballots and exclusions, published as a district team would."""

import hashlib
from datetime import datetime
from datetime import timedelta
from datetime import UTC

from auth.models import Role
from core.extensions import db
from deliberation.models import Forum
from tests import factories
from voting.counting import results
from voting.models import AnomalyFlag
from voting.models import Ballot
from voting.models import BallotChoice
from voting.models import BallotExclusion

REASON = "같은 기기에서 짧은 시간에 여러 표가 들어왔습니다"


def receipt(n: int) -> str:
    """A 20-character receipt code of the receipt alphabet."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    digits = []
    for _ in range(20):
        n, rest = divmod(n, 32)
        digits.append(letters[rest])
    return "".join(digits)


def closed_forum(picks: list[tuple[int, ...]], **options) -> Forum:
    """A closed forum whose ballot ``n`` (receipt ``receipt(n)``) picks those item positions."""
    now = datetime.now(UTC)
    forum = factories.forum(
        phase="closed", opens=now - timedelta(days=8), closes=now - timedelta(days=1), **options
    )
    items = sorted(forum.items, key=lambda item: item.position)
    for n, chosen in enumerate(picks):
        ballot = Ballot(
            forum_id=forum.id,
            voter_key=hashlib.sha256(f"{forum.id}-voter-{n}".encode()).hexdigest(),
            receipt_code=receipt(forum.id * 10_000 + n),
            channel="online",
            cast_at=now - timedelta(days=2),
            birth_year=1960 + n % 40,
        )
        ballot.choices = [BallotChoice(item_id=items[i].id) for i in chosen]
        db.session.add(ballot)
    db.session.commit()
    return forum


def exclude(forum: Forum, codes: list[str], reason: str = REASON) -> None:
    """Leave ballots out of the tally, as a confirmed bloc-voting flag does."""
    now = datetime.now(UTC)
    flag = AnomalyFlag(
        forum_id=forum.id,
        key=f"proxy:{reason}",
        tier="proxy",
        status="confirmed",
        size=len(codes),
        log10_p=-9.0,
        details="{}",
        members="[]",
        first_seen_at=now,
        updated_at=now,
        reason=reason,
    )
    db.session.add(flag)
    db.session.flush()
    for code in codes:
        ballot = db.session.execute(db.select(Ballot).filter_by(receipt_code=code)).scalar_one()
        db.session.add(
            BallotExclusion(
                ballot_id=ballot.id,
                forum_id=forum.id,
                flag_id=flag.id,
                reason=reason,
                created_at=now,
            )
        )
    db.session.commit()


def publish(forum_id: int, rule: str = "greedy"):
    """Publish as the forum's district team."""
    forum = db.session.get(Forum, forum_id)
    team = factories.user(f"team-{forum_id}")
    db.session.add(
        Role(
            voter_key=team.voter_key,
            role="district_team",
            district_code=forum.district.code,
            granted_at=datetime.now(UTC),
            granted_by="test",
        )
    )
    db.session.commit()
    return results.publish(team, forum_id, rule)
