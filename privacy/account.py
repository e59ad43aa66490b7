"""내 정보: what the forum holds about the signed-in person, and deleting the account (탈퇴).

Deleting ends every session, removes the district, birth year, consent history and the
person's reports, anonymises comments that have replies (shown as "탈퇴한 주민") and
removes the others. The voter key alone stays on the account, so that deleting and
signing in again never gives a second ballot, until every forum the person voted in
has been purged; then ``destroy_released_accounts`` (run by the purge) removes it.
"""

import json
import secrets
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy import exists
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import aliased

from auth.models import User
from auth.models import UserSession
from core import clock
from core.districts import district_names
from core.extensions import db
from core.i18n import localized
from deliberation.models import AgendaItem
from deliberation.models import Comment
from deliberation.models import CommentReport
from deliberation.models import Forum
from privacy.models import ConsentRecord
from voting.models import Ballot
from voting.models import BallotChoice

DELETED_AUTHOR_PREFIX = "deleted:"


def as_json(data: dict) -> str:
    """The download: UTF-8 JSON, times in ISO 8601."""
    return json.dumps(data, ensure_ascii=False, indent=2, default=datetime.isoformat)


def _ballots(voter_key: str) -> list[dict]:
    """The person's ballots while still linked to their key, with picks by title and
    whether review signals are held (never their values)."""
    query = (
        select(Ballot, Forum.title)
        .join(Forum, Forum.id == Ballot.forum_id)
        .where(Ballot.voter_key == voter_key)
        .order_by(Ballot.cast_at)
    )
    found = []
    for ballot, title in db.session.execute(query).all():
        picks = db.session.execute(
            select(AgendaItem.external_id, AgendaItem.title)
            .join(BallotChoice, BallotChoice.item_id == AgendaItem.id)
            .where(BallotChoice.ballot_id == ballot.id)
            .order_by(AgendaItem.position)
        ).all()
        signals = (ballot.network_hash, ballot.agent_hash, ballot.device_hash)
        found.append(
            {
                "forum": {"id": ballot.forum_id, "title": title},
                "receipt_code": ballot.receipt_code,
                "cast_at": (ballot.cast_at),
                "channel": ballot.channel,
                "picks": [{"id": ext, "title": name} for ext, name in picks],
                "review_signals_held": any(value is not None for value in signals),
            }
        )
    return found


def _comments(voter_key: str) -> list[dict]:
    query = (
        select(Comment, AgendaItem.title, AgendaItem.forum_id)
        .join(AgendaItem, AgendaItem.id == Comment.item_id)
        .where(Comment.author_key == voter_key)
        .order_by(Comment.created_at)
    )
    return [
        {
            "forum": forum_id,
            "item": title,
            "body": comment.body,
            "stance": comment.stance,
            "created_at": (comment.created_at),
            "hidden": comment.hidden,
        }
        for comment, title, forum_id in db.session.execute(query).all()
    ]


def _consents(user_id: int) -> list[dict]:
    query = select(ConsentRecord).where(ConsentRecord.user_id == user_id)
    return [
        {
            "version": record.version,
            "given_at": (record.given_at),
            "optional": json.loads(record.optional),
        }
        for record in db.session.execute(query.order_by(ConsentRecord.given_at)).scalars()
    ]


def my_data(user: User) -> dict:
    """Everything held about this person, theirs alone: nothing of anyone else."""
    return {
        "account": {
            "district_code": user.district_code,
            "district": localized(*district_names(user.district_code))
            if user.district_code
            else None,
            "birth_year": user.birth_year,
            "first_seen_at": (user.first_seen_at),
            "last_login_at": (user.last_login_at),
            "consent_version": user.consent_version,
        },
        "ballots": _ballots(user.voter_key),
        "comments": _comments(user.voter_key),
        "consents": _consents(user.id),
    }


def _remove_comments(voter_key: str) -> None:
    """Comments with replies keep their text under "탈퇴한 주민"; the rest go."""
    reply = aliased(Comment)
    answered = exists().where(reply.parent_id == Comment.id)
    for comment in db.session.execute(
        select(Comment).where(Comment.author_key == voter_key, answered)
    ).scalars():
        comment.author_key = DELETED_AUTHOR_PREFIX + secrets.token_hex(28)
        comment.author_name = ""
    db.session.flush()
    db.session.execute(delete(Comment).where(Comment.author_key == voter_key))
    db.session.execute(delete(CommentReport).where(CommentReport.reporter_key == voter_key))


def delete_account(user: User) -> None:
    """탈퇴, in one commit; see the module's docstring for what stays and for how long."""
    now = clock.now()
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=now)
    )
    _remove_comments(user.voter_key)
    db.session.execute(delete(ConsentRecord).where(ConsentRecord.user_id == user.id))
    user.district_code = None
    user.birth_year = None
    user.consent_version = None
    user.deleted_at = now
    db.session.flush()
    destroy_released_accounts(user.id)
    db.session.commit()


def destroy_released_accounts(user_id: int | None = None) -> int:
    """Remove deleted accounts whose voter key no ballot carries any more (every forum
    they voted in purged, or none voted in); the caller commits."""
    linked = exists().where(Ballot.voter_key == User.voter_key)
    query = delete(User).where(User.deleted_at.is_not(None), ~linked)
    if user_id is not None:
        query = query.where(User.id == user_id)
    return db.session.execute(query).rowcount
