"""The district team's moderation: hide with a reason, restore, and who may do it."""

import json
from datetime import datetime
from datetime import UTC

import pytest
from sqlalchemy import select

from auth.models import Role
from core import audit
from core.audit import AuditEntry
from core.extensions import db
from deliberation import comments
from deliberation import moderation
from deliberation.models import Comment
from deliberation.models import CommentReport
from tests import factories


def team_member(subject: str, district_code: str, resident_of: str | None = None):
    user = factories.user(subject, code=resident_of or district_code)
    db.session.add(
        Role(
            voter_key=user.voter_key,
            role="district_team",
            district_code=district_code,
            granted_at=datetime.now(UTC),
            granted_by="test",
        )
    )
    db.session.commit()
    return user


@pytest.fixture
def posted(app):
    forum = factories.forum(code="11560")
    resident = factories.user("alice")
    item = forum.items[0]
    comment = comments.post_comment(forum.id, item.id, resident, "an insult", "concern")
    reporter = factories.user("carol")
    comments.report_comment(comment.id, reporter, "insulting")
    return forum, item, comment


def entries(action: str) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
    return list(db.session.execute(query).scalars())


def test_hide_then_restore_is_audited_with_the_hidden_body(posted):
    forum, item, comment = posted
    team = team_member("kim-official", "11560")

    moderation.hide_comment(comment.id, team, "  abusive language ")
    db.session.expire_all()
    hidden = db.session.get(Comment, comment.id)
    assert hidden.hidden and hidden.hidden_reason == "abusive language"
    assert hidden.hidden_at is not None and hidden.body == "an insult"
    assert db.session.execute(select(CommentReport.resolved)).scalar_one() is True
    (hide,) = entries("comment.hide")
    assert hide.actor == f"user:{team.id}" and hide.target == f"comment:{comment.id}"
    assert json.loads(hide.before)["body"] == "an insult"
    assert json.loads(hide.after)["hidden"] is True
    assert hide.reason == "abusive language"

    assert comments.counts_by_item(forum.id) == {}
    view = comments.discussion_for(item, None)
    assert view.count == 0 and view.threads[0].comment.hidden

    moderation.restore_comment(comment.id, team, "reviewed again")
    db.session.expire_all()
    restored = db.session.get(Comment, comment.id)
    assert not restored.hidden and restored.hidden_reason is None
    (restore,) = entries("comment.restore")
    before = json.loads(restore.before)
    assert before["hidden"] is True and before["hidden_reason"] == "abusive language"
    assert json.loads(restore.after) == {"hidden": False}
    assert restore.reason == "reviewed again"
    assert comments.counts_by_item(forum.id) == {item.id: 1}

    check = audit.verify()
    assert check.ok and check.entries == 2


def test_hiding_needs_a_reason_and_twice_is_refused(posted):
    _, _, comment = posted
    team = team_member("kim-official", "11560")
    with pytest.raises(comments.CommentRefused) as refused:
        moderation.hide_comment(comment.id, team, "   ")
    assert refused.value.status == 400
    moderation.hide_comment(comment.id, team, "spam")
    with pytest.raises(comments.CommentRefused) as again:
        moderation.hide_comment(comment.id, team, "spam")
    assert again.value.status == 409
    assert len(entries("comment.hide")) == 1
    db.session.rollback()
    moderation.restore_comment(comment.id, team)
    with pytest.raises(comments.CommentRefused):
        moderation.restore_comment(comment.id, team)
    assert audit.verify().ok


def test_another_districts_team_gets_403_and_nothing_changes(posted):
    _, _, comment = posted
    outsider = team_member("park-official", "11680")
    with pytest.raises(comments.CommentRefused) as refused:
        moderation.hide_comment(comment.id, outsider, "not mine to hide")
    assert refused.value.status == 403
    db.session.rollback()
    db.session.expire_all()
    assert not db.session.get(Comment, comment.id).hidden
    assert db.session.execute(select(AuditEntry)).first() is None
    assert not db.session.execute(select(CommentReport.resolved)).scalar_one()


def test_the_queue_lists_reported_recent_and_hidden_comments(posted):
    _, _, comment = posted
    team = team_member("kim-official", "11560")
    queue = moderation.moderation_queue(team)
    assert [e.comment.id for e in queue.reported] == [comment.id]
    assert queue.reported[0].reports[0].reason == "insulting"
    assert queue.recent == []  # a reported comment is listed once, under reported
    assert queue.hidden == []
    moderation.hide_comment(comment.id, team, "abusive language")
    queue = moderation.moderation_queue(team)
    assert queue.reported == [] and queue.recent == []
    assert [e.comment.id for e in queue.hidden] == [comment.id]
    assert moderation.moderation_queue(team_member("park-official", "11680")).hidden == []


def test_keep_closes_reports_and_is_audited(posted):
    _, _, comment = posted
    team = team_member("kim-official", "11560")
    moderation.keep_comment(comment.id, team)
    assert db.session.execute(select(CommentReport.resolved)).scalar_one() is True
    assert moderation.moderation_queue(team).reported == []
    assert len(entries("comment.keep")) == 1
    with pytest.raises(comments.CommentRefused):
        moderation.keep_comment(comment.id, team)
