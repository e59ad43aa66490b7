"""Outreach links over HTTP: the team's page and printable sheet (CSRF, permissions, bad
input), a resident's arrival through /o/CODE, and the tag on the ballot they cast."""

import re

from sqlalchemy import select

from core.audit import AuditEntry
from core.extensions import db
from tests import factories
from tests.web import csrf_token
from tests.web import sign_in
from tests.web import text
from voting.models import Ballot
from voting.models import OutreachLink


def team_client(app, code="11560"):
    client = app.test_client()
    client.set_cookie("lang", "en")
    sign_in(client, factories.staff(f"team-{code}", "district_team", code))
    return client


def create(client, forum, name="역삼1동 주민센터", kind="dong_office", token=None):
    page = text(client.get(f"/manage/forums/{forum.id}/outreach"))
    data = {"csrf_token": token or csrf_token(page), "name": name, "kind": kind}
    return client.post(f"/manage/forums/{forum.id}/outreach", data=data)


def test_the_team_creates_a_link_and_gets_its_qr_code_and_printable_sheet(app):
    forum = factories.forum()
    client = team_client(app)
    response = create(client, forum)
    assert response.status_code == 302
    link = db.session.execute(select(OutreachLink)).scalar_one()
    assert (link.forum_id, link.name, link.kind) == (forum.id, "역삼1동 주민센터", "dong_office")
    assert re.fullmatch(r"[A-Za-z0-9_-]{8}", link.code)
    sheet = text(client.get(response.headers["Location"]))
    assert f"http://localhost/o/{link.code}" in sheet
    assert '<svg version="1.1" viewBox=' in sheet and 'class="qr"' in sheet
    assert "역삼1동 주민센터" in sheet and forum.title in sheet
    assert "print.js" in sheet
    listing = text(client.get(f"/manage/forums/{forum.id}/outreach"))
    assert f"/o/{link.code}" in listing and "&lt;5" in listing
    entry = db.session.execute(select(AuditEntry).filter_by(action="outreach.create")).scalar_one()
    assert entry.target == f"forum:{forum.id}" and entry.actor.startswith("user:")


def test_bad_input_is_a_clear_422_and_stores_nothing(app):
    forum = factories.forum()
    client = team_client(app)
    assert create(client, forum, name="주민센터").status_code == 302
    for name, kind, message in (
        ("   ", "dong_office", "Give the link a name"),
        ("가" * 81, "dong_office", "at most 80 characters"),
        ("Library", "spaceship", "Choose what the link is for"),
        ("주민센터", "organisation", "has a link with that name already"),
        ("bad\x00name", "other", "Remove the control characters"),
    ):
        response = create(client, forum, name=name, kind=kind)
        assert response.status_code == 422, name
        assert message in text(response), name
    assert len(db.session.execute(select(OutreachLink)).all()) == 1


def test_a_post_without_the_csrf_token_is_refused(app):
    forum = factories.forum()
    client = team_client(app)
    data = {"name": "주민센터", "kind": "other"}
    response = client.post(f"/manage/forums/{forum.id}/outreach", data=data)
    assert response.status_code == 400
    assert db.session.execute(select(OutreachLink)).first() is None


def test_only_the_forums_own_team_manages_its_links(app):
    forum = factories.forum()
    own = team_client(app)
    create(own, forum)
    link = db.session.execute(select(OutreachLink)).scalar_one()
    urls = [f"/manage/forums/{forum.id}/outreach", f"/manage/forums/{forum.id}/outreach/{link.id}"]
    anonymous = app.test_client()
    resident = app.test_client()
    sign_in(resident, factories.user("resident"))
    other_team = team_client(app, "11680")
    for url in urls:
        assert anonymous.get(url).status_code == 302
        assert resident.get(url).status_code == 403
        assert other_team.get(url).status_code == 403
    other_forum = factories.forum(code="11680")
    assert other_team.get(f"/manage/forums/{other_forum.id}/outreach/{link.id}").status_code == 404
    assert own.get(f"/manage/forums/{forum.id}/outreach/999999").status_code == 404


def test_arriving_through_a_link_leads_to_the_forum_and_tags_the_ballot(app):
    forum = factories.forum()
    create(team_client(app), forum)
    link = db.session.execute(select(OutreachLink)).scalar_one()
    resident = app.test_client()
    arrived = resident.get(f"/o/{link.code}")
    assert arrived.status_code == 302 and arrived.headers["Location"] == f"/forums/{forum.id}"
    with resident.session_transaction() as session:
        assert session["outreach"] == link.code
    voter = factories.user("arrived")
    sign_in(resident, voter)
    ids = factories.item_ids(forum)
    page = text(resident.get(f"/forums/{forum.id}/ballot"))
    data = {"csrf_token": csrf_token(page), "picks": ids[:3]}
    assert resident.post(f"/forums/{forum.id}/ballot/confirm", data=data).status_code == 302
    ballot = db.session.execute(select(Ballot)).scalar_one()
    assert ballot.outreach_tag == link.code and ballot.voter_key == voter.voter_key


def test_a_link_of_another_forum_leaves_the_ballot_untagged(app):
    forum, elsewhere = factories.forum(), factories.forum()
    create(team_client(app), elsewhere)
    link = db.session.execute(select(OutreachLink)).scalar_one()
    resident = app.test_client()
    resident.get(f"/o/{link.code}")
    sign_in(resident, factories.user("wanderer"))
    page = text(resident.get(f"/forums/{forum.id}/ballot"))
    ids = factories.item_ids(forum)
    data = {"csrf_token": csrf_token(page), "picks": ids[:3]}
    assert resident.post(f"/forums/{forum.id}/ballot/confirm", data=data).status_code == 302
    assert db.session.execute(select(Ballot.outreach_tag)).scalar_one() is None


def test_an_unknown_or_malformed_code_is_a_friendly_404(client):
    client.set_cookie("lang", "en")
    for code in ("nosuchcode", "a", "x" * 40, "%00%01", "한글코드", "'%20OR%201=1"):
        response = client.get(f"/o/{code}")
        assert response.status_code == 404, code
        assert "not, or no longer, in use" in text(response)
    assert client.get("/o/..%2F..").status_code == 404
    with client.session_transaction() as session:
        assert "outreach" not in session


def test_the_board_counts_ballots_per_link_with_small_cells_hidden(app):
    forum = factories.forum()
    team = team_client(app)
    create(team, forum, name="역삼1동 주민센터")
    create(team, forum, name="청년 모임", kind="target_group")
    links = {link.name: link.code for link in db.session.execute(select(OutreachLink)).scalars()}
    ids = factories.item_ids(forum)
    for n in range(6):
        dong = links["역삼1동 주민센터"]
        factories.cast_tagged(forum.id, factories.user(f"dong-{n}"), ids[:3], dong)
    factories.cast_tagged(forum.id, factories.user("youth"), ids[:3], links["청년 모임"])
    for n in range(5):
        factories.cast(forum.id, factories.user(f"direct-{n}"), ids[:3])
    live = team.get(f"/manage/forums/{forum.id}/turnout.json").get_json()
    assert live["ballots"] == 12
    assert live["by_tag"] == {"역삼1동 주민센터": 6, "청년 모임": "<5"}
    assert live["untagged"] == "≥5"  # the hidden cell could be worked out from the total
    page = text(team.get(f"/manage/forums/{forum.id}/turnout"))
    assert 'id="live-by-tag"' in page and "역삼1동 주민센터" in page
