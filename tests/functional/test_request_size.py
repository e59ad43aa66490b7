"""Request bodies have a ceiling (MAX_CONTENT_LENGTH) well above the largest form.

The largest form is an agenda item (number, title, summary, proposer: 5,764 characters
at most). Even written entirely in four-byte characters and percent-encoded, it stays
far below the ceiling; anything beyond is refused with a 413 page before the form is
read, and nothing is stored.
"""

import pytest
from sqlalchemy import func
from sqlalchemy import select

from core.extensions import db
from deliberation.models import AgendaItem
from deliberation.models import Comment
from tests import factories
from tests.web import csrf_token
from tests.web import sign_in
from tests.web import text

WIDE = "😀"  # four bytes in UTF-8, twelve once percent-encoded in a form


def count(model) -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.fixture
def team_forum(client, app):
    forum = factories.forum(phase="draft", code="11560")
    sign_in(client, factories.staff("team-a", "district_team", "11560"))
    client.set_cookie("lang", "en")
    return forum


def item_form(client, forum, summary: str) -> dict:
    page = client.get(f"/manage/forums/{forum.id}/items/new")
    return {
        "csrf_token": csrf_token(text(page)),
        "external_id": WIDE * 64,
        "title": WIDE * 500,
        "summary": summary,
        "proposer": WIDE * 200,
        "cost": "1000000",
        "status": "approved",
    }


def test_the_largest_legitimate_form_fits(client, app, team_forum):
    before = count(AgendaItem)
    data = item_form(client, team_forum, WIDE * 5000)
    response = client.post(f"/manage/forums/{team_forum.id}/items/new", data=data)
    assert response.status_code == 302
    assert count(AgendaItem) == before + 1


def test_an_oversized_form_gets_413_and_stores_nothing(client, app, team_forum):
    before = count(AgendaItem)
    data = item_form(client, team_forum, "가" * 200_000)
    response = client.post(f"/manage/forums/{team_forum.id}/items/new", data=data)
    assert response.status_code == 413
    assert "The request is too large. Shorten the text and try again." in text(response)
    assert count(AgendaItem) == before


def test_an_oversized_comment_gets_413_in_korean_and_stores_nothing(client, app):
    forum = factories.forum()
    item = forum.items[0]
    sign_in(client, factories.user())
    url = f"/forums/{forum.id}/items/{item.id}"
    data = {"csrf_token": csrf_token(text(client.get(url))), "body": "x" * (16 * 1024 * 1024)}
    response = client.post(f"{url}/comments", data=data)
    assert response.status_code == 413
    assert "요청이 너무 큽니다. 내용을 줄여서 다시 보내 주세요." in text(response)
    assert count(Comment) == 0
