"""The demo data shows every feature at once: the 2020 forum carries a bloc, already scanned."""

import json

from sqlalchemy import func
from sqlalchemy import select

from core.extensions import db
from deliberation.models import Forum
from devtools.demo import PAST_BALLOTS
from devtools.demo import PAST_SLUG
from devtools.demo import seed_demo
from tests import factories
from tests.web import sign_in
from tests.web import text
from voting.models import AnomalyFlag
from voting.models import Ballot


def _past() -> Forum:
    return db.session.execute(select(Forum).filter_by(slug=PAST_SLUG)).scalar_one()


def test_the_2020_forum_carries_one_bloc_among_organic_ballots_with_cast_signals(app):
    seed_demo()
    forum = _past()
    count = select(func.count()).select_from(Ballot).filter_by(forum_id=forum.id)
    assert db.session.execute(count).scalar_one() == PAST_BALLOTS
    unsignalled = count.where(Ballot.device_hash.is_(None) | Ballot.network_hash.is_(None))
    assert db.session.execute(unsignalled).scalar_one() == 0
    devices = db.session.execute(
        select(Ballot.device_hash, func.count())
        .filter_by(forum_id=forum.id)
        .group_by(Ballot.device_hash)
        .order_by(func.count().desc())
    ).first()
    assert devices[1] == 40  # the bloc: forty identities on one device
    flags = db.session.execute(select(AnomalyFlag).filter_by(forum_id=forum.id)).scalars().all()
    assert len(flags) == 1, [(f.tier, f.size) for f in flags]
    flag = flags[0]
    assert flag.tier == "proxy_casting" and flag.size == 40 and flag.status == "open"
    assert flag.changes_outcome, "confirming it needs a second operator"
    assert json.loads(flag.details)["span_seconds"] <= 600


def test_a_new_operator_sees_the_demo_flag_at_once(client, app):
    seed_demo()
    seed_demo()  # running it again changes nothing
    forum = _past()
    assert db.session.execute(select(func.count()).select_from(AnomalyFlag)).scalar_one() == 1
    sign_in(client, factories.staff("new-operator", "operator"))
    listing = text(client.get("/operator/flags"))
    assert listing.count('class="card flag') >= 1
    assert forum.title in listing and "한 기기에서 40명 투표 · 10분 사이" in listing


def test_the_2019_forum_is_published_and_its_result_is_public(client, app):
    from devtools.demo import PUBLISHED_BALLOTS
    from devtools.demo import PUBLISHED_SLUG
    from voting.models import ResultSnapshot

    seed_demo()
    seed_demo()  # publishing is not repeated
    forum = db.session.execute(select(Forum).filter_by(slug=PUBLISHED_SLUG)).scalar_one()
    assert forum.phase == "published"
    snapshots = select(func.count()).select_from(ResultSnapshot).filter_by(forum_id=forum.id)
    assert db.session.execute(snapshots).scalar_one() == 1
    page = text(client.get(f"/forums/{forum.id}/results"))
    assert "결과 공표 전" not in page and "선정" in page
    result = client.get(f"/api/v1/forums/{forum.id}/result").get_json()
    assert result["ballots"] == PUBLISHED_BALLOTS
    assert 0 < sum(item["funded"] for item in result["items"]) < len(result["items"])
    assert client.get(f"/api/v1/forums/{forum.id}/result").status_code == 200


def test_the_demo_staff_sign_in_with_their_roles_and_names(client, app):
    from core.districts import DEMO_DISTRICT
    from devtools.demo import STAFF

    seed_demo()
    seed_demo()  # granting again changes nothing
    team = factories.user("team-kim", DEMO_DISTRICT, issuer=app.config["OIDC_ISSUER"])
    reviewer = factories.user("reviewer-park", DEMO_DISTRICT, issuer=app.config["OIDC_ISSUER"])
    assert team.has_role("district_team", DEMO_DISTRICT)
    assert reviewer.has_role("operator")
    sign_in(client, team)
    assert _past().title in text(client.get("/manage/"))
    admin = factories.user("admin-jung", DEMO_DISTRICT, issuer=app.config["OIDC_ISSUER"])
    sign_in(client, admin)
    roles = text(client.get("/admin/roles"))
    assert all(name in roles for _subject, _role, name in STAFF)


def test_the_audit_log_names_system_actors_in_words(client, app):
    from auth.services import actor_names

    seed_demo()
    sign_in(client, factories.staff("new-operator", "operator"))
    page = text(client.get("/operator/audit"))
    assert "데모 데이터" in page and ">demo<" not in page
    words = actor_names({"system:cli", "system:upgrade", "cli", "demo"})
    assert not any(":" in name or name in {"cli", "demo"} for name in words.values())


def test_the_index_tells_a_published_forum_from_one_awaiting_publication(client, app):
    seed_demo()
    page = text(client.get("/"))
    published = page.split("2019년 영등포구 열린공론장")[0].rsplit('<li class="card">', 1)[1]
    closed = page.split("2020년 영등포구 열린공론장")[0].rsplit('<li class="card">', 1)[1]
    assert "결과 공표" in published and "투표 마감" not in published
    assert "투표 마감" in closed
    after_2020 = page.split("2020년 영등포구 열린공론장")[1].split("</li>")[0]
    assert "참여 현황 (결과 공표 전)" in after_2020 and "결과 보기" not in after_2020


def test_the_demo_has_a_forum_taking_proposals_and_the_2019_agenda_followed_up(client, app):
    from devtools.demo import PUBLISHED_SLUG
    from devtools.demo_cycle import PROPOSALS
    from devtools.demo_cycle import PROPOSALS_SLUG

    seed_demo()
    seed_demo()  # running it again changes nothing
    proposing = db.session.execute(select(Forum).filter_by(slug=PROPOSALS_SLUG)).scalar_one()
    assert proposing.phase == "proposals"
    listed = client.get(f"/api/v1/forums/{proposing.id}/proposals").get_json()["proposals"]
    assert len(listed) == len(PROPOSALS)
    assert {p["status"] for p in listed} == {"submitted", "accepted", "merged", "rejected"}
    page = text(client.get(f"/forums/{proposing.id}"))
    assert 'id="proposals-button"' in page and 'id="previous-cycle"' in page
    published = db.session.execute(select(Forum).filter_by(slug=PUBLISHED_SLUG)).scalar_one()
    progress = client.get(f"/api/v1/forums/{published.id}/followup").get_json()["items"]
    assert [row["status"] for row in progress[:3]] == ["completed", "changed", "cancelled"]
    assert progress[0]["satisfaction"] == 4.2 and progress[0]["evaluations"] == 6


def test_the_demo_team_finds_outreach_links_that_lead_residents_to_the_open_forum(client, app):
    from devtools.demo import CURRENT_SLUG
    from devtools.demo import DEMO_LINKS
    from voting.models import OutreachLink

    seed_demo()
    seed_demo()  # running it again changes nothing
    current = db.session.execute(select(Forum).filter_by(slug=CURRENT_SLUG)).scalar_one()
    links = db.session.scalars(select(OutreachLink).filter_by(forum_id=current.id)).all()
    assert sorted(link.name for link in links) == sorted(name for _, name, _ in DEMO_LINKS)
    code = DEMO_LINKS[0][0]
    arrival = client.get(f"/o/{code}")
    assert arrival.status_code == 302
    assert arrival.headers["Location"].endswith(f"/forums/{current.id}")
