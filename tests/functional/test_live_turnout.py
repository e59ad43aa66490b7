"""The team's live turnout board: only the forum's own team, during and after voting,
small cells hidden, the share of the population the team entered."""

from sqlalchemy import select

from core.audit import AuditEntry
from core.extensions import db
from tests import factories
from tests.web import csrf_token
from tests.web import sign_in
from tests.web import text


def cast(forum, count, start=0, birth_year=1980):
    for n in range(start, start + count):
        resident = factories.user(f"voter-{n}", birth_year=birth_year)
        factories.cast(forum.id, resident, factories.item_ids(forum)[:3])


def team_client(app):
    client = app.test_client()
    sign_in(client, factories.staff("team", "district_team", "11560"))
    return client


def test_the_team_sees_ballots_so_far_with_small_cells_hidden(app):
    forum = factories.forum()
    cast(forum, 6, birth_year=1980)
    cast(forum, 2, start=6, birth_year=1950)
    live = team_client(app).get(f"/manage/forums/{forum.id}/turnout.json").get_json()
    assert live["ballots"] == 8
    assert live["age_bands"]["40s"] == "≥5" and live["age_bands"]["70_plus"] == "<5"
    assert live["channels"]["online"] == 8
    assert sum(v for v in live["by_hour"].values() if isinstance(v, int)) <= 8
    assert live["share"] is None


def test_the_board_page_shows_the_count_and_the_share_once_entered(app):
    forum = factories.forum()
    cast(forum, 5)
    client = team_client(app)
    page = text(client.get(f"/manage/forums/{forum.id}/turnout"))
    assert 'id="live-ballots">5<' in page and "turnout.js" in page
    data = {"csrf_token": csrf_token(page), "population": "1000"}
    response = client.post(f"/manage/forums/{forum.id}/turnout/population", data=data)
    assert response.status_code == 302
    live = client.get(f"/manage/forums/{forum.id}/turnout.json").get_json()
    assert (live["eligible"], live["share"]) == (1000, 0.5)
    entry = db.session.execute(
        select(AuditEntry).filter_by(action="turnout.population")
    ).scalar_one()
    assert entry.target == f"forum:{forum.id}"


def test_a_bad_population_is_a_4xx_and_changes_nothing(app):
    forum = factories.forum()
    client = team_client(app)
    page = text(client.get(f"/manage/forums/{forum.id}/turnout"))
    for bad, status in (("0", 422), ("-3", 400), ("많이", 400), ("99999999999", 400)):
        data = {"csrf_token": csrf_token(page), "population": bad}
        response = client.post(f"/manage/forums/{forum.id}/turnout/population", data=data)
        assert response.status_code == status, bad
    live = client.get(f"/manage/forums/{forum.id}/turnout.json").get_json()
    assert live["eligible"] is None


def test_nobody_else_sees_the_live_board(app):
    forum = factories.forum()
    cast(forum, 5)
    urls = [f"/manage/forums/{forum.id}/turnout", f"/manage/forums/{forum.id}/turnout.json"]
    anonymous = app.test_client()
    resident = app.test_client()
    sign_in(resident, factories.user("resident"))
    other_team = app.test_client()
    sign_in(other_team, factories.staff("other", "district_team", "11680"))
    for url in urls:
        assert anonymous.get(url).status_code == 302
        assert resident.get(url).status_code == 403
        assert other_team.get(url).status_code == 403
    # The public result stays refused while the window is open.
    assert anonymous.get(f"/api/v1/forums/{forum.id}/result").status_code == 409


def test_there_is_no_board_before_voting(app):
    forum = factories.forum(phase="deliberation")
    response = team_client(app).get(f"/manage/forums/{forum.id}/turnout")
    assert response.status_code == 409
