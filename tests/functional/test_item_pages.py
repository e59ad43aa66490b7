"""Item pages: English texts where the team gave them, the proposer, the place (동),
and the team's picture (checked, resized, cached, described)."""

import io

import pytest
from PIL import Image
from sqlalchemy import func
from sqlalchemy import select

from core.audit import AuditEntry
from core.extensions import db
from deliberation import pictures
from deliberation.models import AgendaItem
from deliberation.models import ItemImage
from tests import factories
from tests.web import csrf_token
from tests.web import sign_in
from tests.web import text


def picture(fmt="JPEG", size=(2400, 1600), colour="green") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt)
    return out.getvalue()


def count(model) -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.fixture
def team(client, app):
    forum = factories.forum(phase="deliberation")
    sign_in(client, factories.staff("team-a", "district_team", forum.district.code))
    return forum, forum.items[0]


def item_form(client, forum, item, **changes) -> dict:
    page = text(client.get(f"/manage/forums/{forum.id}/items/{item.id}"))
    values = {
        "csrf_token": csrf_token(page),
        "external_id": item.external_id,
        "title": "골목 쉼터",
        "title_en": "Alley rest stop",
        "summary": "골목에 의자를 놓습니다.",
        "summary_en": "Benches in the alleys.",
        "proposer": "당산동 주민모임",
        "location": "당산1동",
        "cost": str(item.cost),
        "field_id": str(item.field_id),
        "status": "approved",
    }
    return values | changes


def upload(client, forum, item, data: bytes, alt="골목에 놓인 나무 의자 세 개", name="p.jpg"):
    page = text(client.get(f"/manage/forums/{forum.id}/items/{item.id}"))
    form = {"csrf_token": csrf_token(page), "alt": alt, "picture": (io.BytesIO(data), name)}
    return client.post(
        f"/manage/forums/{forum.id}/items/{item.id}/image",
        data=form,
        content_type="multipart/form-data",
    )


def test_english_texts_show_on_english_pages_and_korean_otherwise(client, team):
    forum, item = team
    response = client.post(
        f"/manage/forums/{forum.id}/items/{item.id}", data=item_form(client, forum, item)
    )
    assert response.status_code == 302
    other = forum.items[1]  # no English title: Korean on English pages too
    korean = text(client.get(f"/forums/{forum.id}/items/{item.id}"))
    assert "<h1>골목 쉼터</h1>" in korean and "골목에 의자를 놓습니다." in korean
    assert (
        'id="item-proposer">당산동 주민모임<' in korean and 'id="item-location">당산1동<' in korean
    )
    client.get("/lang/en?next=/")
    english = text(client.get(f"/forums/{forum.id}/items/{item.id}"))
    assert "<h1>Alley rest stop</h1>" in english and "Benches in the alleys." in english
    assert "골목 쉼터" not in english.split("<main")[1]
    listing = text(client.get(f"/forums/{forum.id}"))
    assert "Alley rest stop" in listing and other.title in listing


def test_a_forums_english_title_and_description(client, team):
    forum, _ = team
    forum.title_en, forum.description_en = "Yeongdeungpo open forum", "Pick three."
    forum.description = "세 개를 고르세요."
    db.session.commit()
    assert "세 개를 고르세요." in text(client.get(f"/forums/{forum.id}"))
    client.get("/lang/en?next=/")
    page = text(client.get(f"/forums/{forum.id}"))
    assert "<h1>Yeongdeungpo open forum</h1>" in page and "Pick three." in page
    assert "Yeongdeungpo open forum" in text(client.get("/"))


def test_the_api_gives_english_texts_location_and_picture(client, team):
    forum, item = team
    client.post(f"/manage/forums/{forum.id}/items/{item.id}", data=item_form(client, forum, item))
    upload(client, forum, item, picture())
    data = client.get(f"/api/v1/forums/{forum.id}").get_json()
    first, second = data["items"][0], data["items"][1]
    assert (
        first["title_en"] == "Alley rest stop" and first["summary_en"] == "Benches in the alleys."
    )
    assert first["location"] == "당산1동" and first["proposer"] == "당산동 주민모임"
    assert first["image"].startswith(f"/forums/{forum.id}/items/{item.id}/image?v=")
    assert second["title_en"] is None and second["image"] is None and second["location"] is None
    assert data["title_en"] is None and data["fields"][0]["name_en"] is None


def test_a_picture_is_resized_stored_and_served_with_caching(client, team):
    forum, item = team
    response = upload(client, forum, item, picture("PNG"))
    assert response.status_code == 302
    image = db.session.execute(select(ItemImage)).scalar_one()
    assert (image.width, image.height, image.media_type) == (1280, 853, "image/jpeg")
    page = text(client.get(f"/forums/{forum.id}/items/{item.id}"))
    url = f"/forums/{forum.id}/items/{item.id}/image?v={image.digest[:16]}"
    assert f'src="{url}"' in page.replace("&amp;", "&")
    assert 'alt="골목에 놓인 나무 의자 세 개"' in page and 'width="1280" height="853"' in page
    served = client.get(url)
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.data[:2] == b"\xff\xd8"
    assert (
        "immutable" in served.headers["Cache-Control"]
        and "max-age=31536000" in served.headers["Cache-Control"]
    )
    assert served.headers["ETag"].strip('"') == image.digest
    again = client.get(url, headers={"If-None-Match": served.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    unversioned = client.get(f"/forums/{forum.id}/items/{item.id}/image")
    assert "immutable" not in unversioned.headers["Cache-Control"]
    assert (
        db.session.execute(select(AuditEntry.action).order_by(AuditEntry.id.desc())).first()[0]
        == "item.image"
    )


def test_a_photo_loses_its_location_metadata(client, team):
    forum, item = team
    source = Image.new("RGB", (800, 600), "blue")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make; GPS would sit in the same block
    out = io.BytesIO()
    source.save(out, "JPEG", exif=exif)
    upload(client, forum, item, out.getvalue())
    stored = db.session.execute(select(ItemImage)).scalar_one()
    assert b"PhoneMaker" not in stored.data and b"Exif" not in stored.data


@pytest.mark.parametrize(
    ("data", "name", "status", "message"),
    [
        (picture("GIF", (20, 20)), "p.gif", 415, "JPEG, PNG, WebP 형식"),
        (
            b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
            "p.svg",
            415,
            "JPEG, PNG, WebP 형식",
        ),
        (b"\xff\xd8\xff\xe0 not really a jpeg", "p.jpg", 415, "JPEG, PNG, WebP 형식"),
        (b"", "p.jpg", 415, "JPEG, PNG, WebP 형식"),
        (b"\xff\xd8" + b"x" * (pictures.MAX_UPLOAD_BYTES + 10), "p.jpg", 413, "5MB보다 큽니다"),
    ],
)
def test_a_wrong_or_oversized_file_is_refused_and_nothing_stored(
    client, team, data, name, status, message
):
    forum, item = team
    before = count(AuditEntry)
    response = upload(client, forum, item, data, name=name)
    assert response.status_code == status
    assert message in text(response) and 'id="form-error"' in text(response)
    assert count(ItemImage) == 0 and count(AuditEntry) == before


def test_a_body_far_over_the_limit_is_refused_before_it_is_read(client, team):
    forum, item = team
    response = upload(client, forum, item, b"x" * (pictures.MAX_UPLOAD_BYTES + 200 * 1024))
    assert response.status_code == 413 and count(ItemImage) == 0


def test_a_picture_needs_a_description(client, team):
    forum, item = team
    response = upload(client, forum, item, picture(), alt="  ")
    assert response.status_code == 400 and "사진에 무엇이 보이는지" in text(response)
    assert count(ItemImage) == 0


def test_pictures_freeze_with_the_items_once_voting_starts(client, team):
    forum, item = team
    forum.phase = "voting"
    db.session.commit()
    response = upload(client, forum, item, picture())
    assert response.status_code == 409 and count(ItemImage) == 0


def test_another_districts_team_cannot_upload(client, app, team):
    forum, item = team
    page = text(client.get(f"/manage/forums/{forum.id}/items/{item.id}"))
    sign_in(client, factories.staff("team-b", "district_team", "11110"))
    form = {"csrf_token": csrf_token(page), "alt": "x", "picture": (io.BytesIO(picture()), "p.jpg")}
    response = client.post(
        f"/manage/forums/{forum.id}/items/{item.id}/image",
        data=form,
        content_type="multipart/form-data",
    )
    assert response.status_code == 403 and count(ItemImage) == 0


def test_the_team_removes_a_picture(client, team):
    forum, item = team
    upload(client, forum, item, picture())
    page = text(client.get(f"/manage/forums/{forum.id}/items/{item.id}"))
    response = client.post(
        f"/manage/forums/{forum.id}/items/{item.id}/image/delete",
        data={"csrf_token": csrf_token(page)},
    )
    assert response.status_code == 302 and count(ItemImage) == 0
    assert client.get(f"/forums/{forum.id}/items/{item.id}/image").status_code == 404
    assert count(AgendaItem) == len(forum.items)


def test_a_draft_forums_picture_is_the_teams_alone(client, team):
    forum, item = team
    upload(client, forum, item, picture())
    forum.phase = "draft"
    db.session.commit()
    team_view = client.get(f"/forums/{forum.id}/items/{item.id}/image")
    assert team_view.status_code == 200  # the team sees its draft's picture, uncached
    assert "private" in team_view.headers["Cache-Control"]
    sign_in(client, factories.user("resident"))
    assert client.get(f"/forums/{forum.id}/items/{item.id}/image").status_code == 404
    with client.session_transaction() as session:
        session.clear()
    assert client.get(f"/forums/{forum.id}/items/{item.id}/image").status_code == 404


def test_an_item_without_picture_or_location_shows_neither(client, team):
    forum, item = team
    page = text(client.get(f"/forums/{forum.id}/items/{item.id}"))
    assert "<img" not in page.split("<main")[1] and 'id="item-location"' not in page
    assert 'id="item-facts"' in page
