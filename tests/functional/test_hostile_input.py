"""Input a user controls that once answered 500: each case answers a clear 4xx and stores
nothing; invisible direction and zero-width characters are stripped from what is stored."""

from datetime import datetime
from datetime import UTC

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func
from sqlalchemy import select

import deliberation.discussion  # noqa: F401  (the discussion forms)
import devtools.idp_pages  # noqa: F401  (its sign-in form)
from core import audit
from core.extensions import db
from deliberation.models import AgendaItem
from deliberation.models import Comment
from deliberation.models import CommentReport
from deliberation.models import Field
from deliberation.models import Forum
from tests import factories
from tests.web import csrf_token
from tests.web import sign_in
from tests.web import text

NUL_REFUSED = "보이지 않는 제어 문자"
INVISIBLE = "\u202e\u2066\u200b\u200d\u200e\ufeff\u061c\u2060"


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.fixture
def discussion(app, client):
    """A voting forum, a comment by a neighbour on its first item, and a signed-in resident."""
    forum = factories.forum()
    item = forum.items[0]
    neighbour = factories.user("neighbour")
    comment = Comment(
        item_id=item.id,
        author_key=neighbour.voter_key,
        author_name="이웃",
        body="top",
        created_at=datetime.now(UTC),
    )
    db.session.add(comment)
    db.session.commit()
    sign_in(client, factories.user("resident"))
    return forum, item, comment


def post_comment(client, forum, item, **data):
    url = f"/forums/{forum.id}/items/{item.id}"
    token = csrf_token(text(client.get(url)))
    return client.post(f"{url}/comments", data={"csrf_token": token, **data})


def report(client, forum, item, comment, reason):
    token = csrf_token(text(client.get(f"/forums/{forum.id}/items/{item.id}")))
    return client.post(
        f"/comments/{comment.id}/report", data={"csrf_token": token, "reason": reason}
    )


def test_a_nul_byte_in_a_comment_is_refused(client, discussion):
    forum, item, _ = discussion
    response = post_comment(client, forum, item, body="안녕\x00하세요")
    assert response.status_code == 400
    assert 'id="comment-error"' in text(response) and NUL_REFUSED in text(response)
    assert count(Comment) == 1


@pytest.mark.parametrize("control", ["\x1b[31m", "\x07", "\x0b", "\x7f\x00"])
def test_other_control_characters_in_a_comment_are_refused(client, discussion, control):
    forum, item, _ = discussion
    assert post_comment(client, forum, item, body=f"a{control}b").status_code == 400
    assert count(Comment) == 1


def test_tabs_and_newlines_stay_in_a_comment(client, discussion):
    forum, item, _ = discussion
    assert post_comment(client, forum, item, body="a\tb\r\nc").status_code == 302
    assert db.session.execute(select(Comment.body).order_by(Comment.id.desc())).first()[0] == (
        "a\tb\nc"
    )


def test_a_nul_byte_in_a_report_reason_is_refused(client, discussion):
    forum, item, comment = discussion
    response = report(client, forum, item, comment, "스팸\x00")
    assert response.status_code == 400 and NUL_REFUSED in text(response)
    assert count(CommentReport) == 0


@pytest.mark.parametrize("parent", ["²", "١", "１", "9" * 30, str(2**31), "-1", "1 1"])
def test_a_parent_id_in_odd_digits_or_too_large_is_refused(client, discussion, parent):
    forum, item, comment = discussion
    assert comment.id == 1  # so that '١' and '１' would name it if read as numbers
    response = post_comment(client, forum, item, body="reply", parent_id=parent)
    assert response.status_code == 400 and 'id="comment-error"' in text(response)
    assert count(Comment) == 1


def test_invisible_characters_are_stripped_from_comments_and_reports(client, discussion):
    forum, item, comment = discussion
    assert post_comment(client, forum, item, body=f"좋{INVISIBLE}아요").status_code == 302
    assert report(client, forum, item, comment, f"광{INVISIBLE}고").status_code == 302
    bodies = db.session.execute(select(Comment.body).order_by(Comment.id)).scalars().all()
    assert bodies == ["top", "좋아요"]
    assert db.session.execute(select(CommentReport.reason)).scalar_one() == "광고"


# --- district teams -------------------------------------------------------------------


@pytest.fixture
def team(app, client):
    forum = factories.forum(phase="draft", code="11560")
    sign_in(client, factories.staff("team-a", "district_team", "11560"))
    return forum


FORUM = {
    "district": "11560",
    "title": "새 공론장",
    "description": "",
    "voting_starts_at": "2030-07-06T00:00",
    "voting_ends_at": "2030-07-13T23:59",
    "min_picks": "3",
    "max_picks": "3",
    "envelope": "500000000",
}


def new_forum(client, **changes):
    token = csrf_token(text(client.get("/manage/forums/new")))
    return client.post("/manage/forums/new", data={**FORUM, "csrf_token": token, **changes})


def new_item(client, forum, **changes):
    url = f"/manage/forums/{forum.id}/items/new"
    token = csrf_token(text(client.get(url)))
    data = {"external_id": "Z-01", "title": "t", "cost": "1000", "status": "approved"}
    return client.post(url, data={**data, "csrf_token": token, **changes})


def new_field(client, forum, **changes):
    token = csrf_token(text(client.get(f"/manage/forums/{forum.id}")))
    data = {"csrf_token": token, "field-name": "문화", **changes}
    return client.post(f"/manage/forums/{forum.id}/fields", data=data)


AMOUNT_REFUSED = "금액은 2,147,483,647원 이하로 입력하세요."


@pytest.mark.parametrize("amount", [str(2**31), str(2**63), "9" * 30])
@pytest.mark.parametrize("name", ["envelope", "cost_cap"])
def test_a_forum_amount_beyond_its_column_is_refused(client, team, name, amount):
    before = count(Forum)
    response = new_forum(client, **{name: amount})
    assert response.status_code == 400 and AMOUNT_REFUSED in text(response)
    assert count(Forum) == before


def test_an_item_cost_beyond_its_column_is_refused(client, team):
    response = new_item(client, team, cost=str(2**31))
    assert response.status_code == 400 and AMOUNT_REFUSED in text(response)
    assert count(AgendaItem) == len(team.items)


def test_a_field_envelope_beyond_its_column_is_refused(client, team):
    response = new_field(client, team, **{"field-envelope": str(2**31)})
    assert response.status_code == 400 and AMOUNT_REFUSED in text(response)
    assert count(Field) == len(team.fields)


def test_the_largest_amount_a_column_holds_is_taken(client, team):
    response = new_forum(client, envelope=str(2**31 - 1), title="큰 예산")
    assert response.status_code == 302
    assert db.session.execute(select(Forum.envelope).filter_by(title="큰 예산")).scalar_one() == (
        2**31 - 1
    )


@pytest.mark.parametrize("digits", ["٣", "１", "²"])
def test_picks_and_amounts_in_odd_digits_are_refused(client, team, digits):
    before = count(Forum)
    for name in ("min_picks", "envelope"):
        response = new_forum(client, **{name: digits})
        assert response.status_code == 400 and "0부터 9까지의 숫자로" in text(response)
    assert count(Forum) == before


@pytest.mark.parametrize("moment", ["0001-01-01T00:00", "9999-12-31T23:59", "1999-12-31T23:59"])
@pytest.mark.parametrize("name", ["voting_starts_at", "voting_ends_at"])
def test_dates_outside_the_years_2000_to_2100_are_refused(client, team, name, moment):
    before = count(Forum)
    response = new_forum(client, **{name: moment})
    assert response.status_code == 400
    assert "날짜는 2000년부터 2100년 사이로 입력하세요." in text(response)
    assert count(Forum) == before
    token = csrf_token(text(client.get(f"/manage/forums/{team.id}")))
    data = {**FORUM, "csrf_token": token, name: moment}
    update = client.post(f"/manage/forums/{team.id}", data=data)
    assert update.status_code == 400
    db.session.expire_all()
    assert db.session.get(Forum, team.id).voting_starts_at.year < 2100


def test_a_nul_byte_in_a_forum_title_or_description_is_refused(client, team):
    before = count(Forum)
    for name in ("title", "description"):
        response = new_forum(client, **{name: "제목\x00"})
        assert response.status_code == 400 and NUL_REFUSED in text(response)
    assert count(Forum) == before


@pytest.mark.parametrize("name", ["title", "external_id", "summary", "proposer"])
def test_a_nul_byte_in_an_item_is_refused(client, team, name):
    response = new_item(client, team, **{name: "항목\x00"})
    assert response.status_code == 400 and NUL_REFUSED in text(response)
    assert count(AgendaItem) == len(team.items)


def test_a_nul_byte_in_a_field_name_is_refused(client, team):
    response = new_field(client, team, **{"field-name": "문화\x00"})
    assert response.status_code == 400 and NUL_REFUSED in text(response)
    assert count(Field) == len(team.fields)


def test_invisible_characters_are_stripped_from_titles_descriptions_and_names(client, team):
    assert (
        new_forum(client, title=f"새{INVISIBLE} 공론장", description=f"설{INVISIBLE}명").status_code
        == 302
    )
    forum = db.session.execute(select(Forum).filter_by(title="새 공론장")).scalar_one()
    assert forum.description == "설명"
    assert (
        new_item(client, team, title=f"놀{INVISIBLE}이터", proposer=f"주{INVISIBLE}민").status_code
        == 302
    )
    item = db.session.execute(select(AgendaItem).filter_by(external_id="Z-01")).scalar_one()
    assert (item.title, item.proposer) == ("놀이터", "주민")
    response = new_field(client, team, **{"field-name": f"문{INVISIBLE}화"})
    assert response.status_code == 302
    assert db.session.execute(select(Field).filter_by(name="문화")).scalar_one() is not None


def test_a_nul_byte_in_a_moderation_reason_is_refused(client, team, app):
    forum = factories.forum(code="11560")
    comment = Comment(
        item_id=forum.items[0].id,
        author_key="k" * 64,
        author_name="이웃",
        body="hi",
        created_at=datetime.now(UTC),
    )
    db.session.add(comment)
    db.session.commit()
    token = csrf_token(text(client.get("/manage/moderation")))
    before = count(audit.AuditEntry)
    response = client.post(
        f"/manage/moderation/comments/{comment.id}/hide",
        data={"csrf_token": token, "reason": "욕설\x00"},
    )
    assert response.status_code == 400 and NUL_REFUSED in text(response)
    assert count(audit.AuditEntry) == before
    db.session.expire_all()
    assert not db.session.get(Comment, comment.id).hidden


# --- operators ------------------------------------------------------------------------


@pytest.fixture
def operator(app, client):
    flag = factories.empty_flag(factories.forum())
    sign_in(client, factories.staff("operator", "operator"))
    return flag


@pytest.mark.parametrize("forum", [str(2**31), str(2**63), "9" * 30, "٣", "１", "²", "x"])
def test_a_flag_filter_naming_no_possible_forum_is_a_404(client, operator, forum):
    assert client.get(f"/operator/flags?forum={forum}").status_code == 404
    assert client.get(f"/operator/flags?forum={operator.forum_id}").status_code == 200


def test_a_nul_byte_in_a_decision_reason_is_refused(client, operator):
    token = csrf_token(text(client.get(f"/operator/flags/{operator.id}")))
    before = count(audit.AuditEntry)
    response = client.post(
        f"/operator/flags/{operator.id}",
        data={"csrf_token": token, "action": "clear", "reason": "조직\x00"},
    )
    assert response.status_code == 422 and NUL_REFUSED in text(response)
    assert count(audit.AuditEntry) == before


# --- every form -----------------------------------------------------------------------


def test_every_form_derives_from_the_shared_base(app):
    """So every text field of the app runs the same filter."""
    from core.forms import Form

    pending, found = list(FlaskForm.__subclasses__()), []
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        found.append(form)
    strays = [f"{f.__module__}.{f.__name__}" for f in found if not issubclass(f, Form)]
    assert len(found) > 10 and strays == []
