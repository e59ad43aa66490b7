"""Staff pages over HTTP: the role matrix, and bad form input answered with a 4xx."""

from datetime import datetime
from datetime import timedelta
from datetime import UTC

import pytest
from sqlalchemy import func
from sqlalchemy import select

from auth.models import Role
from core.extensions import db
from deliberation.models import AgendaItem
from deliberation.models import Forum
from tests import factories
from tests.web import csrf_token
from tests.web import sign_in
from tests.web import text

NOW = datetime.now(UTC)


@pytest.fixture
def world(app):
    """Forum of district A (영등포구) in draft, and a user for every role."""
    factories.district("11680", "강남구")
    forum = factories.forum(phase="draft", code="11560")
    return {
        "forum": forum,
        "anonymous": None,
        "resident": factories.user("resident"),
        "team_a": factories.staff("team-a", "district_team", "11560"),
        "team_b": factories.staff("team-b", "district_team", "11680"),
        "operator": factories.staff("operator", "operator"),
        "admin": factories.staff("admin", "admin"),
    }


def as_(client, world, who):
    if world[who] is not None:
        sign_in(client, world[who])
    return client


MANAGE_ROUTES = [
    "/manage/",
    "/manage/forums/new",
    "/manage/forums/{id}",
    "/manage/forums/{id}/items/new",
    "/manage/forums/{id}/assisted",
]
# Expected status per role for the district-A forum's staff pages.
EXPECTED = {
    "anonymous": 302,
    "resident": 403,
    "team_a": 200,
    "team_b": 403,
    "operator": 403,
    "admin": 403,
}


@pytest.mark.parametrize("who", list(EXPECTED))
@pytest.mark.parametrize("route", MANAGE_ROUTES)
def test_role_matrix_for_forum_management(client, world, who, route):
    as_(client, world, who)
    status = client.get(route.format(id=world["forum"].id)).status_code
    expected = EXPECTED[who]
    if who == "team_b" and route in ("/manage/", "/manage/forums/new"):
        expected = 200  # their own list and their own district's form
    assert status == expected


@pytest.mark.parametrize("who", list(EXPECTED))
def test_role_matrix_for_the_admin_page(client, world, who):
    as_(client, world, who)
    expected = {"anonymous": 302, "admin": 200}.get(who, 403)
    assert client.get("/admin/roles").status_code == expected


def test_team_b_cannot_see_or_change_district_a_drafts(client, world):
    as_(client, world, "team_b")
    forum = world["forum"]
    assert forum.title not in text(client.get("/manage/"))
    token = csrf_token(text(client.get("/manage/forums/new")))
    response = client.post(
        f"/manage/forums/{forum.id}/phase", data={"csrf_token": token, "phase": "deliberation"}
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Forum, forum.id).phase == "draft"


def post_item(client, forum, cost):
    page = client.get(f"/manage/forums/{forum.id}/items/new")
    data = {
        "csrf_token": csrf_token(text(page)),
        "external_id": "Z-01",
        "title": "t",
        "cost": cost,
        "status": "approved",
    }
    return client.post(f"/manage/forums/{forum.id}/items/new", data=data)


@pytest.mark.parametrize("cost", ["0", "-5", "1.5", "abc", ""])
def test_bad_costs_are_refused_with_a_message(client, world, cost):
    as_(client, world, "team_a")
    before = db.session.execute(select(func.count()).select_from(AgendaItem)).scalar_one()
    response = post_item(client, world["forum"], cost)
    assert response.status_code in (400, 422)
    assert 'class="field-error"' in text(response) or 'id="form-error"' in text(response)
    assert db.session.execute(select(func.count()).select_from(AgendaItem)).scalar_one() == before


def test_a_team_creates_a_forum_through_the_form(client, world):
    as_(client, world, "team_a")
    page = client.get("/manage/forums/new")
    data = {
        "csrf_token": csrf_token(text(page)),
        "district": "11560",
        "title": "새 공론장",
        "voting_starts_at": "2030-07-06T00:00",
        "voting_ends_at": "2030-07-13T23:59",
        "min_picks": "3",
        "max_picks": "3",
        "envelope": "500000000",
    }
    response = client.post("/manage/forums/new", data=data)
    assert response.status_code == 302
    forum = db.session.execute(select(Forum).filter_by(title="새 공론장")).scalar_one()
    # Entered in Seoul time, stored in UTC.
    assert forum.voting_starts_at == datetime(2030, 7, 5, 15, 0, tzinfo=UTC)
    bad = dict(data, title="거꾸로", voting_ends_at="2030-07-01T00:00")
    refused = client.post("/manage/forums/new", data=bad)
    assert refused.status_code == 422 and 'id="form-error"' in text(refused)
    assert db.session.execute(select(Forum).filter_by(title="거꾸로")).first() is None


def test_admin_grants_a_role_on_the_admin_page(client, world):
    as_(client, world, "admin")
    token = csrf_token(text(client.get("/admin/roles")))
    response = client.post(
        "/admin/roles",
        data={
            "csrf_token": token,
            "subject": "new-staff",
            "name": "새담당",
            "role": "district_team",
            "district": "11560",
        },
    )
    assert response.status_code == 302
    refused = client.post(
        "/admin/roles",
        data={
            "csrf_token": token,
            "subject": "new-staff",
            "name": "새담당",
            "role": "district_team",
            "district": "",
        },
    )
    assert refused.status_code == 400
    roles = db.session.execute(select(Role).filter_by(granted_by=world["admin"].actor)).scalars()
    assert [r.district_code for r in roles] == ["11560"]


def test_published_results_show_chart_turnout_and_hash(client, world, app):
    from voting.counting import results

    forum = factories.forum(code="11560")
    ids = factories.item_ids(forum)
    for n in range(3):
        factories.cast(forum.id, factories.user(f"v{n}", birth_year=1960 + 10 * n), ids[n : n + 3])
    forum.phase = "closed"
    db.session.commit()
    app.config["CLOCK"] = lambda: NOW + timedelta(days=7)
    snapshot = results.publish(world["team_a"], forum.id, "greedy")
    page = text(client.get(f"/forums/{forum.id}/results"))
    assert 'id="votes-chart"' in page and 'id="turnout"' in page and 'id="field-use"' in page
    assert snapshot.sha256 in page and 'id="published"' in page
