"""The discussion on an item page: posting, replies, stances, Markdown, reports, refusals."""

from datetime import datetime
from datetime import timedelta
from datetime import UTC

import pytest
from sqlalchemy import func
from sqlalchemy import select

from auth.models import Role
from auth.services import display_name
from core.extensions import db
from deliberation import comments
from deliberation.models import Comment
from deliberation.models import CommentReport
from tests import factories
from tests.conftest import make_app
from tests.web import csrf_token
from tests.web import sign_in
from tests.web import text


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def item_url(forum, item) -> str:
    return f"/forums/{forum.id}/items/{item.id}"


def post(client, forum, item, body, **extra):
    page = text(client.get(item_url(forum, item)))
    data = {"csrf_token": csrf_token(page), "body": body, **extra}
    return client.post(f"{item_url(forum, item)}/comments", data=data)


@pytest.fixture
def setting(client, app):
    forum = factories.forum()
    resident = factories.user()
    sign_in(client, resident)
    return forum, forum.items[0], resident


def test_a_resident_posts_a_comment_with_a_stance(client, setting):
    forum, item, resident = setting
    response = post(client, forum, item, "찬성합니다. 꼭 필요합니다.", stance="support")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{item_url(forum, item)}#comment-1")
    comment = db.session.execute(select(Comment)).scalar_one()
    assert comment.stance == "support" and comment.author_key == resident.voter_key
    assert comment.author_name == display_name(resident.voter_key)
    page = text(client.get(item_url(forum, item)))
    assert "찬성합니다. 꼭 필요합니다." in page
    assert f"주민 {comment.author_name}" in page
    assert 'class="badge badge-open stance-support">찬성' in page
    assert "댓글 1개" in page
    assert resident.voter_key not in page


def test_replies_go_one_level_deep(client, setting):
    forum, item, _ = setting
    post(client, forum, item, "first")
    top = db.session.execute(select(Comment)).scalar_one()
    assert post(client, forum, item, "a reply", parent_id=str(top.id)).status_code == 302
    reply = db.session.execute(select(Comment).where(Comment.parent_id == top.id)).scalar_one()
    refused = post(client, forum, item, "a reply to a reply", parent_id=str(reply.id))
    assert refused.status_code == 400
    assert 'id="comment-error"' in text(refused) and "한 단계" in text(refused)
    assert count(Comment) == 2
    page = text(client.get(item_url(forum, item)))
    assert page.index("first") < page.index("a reply")
    assert "댓글 2개" in page


def test_a_reply_must_answer_a_comment_on_the_same_item(client, setting):
    forum, item, _ = setting
    other = forum.items[1]
    post(client, forum, other, "on another item")
    elsewhere = db.session.execute(select(Comment)).scalar_one()
    refused = post(client, forum, item, "reply", parent_id=str(elsewhere.id))
    assert refused.status_code == 400
    assert post(client, forum, item, "reply", parent_id="abc").status_code == 400
    assert post(client, forum, item, "reply", parent_id="999999").status_code == 400
    assert count(Comment) == 1


def test_markdown_is_rendered_and_a_script_tag_is_escaped(client, setting):
    forum, item, _ = setting
    body = (
        "**굵게** and [a link](https://example.org)\n\n"
        "<script>alert('x')</script>\n\n"
        "[bad](javascript:alert(1)) <img src=x onerror=alert(1)>"
    )
    post(client, forum, item, body)
    page = text(client.get(item_url(forum, item)))
    assert "<strong>굵게</strong>" in page
    assert '<a href="https://example.org" rel="nofollow ugc noopener">a link</a>' in page
    assert "&lt;script&gt;alert(" in page
    assert "<script>" not in page
    assert 'href="javascript:' not in page
    assert "<img" not in page
    stored = db.session.execute(select(Comment.body)).scalar_one()
    assert stored == body  # the raw text is kept; rendering happens on display


def test_render_markdown_is_a_pure_helper():
    html = str(comments.render_markdown("a <b>b</b>\n![i](https://x/y.png) <javascript:x>"))
    assert "<b>" not in html and "&lt;b&gt;" in html
    assert "<img" not in html  # no third-party images; the image stays a plain link
    assert 'href="javascript' not in html
    assert str(comments.render_markdown("[x](data:text/html;base64,AAAA)")).count("<a ") == 0


@pytest.mark.parametrize(
    ("body", "stance", "message"),
    [
        ("   ", "", "내용을 입력"),
        ("x" * (comments.MAX_BODY + 1), "", "2000자"),
        ("fine", "hate", "찬성, 우려, 제안"),
    ],
)
def test_bad_comments_are_refused_with_a_message(client, setting, body, stance, message):
    forum, item, _ = setting
    response = post(client, forum, item, body, stance=stance)
    assert response.status_code == 400
    assert message in text(response)
    assert count(Comment) == 0


def test_a_withdrawn_item_takes_no_comments(client, setting):
    forum, item, _ = setting
    page = text(client.get(item_url(forum, item)))
    item.status = "withdrawn"
    db.session.commit()
    response = client.post(
        f"{item_url(forum, item)}/comments", data={"csrf_token": csrf_token(page), "body": "hi"}
    )
    assert response.status_code == 409 and "철회" in text(response)
    assert count(Comment) == 0
    shown = text(client.get(item_url(forum, item)))
    assert 'id="discussion-closed"' in shown and 'id="comment-form"' not in shown


def test_a_closed_forum_takes_no_comments(client, app):
    now = datetime.now(UTC)
    forum = factories.forum(opens=now - timedelta(days=8), closes=now - timedelta(days=1))
    item = forum.items[0]
    sign_in(client, factories.user())
    page = text(client.get(item_url(forum, item)))
    assert 'id="discussion-closed"' in page and 'id="comment-form"' not in page
    response = client.post(
        f"{item_url(forum, item)}/comments", data={"csrf_token": csrf_token(page), "body": "late"}
    )
    assert response.status_code == 409
    assert count(Comment) == 0


def test_deliberation_phase_takes_comments(client, app):
    forum = factories.forum(phase="deliberation")
    sign_in(client, factories.user())
    assert post(client, forum, forum.items[0], "early thoughts").status_code == 302
    assert count(Comment) == 1


def test_a_resident_of_another_district_cannot_comment(client, app):
    forum = factories.forum(code="11560")
    item = forum.items[0]
    sign_in(client, factories.user("bob", code="11680"))
    page = text(client.get(item_url(forum, item)))
    assert 'id="comment-form"' not in page and 'id="discussion-closed"' in page
    response = client.post(
        f"{item_url(forum, item)}/comments", data={"csrf_token": csrf_token(page), "body": "hi"}
    )
    assert response.status_code == 403
    assert count(Comment) == 0


def test_the_district_team_may_comment(client, app):
    forum = factories.forum(code="11560")
    staff = factories.user("kim-official", code="11680")
    db.session.add(
        Role(
            voter_key=staff.voter_key,
            role="district_team",
            district_code="11560",
            granted_at=datetime.now(UTC),
            granted_by="test",
        )
    )
    db.session.commit()
    sign_in(client, staff)
    assert post(client, forum, forum.items[0], "from the team").status_code == 302


def test_posting_needs_sign_in(client, app):
    forum = factories.forum()
    item = forum.items[0]
    page = text(client.get(item_url(forum, item)))
    assert 'id="discussion-sign-in"' in page and 'id="comment-form"' not in page
    # A signed-out page carries no form token; switch the check off to reach the view.
    app.config["WTF_CSRF_ENABLED"] = False
    response = client.post(f"{item_url(forum, item)}/comments", data={"body": "hi"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert count(Comment) == 0


def test_missing_csrf_token_is_refused(client, setting):
    forum, item, _ = setting
    response = client.post(f"{item_url(forum, item)}/comments", data={"body": "hi"})
    assert response.status_code == 400
    assert count(Comment) == 0


def test_a_resident_reports_a_comment_once(client, setting):
    forum, item, _ = setting
    post(client, forum, item, "something rude")
    comment = db.session.execute(select(Comment)).scalar_one()
    sign_in(client, factories.user("carol"))
    page = text(client.get(item_url(forum, item)))
    url = f"/comments/{comment.id}/report"
    first = client.post(url, data={"csrf_token": csrf_token(page), "reason": "rude"})
    assert first.status_code == 302
    assert first.headers["Location"].endswith(f"#comment-{comment.id}")
    assert "검토" in text(client.get(first.headers["Location"]))
    second = client.post(url, data={"csrf_token": csrf_token(page), "reason": "again"})
    assert second.status_code == 302
    assert "이미 신고" in text(client.get(second.headers["Location"]))
    report = db.session.execute(select(CommentReport)).scalar_one()
    assert report.reason == "rude" and not report.resolved


def test_a_resident_cannot_report_their_own_comment(client, setting):
    forum, item, _ = setting
    post(client, forum, item, "my own words")
    comment = db.session.execute(select(Comment)).scalar_one()
    page = text(client.get(item_url(forum, item)))
    response = client.post(
        f"/comments/{comment.id}/report", data={"csrf_token": csrf_token(page), "reason": "x"}
    )
    assert response.status_code == 409
    assert count(CommentReport) == 0


def test_reporting_an_unknown_comment_is_404(client, setting):
    forum, item, _ = setting
    page = text(client.get(item_url(forum, item)))
    response = client.post("/comments/4242/report", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 404


def test_a_hidden_comment_shows_the_reason_not_the_body(client, setting):
    forum, item, _ = setting
    post(client, forum, item, "the secret insult")
    comment = db.session.execute(select(Comment)).scalar_one()
    comment.hidden = True
    comment.hidden_reason = "abusive language"
    comment.hidden_at = datetime.now(UTC)
    db.session.commit()
    page = text(client.get(item_url(forum, item)))
    assert "the secret insult" not in page
    assert "abusive language" in page and "구청 담당팀" in page
    assert "댓글 0개" in page
    assert comments.counts_by_item(forum.id) == {}


def test_counts_by_item_counts_visible_comments_and_replies(client, setting):
    forum, item, _ = setting
    post(client, forum, item, "one")
    top = db.session.execute(select(Comment)).scalar_one()
    post(client, forum, item, "two", parent_id=str(top.id))
    post(client, forum, forum.items[1], "three")
    assert comments.counts_by_item(forum.id) == {item.id: 2, forum.items[1].id: 1}


def test_english_page_shows_stance_and_pseudonym(client, setting):
    forum, item, _ = setting
    post(client, forum, item, "worried about cost", stance="concern")
    client.get("/lang/en")
    page = text(client.get(item_url(forum, item)))
    assert "Resident " in page and ">Concern</span>" in page and "1 comment" in page


def test_posting_comments_is_rate_limited(backend, tmp_path):
    app = make_app(backend, tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_COMMENT="2 per minute")
    with app.app_context():
        try:
            client = app.test_client()
            forum = factories.forum()
            item = forum.items[0]
            sign_in(client, factories.user())
            token = csrf_token(text(client.get(item_url(forum, item))))
            statuses = [
                client.post(
                    f"{item_url(forum, item)}/comments",
                    data={"csrf_token": token, "body": f"comment {n}"},
                ).status_code
                for n in range(3)
            ]
            assert statuses == [302, 302, 429]
            assert count(Comment) == 2
        finally:
            db.session.remove()


# --- the moderation pages ---------------------------------------------------------------


def team_member(subject: str, district_code: str):
    user = factories.user(subject, code=district_code)
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
def reported(client, setting):
    forum, item, _ = setting
    post(client, forum, item, "an insult")
    comment = db.session.execute(select(Comment)).scalar_one()
    comments.report_comment(comment.id, factories.user("carol"), "insulting")
    return forum, item, comment


def test_the_team_hides_and_restores_from_the_queue(client, reported):
    forum, item, comment = reported
    sign_in(client, team_member("kim-official", "11560"))
    page = text(client.get("/manage/moderation"))
    assert f'id="reported-{comment.id}"' in page and "insulting" in page
    refused = client.post(
        f"/manage/moderation/comments/{comment.id}/hide",
        data={"csrf_token": csrf_token(page), "reason": ""},
    )
    assert refused.status_code == 400 and "이유" in text(refused)
    hidden = client.post(
        f"/manage/moderation/comments/{comment.id}/hide",
        data={"csrf_token": csrf_token(page), "reason": "abusive language"},
    )
    assert hidden.status_code == 302 and hidden.headers["Location"].endswith("/manage/moderation")
    item_page = text(client.get(item_url(forum, item)))
    assert "an insult" not in item_page and "abusive language" in item_page
    page = text(client.get("/manage/moderation"))
    assert f'id="hidden-{comment.id}"' in page and f'id="reported-{comment.id}"' not in page
    restored = client.post(
        f"/manage/moderation/comments/{comment.id}/restore",
        data={"csrf_token": csrf_token(page)},
    )
    assert restored.status_code == 302
    assert "an insult" in text(client.get(item_url(forum, item)))


def test_another_districts_team_cannot_moderate(client, reported):
    forum, item, comment = reported
    sign_in(client, team_member("park-official", "11680"))
    page = text(client.get("/manage/moderation"))
    assert "an insult" not in page
    response = client.post(
        f"/manage/moderation/comments/{comment.id}/hide",
        data={"csrf_token": csrf_token(page), "reason": "not mine"},
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert not db.session.get(Comment, comment.id).hidden


def test_residents_cannot_open_the_queue(client, setting):
    assert client.get("/manage/moderation").status_code == 403


def test_a_refused_comment_keeps_the_item_page_as_it_was_for_a_resident_who_voted(client, setting):
    """The page shown again with the refusal still says the resident has voted, never
    offers "투표하기" to someone who already cast their ballot."""
    forum, item, _resident = setting
    factories.cast(forum.id, _resident, factories.item_ids(forum)[:3])
    page = text(client.get(item_url(forum, item)))
    assert 'id="my-vote"' in page and "투표하기" not in page
    refused = post(client, forum, item, "   ")
    assert refused.status_code == 400
    again = text(refused)
    assert 'id="my-vote"' in again and "투표하기" not in again
