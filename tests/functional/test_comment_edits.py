"""Editing one's own comment for 15 minutes, deleting it, and what others then see."""

from datetime import datetime
from datetime import timedelta
from datetime import UTC

import pytest
from sqlalchemy import select

from core.extensions import db
from deliberation.models import Comment
from tests import factories
from tests.conftest import make_app
from tests.web import csrf_token
from tests.web import sign_in
from tests.web import text


def item_url(forum, item) -> str:
    return f"/forums/{forum.id}/items/{item.id}"


def post(client, forum, item, body, **extra):
    page = text(client.get(item_url(forum, item)))
    data = {"csrf_token": csrf_token(page), "body": body, **extra}
    client.post(f"{item_url(forum, item)}/comments", data=data)
    return db.session.execute(select(Comment).order_by(Comment.id.desc())).scalars().first()


def act(client, forum, item, comment, action, **data):
    page = text(client.get(item_url(forum, item)))
    return client.post(
        f"/comments/{comment.id}/{action}", data={"csrf_token": csrf_token(page), **data}
    )


@pytest.fixture
def setting(client, app):
    forum = factories.forum()
    resident = factories.user()
    sign_in(client, resident)
    now = [datetime.now(UTC)]
    app.config["CLOCK"] = lambda: now[0]
    return forum, forum.items[0], resident, now


def test_the_author_edits_within_fifteen_minutes(client, setting):
    forum, item, _, now = setting
    comment = post(client, forum, item, "첫 글")
    page = text(client.get(item_url(forum, item)))
    assert "수정 (15분 남음)" in page and "신고" not in page.split(f'id="comment-{comment.id}"')[1]
    now[0] += timedelta(minutes=14)
    response = act(client, forum, item, comment, "edit", body="고친 글")
    assert response.status_code == 302
    db.session.refresh(comment)
    assert comment.body == "고친 글" and comment.edited_at is not None
    page = text(client.get(item_url(forum, item)))
    assert "고친 글" in page and "수정됨" in page and "첫 글" not in page


def test_an_edit_after_fifteen_minutes_is_refused_and_the_text_kept(client, setting):
    forum, item, _, now = setting
    comment = post(client, forum, item, "첫 글")
    now[0] += timedelta(minutes=15, seconds=1)
    page = text(client.get(item_url(forum, item)))
    assert "수정 (" not in page and "내 댓글 삭제" in page
    response = act(client, forum, item, comment, "edit", body="늦은 수정")
    assert response.status_code == 409
    assert "15분 동안만 고칠 수 있습니다" in text(response)
    assert "늦은 수정" in text(response)  # what was typed is shown again, not lost
    db.session.refresh(comment)
    assert comment.body == "첫 글" and comment.edited_at is None


@pytest.mark.parametrize(("body", "status"), [("  ", 400), ("x" * 2001, 400), ("a\x00b", 400)])
def test_a_bad_edit_is_refused_with_a_message(client, setting, body, status):
    forum, item, _, _ = setting
    comment = post(client, forum, item, "첫 글")
    response = act(client, forum, item, comment, "edit", body=body)
    assert response.status_code == status and 'id="comment-error"' in text(response)
    db.session.refresh(comment)
    assert comment.body == "첫 글"


def test_others_cannot_edit_or_delete_a_comment(client, app, setting):
    forum, item, _, _ = setting
    comment = post(client, forum, item, "첫 글")
    sign_in(client, factories.user("bob"))
    page = text(client.get(item_url(forum, item)))
    assert "수정 (" not in page and "내 댓글 삭제" not in page and "신고" in page
    assert act(client, forum, item, comment, "edit", body="x").status_code == 403
    assert act(client, forum, item, comment, "delete").status_code == 403
    db.session.refresh(comment)
    assert comment.body == "첫 글" and comment.deleted_at is None


def test_editing_and_deleting_need_a_csrf_token_and_sign_in(client, setting):
    forum, item, _, _ = setting
    comment = post(client, forum, item, "첫 글")
    assert client.post(f"/comments/{comment.id}/edit", data={"body": "x"}).status_code == 400
    assert client.post(f"/comments/{comment.id}/delete").status_code == 400
    with client.session_transaction() as session:
        session.clear()
    assert client.post(f"/comments/{comment.id}/delete").status_code in (302, 400, 401)
    db.session.refresh(comment)
    assert comment.body == "첫 글" and comment.deleted_at is None


def test_a_hidden_comment_cannot_be_edited(client, setting):
    forum, item, _, _ = setting
    comment = post(client, forum, item, "첫 글")
    comment.hidden, comment.hidden_reason = True, "욕설"
    db.session.commit()
    response = act(client, forum, item, comment, "edit", body="고쳐서 숨김을 피하기")
    assert response.status_code == 409
    db.session.refresh(comment)
    assert comment.body == "첫 글"


def test_a_deleted_comment_without_replies_disappears(client, setting):
    forum, item, _, now = setting
    comment = post(client, forum, item, "지울 글")
    now[0] += timedelta(hours=2)  # deleting has no time limit
    assert act(client, forum, item, comment, "delete").status_code == 302
    db.session.refresh(comment)
    assert comment.deleted_at is not None and comment.body == ""
    page = text(client.get(item_url(forum, item)))
    assert "지울 글" not in page and "삭제된 댓글" not in page and "댓글 0개" in page
    assert act(client, forum, item, comment, "delete").status_code == 404
    forum_page = text(client.get(f"/forums/{forum.id}"))
    assert "댓글 0개" in forum_page


def test_a_deleted_comment_with_replies_shows_as_deleted(client, setting):
    forum, item, resident, _ = setting
    top = post(client, forum, item, "원래 글")
    sign_in(client, factories.user("bob"))
    post(client, forum, item, "답글입니다", parent_id=str(top.id))
    sign_in(client, resident)
    assert act(client, forum, item, top, "delete").status_code == 302
    page = text(client.get(item_url(forum, item)))
    assert "삭제된 댓글" in page and "답글입니다" in page and "원래 글" not in page
    assert "댓글 1개" in page
    # nobody can reply to it any more
    response = client.post(
        f"{item_url(forum, item)}/comments",
        data={"csrf_token": csrf_token(page), "body": "또 답글", "parent_id": str(top.id)},
    )
    assert response.status_code == 409


def test_a_heading_in_a_comment_is_a_bold_line_not_a_page_heading(client, setting):
    forum, item, _, _ = setting
    post(client, forum, item, "# 아주 큰 제목\n\n본문")
    page = text(client.get(item_url(forum, item)))
    assert '<p class="comment-heading">아주 큰 제목</p>' in page
    assert "<h1>아주 큰 제목" not in page


def test_the_comment_help_speaks_plainly(client, setting):
    forum, item, _, _ = setting
    page = text(client.get(item_url(forum, item)))
    assert "마크다운" not in page and "문자 메시지처럼" in page


def test_editing_is_rate_limited_as_posting_is(backend, tmp_path):
    app = make_app(backend, tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_COMMENT="2 per minute")
    with app.app_context():
        try:
            client = app.test_client()
            forum = factories.forum()
            item = forum.items[0]
            sign_in(client, factories.user())
            comment = post(client, forum, item, "첫 글")
            token = csrf_token(text(client.get(item_url(forum, item))))
            statuses = [
                client.post(
                    f"/comments/{comment.id}/edit", data={"csrf_token": token, "body": f"판 {n}"}
                ).status_code
                for n in range(3)
            ]
            assert statuses == [302, 302, 429]
            db.session.refresh(comment)
            assert comment.body == "판 1"
        finally:
            db.session.remove()


def test_the_team_form_saves_a_forums_english_title(client, app):
    forum = factories.forum(phase="deliberation")
    sign_in(client, factories.staff("team-en", "district_team", forum.district.code))
    page = text(client.get(f"/manage/forums/{forum.id}"))
    assert 'name="title_en"' in page and 'name="description_en"' in page
