"""내 정보 and 탈퇴: a person's own data, downloadable, and an account deleted without a
second ballot."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy import select

from auth.models import User
from auth.models import UserSession
from core.extensions import db
from deliberation.models import Comment
from privacy import purge
from privacy.models import ConsentRecord
from tests import elections
from tests import factories
from tests.web import csrf_token
from tests.web import sign_in
from tests.web import text
from voting.casting import services as voting
from voting.casting.receipts import display
from voting.models import Ballot


def count(model, *where) -> int:
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def comment(forum, author, body, parent=None) -> Comment:
    made = Comment(
        item_id=forum.items[0].id,
        parent_id=parent.id if parent else None,
        author_key=author.voter_key,
        author_name="ABC123",
        body=body,
        created_at=forum.created_at,
    )
    db.session.add(made)
    db.session.commit()
    return made


def setting():
    forum = factories.forum()
    resident = factories.user("me")
    other = factories.user("someone-else")
    db.session.add(
        ConsentRecord(
            user_id=resident.id,
            version=resident.consent_version,
            given_at=forum.created_at,
            optional="[]",
        )
    )
    db.session.commit()
    mine = factories.cast(forum.id, resident, factories.item_ids(forum)[:3])
    theirs = factories.cast(forum.id, other, factories.item_ids(forum)[2:5])
    return forum, resident, other, mine, theirs


def test_my_data_shows_only_my_account_ballot_comments_and_consents(client, app):
    forum, resident, other, mine, theirs = setting()
    comment(forum, resident, "내가 쓴 댓글")
    comment(forum, other, "남이 쓴 댓글")
    sign_in(client, resident)
    page = text(client.get("/me"))
    assert display(mine) in page and display(theirs) not in page
    assert "영등포구" in page
    assert "내가 쓴 댓글" in page and "남이 쓴 댓글" not in page
    assert "Item 1" in page and "1980" in page
    answer = client.get("/me.json")
    assert answer.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(answer.get_data(as_text=True))
    assert [ballot["receipt_code"] for ballot in data["ballots"]] == [mine]
    assert [pick["title"] for pick in data["ballots"][0]["picks"]] == ["Item 1", "Item 2", "Item 3"]
    assert data["ballots"][0]["review_signals_held"] is False
    assert [c["body"] for c in data["comments"]] == ["내가 쓴 댓글"]
    assert data["consents"][0]["version"] == resident.consent_version
    dumped = json.dumps(data, ensure_ascii=False)
    assert theirs not in dumped and other.voter_key not in dumped and "남이 쓴" not in dumped


def test_my_data_needs_sign_in(client, app):
    assert client.get("/me").status_code == 302
    assert client.get("/me.json").status_code == 302


def test_deleting_ends_sessions_removes_data_and_keeps_only_the_key(client, app):
    forum, resident, other, mine, _ = setting()
    answered = comment(forum, resident, "답글이 달린 댓글")
    comment(forum, other, "답글", parent=answered)
    comment(forum, resident, "답글 없는 댓글")
    sign_in(client, resident)
    other_browser = app.test_client()
    sign_in(other_browser, resident)
    token = csrf_token(text(client.get("/me")))
    assert "투표자 키만 보관하고" in text(client.get("/me"))  # said beforehand
    answer = client.post("/me/delete", data={"csrf_token": token})
    assert answer.status_code == 302 and answer.headers["Location"] == "/me/deleted"
    assert "탈퇴" in text(client.get("/me/deleted"))
    db.session.expire_all()
    live = (UserSession.ended_at.is_(None), UserSession.user_id == resident.id)
    assert count(UserSession, *live) == 0
    assert other_browser.get("/me").status_code == 302  # every session ended
    user = db.session.get(User, resident.id)
    assert (user.district_code, user.birth_year, user.consent_version) == (None, None, None)
    assert user.voter_key == resident.voter_key and user.deleted_at is not None
    assert count(ConsentRecord) == 0
    bodies = {c.body: c for c in db.session.execute(select(Comment)).scalars()}
    assert "답글 없는 댓글" not in bodies
    kept = bodies["답글이 달린 댓글"]
    assert kept.author_key != resident.voter_key and kept.author_name == ""
    page = text(client.get(f"/forums/{forum.id}/items/{forum.items[0].id}"))
    assert "탈퇴한 주민" in page
    # Asked again from the signed-out browser: the same result, no error.
    again = client.post("/me/delete", data={"csrf_token": token})
    assert again.status_code == 302 and again.headers["Location"] == "/me/deleted"


def test_signing_in_again_after_deleting_cannot_vote_twice(client, app):
    forum, resident, _, mine, _ = setting()
    user_id = resident.id
    sign_in(client, resident)
    client.post("/me/delete", data={"csrf_token": csrf_token(text(client.get("/me")))})
    db.session.expire_all()
    back = db.session.get(User, user_id)
    # Signing in again restores what the provider says and asks for consent again.
    back.district_code, back.birth_year, back.deleted_at = "11560", 1980, None
    back.consent_version = "2026-12-01"
    back.session_token = None  # a new sign-in, a new session
    db.session.commit()
    before = count(Ballot)
    with pytest.raises(voting.AlreadyVoted) as refused:
        factories.cast(forum.id, back, factories.item_ids(forum)[1:4])
    assert refused.value.receipt_code == mine
    assert count(Ballot) == before


def test_an_account_that_never_voted_is_removed_at_once(client, app):
    factories.forum()
    resident = factories.user("never-voted")
    user_id = resident.id
    sign_in(client, resident)
    client.post("/me/delete", data={"csrf_token": csrf_token(text(client.get("/me")))})
    db.session.expire_all()
    assert db.session.get(User, user_id) is None


def test_the_key_of_a_deleted_account_is_destroyed_once_its_forums_are_purged(client, app):
    forum = elections.closed_forum([(0, 1, 2)] * 3)
    resident = factories.user("leaves")
    ballot = db.session.execute(select(Ballot).filter_by(forum_id=forum.id)).scalars().first()
    ballot.voter_key = resident.voter_key
    db.session.commit()
    snapshot = elections.publish(forum.id)
    user_id, published_at = resident.id, snapshot.published_at
    sign_in(client, resident)
    client.post("/me/delete", data={"csrf_token": csrf_token(text(client.get("/me")))})
    db.session.expire_all()
    assert db.session.get(User, user_id) is not None  # still voted in an unpurged forum
    purge.run(published_at + timedelta(days=30))
    db.session.expire_all()
    assert db.session.get(User, user_id) is None
