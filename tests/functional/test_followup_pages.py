"""Follow-up pages: the team publishes an update with a photo; residents read it on the
results page and their ballot page, in the API and the open data; they evaluate once."""

from datetime import timedelta
from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy import func
from sqlalchemy import select

from core.extensions import db
from deliberation.models import Forum
from tests import elections
from tests import factories
from tests.web import csrf_token
from tests.web import sign_in
from tests.web import text
from voting.followup import services
from voting.followup.models import FollowUpUpdate

PICKS = [(0, 3, 4)] * 5 + [(1, 2, 0)] * 2


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def jpeg() -> bytes:
    out = BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 60)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def published(app):
    forum = elections.closed_forum(PICKS)
    elections.publish(forum.id)
    return forum


@pytest.fixture
def team_client(app):
    client = app.test_client()
    sign_in(client, factories.staff("followup-team", "district_team", "11560"))
    return client


def first_funded(forum):
    return services.progress_of(forum)[0].item


def post_update(client, forum, item, **fields):
    page = text(client.get(f"/manage/forums/{forum.id}/followup"))
    data = {
        "csrf_token": csrf_token(page),
        "status": "in_progress",
        "dated": services.today().isoformat(),
        "note": "공사를 시작했습니다.",
        "reason": "",
    } | fields
    url = f"/manage/forums/{forum.id}/followup/{item.id}"
    return client.post(url, data=data, content_type="multipart/form-data")


def test_the_team_publishes_an_update_with_a_photo(team_client, published, client):
    item = first_funded(published)
    response = post_update(team_client, published, item, photo=(BytesIO(jpeg()), "site.jpg"))
    assert response.status_code == 302
    update = db.session.execute(select(FollowUpUpdate)).scalar_one()
    assert update.photo and update.photo.startswith(b"\xff\xd8")
    page = text(client.get(f"/forums/{published.id}/results"))
    assert 'id="followup"' in page and "공사를 시작했습니다." in page and "진행" in page
    photo = client.get(f"/forums/{published.id}/followup/photos/{update.id}.jpg")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"


def test_a_bad_photo_or_a_missing_reason_is_a_4xx_and_stores_nothing(team_client, published):
    item = first_funded(published)
    bad = post_update(team_client, published, item, photo=(BytesIO(b"<svg/>"), "x.jpg"))
    assert bad.status_code == 422 and "JPEG, PNG" in text(bad)
    cancelled = post_update(team_client, published, item, status="cancelled")
    assert cancelled.status_code == 422 and 'id="form-error"' in text(cancelled)
    no_date = post_update(team_client, published, item, dated="")
    assert no_date.status_code == 400
    assert count(FollowUpUpdate) == 0


def test_an_unfunded_item_gets_no_update(team_client, published):
    unfunded = sorted(published.items, key=lambda i: i.position)[1]
    assert post_update(team_client, published, unfunded).status_code == 409
    assert count(FollowUpUpdate) == 0


def test_the_voter_sees_the_update_on_their_ballot_page(app, client):
    forum = factories.forum()
    resident = factories.user("voter")
    factories.cast(forum.id, resident, factories.item_ids(forum)[:3])
    for n in range(4):
        factories.cast(forum.id, factories.user(f"v{n}"), factories.item_ids(forum)[:3])
    forum = db.session.get(Forum, forum.id)
    forum.voting_ends_at = forum.voting_starts_at + timedelta(hours=1)
    forum.phase = "closed"
    db.session.commit()
    elections.publish(forum.id)
    item = first_funded(forum)
    team = factories.staff("team", "district_team", "11560")
    update = services.UpdateInput("completed", services.today(), note="개관했습니다.")
    services.add_update(team, forum.id, item.id, update)
    sign_in(client, resident)
    page = text(client.get(f"/forums/{forum.id}/my-ballot"))
    assert f'id="followup-{item.id}"' in page and "개관했습니다." in page and "완료" in page


def test_the_api_and_the_open_data_include_the_updates(team_client, published, client):
    item = first_funded(published)
    post_update(team_client, published, item, status="changed", reason="부지 변경")
    answer = client.get(f"/api/v1/forums/{published.id}/followup").get_json()
    first = answer["items"][0]
    assert first["id"] == item.external_id and first["status"] == "changed"
    assert first["updates"][0]["reason"] == "부지 변경"
    csv = client.get(f"/forums/{published.id}/followup.csv")
    assert csv.status_code == 200 and "부지 변경" in csv.get_data(as_text=True)
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/forums/{forum_id}/followup" in spec["paths"]


def test_no_followup_before_publication(client, app):
    forum = elections.closed_forum(PICKS)
    assert client.get(f"/api/v1/forums/{forum.id}/followup").status_code == 409
    assert client.get(f"/forums/{forum.id}/followup.csv").status_code == 409


def test_a_resident_evaluates_once(team_client, published, client):
    item = first_funded(published)
    post_update(team_client, published, item, status="completed")
    sign_in(client, factories.user("evaluator"))
    url = f"/forums/{published.id}/evaluation"
    page = text(client.get(url))
    assert 'id="evaluation-form"' in page
    data = {"csrf_token": csrf_token(page), f"score-{item.id}": "4", "comment": "좋아요"}
    assert client.post(url, data=data).status_code == 302
    again = client.post(url, data=data)
    assert again.status_code == 409
    assert 'id="evaluated"' in text(client.get(url))
    bad = {"csrf_token": csrf_token(page), f"score-{item.id}": "9"}
    sign_in(client, factories.user("other"))
    assert client.post(url, data=bad).status_code == 422


def test_residents_cannot_open_the_team_followup_page(client, published):
    sign_in(client, factories.user())
    assert client.get(f"/manage/forums/{published.id}/followup").status_code == 403


def test_the_followup_csv_is_defused_for_spreadsheets(team_client, published, client):
    item = first_funded(published)
    post_update(team_client, published, item, note="=HYPERLINK(1)")
    body = client.get(f"/forums/{published.id}/followup.csv").get_data().decode("utf-8-sig")
    assert "\"'=HYPERLINK(1)\"" in body and body.startswith('"item_id"')
