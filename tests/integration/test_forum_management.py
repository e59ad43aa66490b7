"""District teams run their forums: settings, items, phases, publication, assisted ballots."""

from datetime import datetime
from datetime import timedelta
from datetime import UTC

import pytest
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select

from auth import oidc
from auth.services import resident_from_claims
from core import audit
from core.errors import DomainError
from core.extensions import db
from deliberation import services
from deliberation.models import AgendaItem
from deliberation.models import Forum
from tests import factories
from voting.casting import services as voting
from voting.counting import results
from voting.models import Ballot
from voting.models import BallotChoice

NOW = datetime.now(UTC).replace(microsecond=0)


def values(**changes) -> services.ForumInput:
    base = dict(
        title="2027 forum",
        description="",
        starts_at=NOW + timedelta(days=10),
        ends_at=NOW + timedelta(days=17),
        min_picks=3,
        max_picks=3,
        cost_cap=None,
        envelope=500_000_000,
    )
    base.update(changes)
    return services.ForumInput(**base)


def item(**changes) -> services.ItemInput:
    base = dict(
        external_id="N-01",
        title="New item",
        summary="",
        proposer="",
        cost=10_000_000,
        field_id=None,
        status="approved",
    )
    base.update(changes)
    return services.ItemInput(**base)


@pytest.fixture
def team(app):
    factories.district("11560", "영등포구")
    factories.district("11680", "강남구")
    db.session.commit()
    return factories.staff("team-a", "district_team", "11560")


def refused(call, *args, status=None, code=None) -> DomainError:
    with pytest.raises(DomainError) as info:
        call(*args)
    if status:
        assert info.value.status == status
    if code:
        assert info.value.code == code
    db.session.rollback()
    return info.value


def test_a_team_creates_a_draft_forum_and_the_change_is_audited(team):
    forum = services.create_forum(team, "11560", values())
    assert forum.phase == "draft" and forum.district.code == "11560"
    entry = db.session.execute(select(audit.AuditEntry)).scalar_one()
    assert entry.action == "forum.create" and entry.actor == team.actor
    assert audit.verify().ok


def test_a_team_of_another_district_can_neither_create_nor_edit(team):
    other = factories.staff("team-b", "district_team", "11680")
    refused(services.create_forum, other, "11560", values(), status=403)
    forum = services.create_forum(team, "11560", values())
    refused(services.update_forum, other, forum.id, values(title="hijack"), status=403)
    refused(services.managed_forum, other, forum.id, status=403)
    assert db.session.get(Forum, forum.id).title == "2027 forum"


def test_window_end_before_start_is_refused_and_nothing_changes(team):
    forum = services.create_forum(team, "11560", values())
    bad = values(ends_at=NOW + timedelta(days=9))
    error = refused(services.update_forum, team, forum.id, bad, status=422, code="window_order")
    assert "end" in error.message.lower() or "끝" in error.message or "마감" in error.message
    db.session.expire_all()
    assert db.session.get(Forum, forum.id).voting_ends_at == NOW + timedelta(days=17)


def test_field_envelopes_may_not_exceed_the_forum_envelope(team):
    forum = services.create_forum(team, "11560", values(envelope=100_000_000))
    services.save_field(team, forum.id, None, "복지", "Welfare", 60_000_000)
    refused(services.save_field, team, forum.id, None, "교육", "Education", 50_000_000, status=422)
    assert len(db.session.get(Forum, forum.id).fields) == 1
    services.save_field(team, forum.id, None, "교육", "Education", 40_000_000)


@pytest.mark.parametrize("cost", [0, -5])
def test_cost_must_be_above_zero(team, cost):
    forum = services.create_forum(team, "11560", values())
    refused(
        services.save_item, team, forum.id, None, item(cost=cost), status=422, code="cost_positive"
    )
    assert db.session.execute(select(func.count()).select_from(AgendaItem)).scalar_one() == 0


def test_cost_may_not_exceed_the_field_envelope(team):
    forum = services.create_forum(team, "11560", values())
    field = services.save_field(team, forum.id, None, "환경", "Environment", 50_000_000)
    refused(
        services.save_item,
        team,
        forum.id,
        None,
        item(cost=60_000_000, field_id=field.id),
        status=422,
        code="cost_over_field",
    )
    services.save_item(team, forum.id, None, item(cost=50_000_000, field_id=field.id))


def ready_forum(team, **changes) -> Forum:
    forum = services.create_forum(team, "11560", values(**changes))
    for n in range(4):
        services.save_item(team, forum.id, None, item(external_id=f"N-0{n}", cost=(n + 1) * 10**7))
    return forum


def test_voting_needs_enough_approved_items(team):
    forum = services.create_forum(team, "11560", values())
    services.save_item(team, forum.id, None, item())
    refused(services.change_phase, team, forum.id, "voting", status=422, code="too_few_items")


def test_items_and_rules_freeze_once_voting_starts(team):
    forum = ready_forum(team)
    services.change_phase(team, forum.id, "voting")
    refused(
        services.update_forum, team, forum.id, values(title="changed"), status=409, code="frozen"
    )
    refused(services.save_item, team, forum.id, None, item(external_id="N-99"), status=409)
    refused(services.save_field, team, forum.id, None, "새 분야", "", None, status=409)


def open_now(team) -> Forum:
    forum = ready_forum(team, starts_at=NOW - timedelta(days=1), ends_at=NOW + timedelta(days=6))
    services.change_phase(team, forum.id, "voting")
    return forum


def test_no_phase_goes_back_once_a_ballot_exists(team, app):
    forum = open_now(team)
    services.change_phase(team, forum.id, "deliberation")  # no ballot yet: allowed
    services.change_phase(team, forum.id, "voting")
    resident = factories.user("resident-1")
    factories.cast(forum.id, resident, [str(i.id) for i in forum.items[:3]])
    refused(services.change_phase, team, forum.id, "deliberation", status=409, code="backwards")
    assert db.session.get(Forum, forum.id).phase == "voting"


def test_voting_closes_only_after_its_window(team, app):
    forum = open_now(team)
    refused(services.change_phase, team, forum.id, "closed", status=409, code="window_open")
    app.config["CLOCK"] = lambda: NOW + timedelta(days=6)
    services.change_phase(team, forum.id, "closed")


def test_publishing_an_open_forum_is_refused(team):
    forum = open_now(team)
    refused(results.publish, team, forum.id, "greedy", status=409, code="not_closed")
    refused(services.change_phase, team, forum.id, "published", status=409)
    assert (
        db.session.execute(select(func.count()).select_from(results.ResultSnapshot)).scalar_one()
        == 0
    )


def closed_with_ballots(team, app) -> Forum:
    forum = open_now(team)
    ids = [str(i.id) for i in forum.items]
    for n, picks in enumerate([ids[:3], ids[:3], ids[1:4], ids[:2] + ids[3:]]):
        factories.cast(forum.id, factories.user(f"r{n}", birth_year=1950 + 10 * n), picks)
    app.config["CLOCK"] = lambda: NOW + timedelta(days=6)
    services.change_phase(team, forum.id, "closed")
    return forum


def test_publish_makes_an_immutable_verifiable_snapshot(team, app):
    forum = closed_with_ballots(team, app)
    snapshot = results.publish(team, forum.id, "greedy")
    assert db.session.get(Forum, forum.id).phase == "published"
    assert len(snapshot.sha256) == 64 and snapshot.rule == "greedy"
    payload = results.json.loads(snapshot.payload)
    # Four ballots: every turnout cell is under 5, so none is published as a number.
    assert payload["ballots_counted"] == 4
    assert payload["channels"] == {"online": "<5", "assisted": "<5", "import": "<5"}
    assert set(payload["age_bands"].values()) == {"<5"}
    assert results.verify_snapshot(forum.id).matches
    out = app.test_cli_runner().invoke(args=["forum", "verify-snapshot", str(forum.id)])
    assert out.exit_code == 0 and snapshot.sha256 in out.output
    refused(results.publish, team, forum.id, "greedy", status=409, code="published")
    refused(services.change_phase, team, forum.id, "closed", status=409)


def test_verify_snapshot_detects_changed_ballots(team, app):
    forum = closed_with_ballots(team, app)
    results.publish(team, forum.id, "greedy")
    first = (
        db.session.execute(select(Ballot.id).where(Ballot.forum_id == forum.id)).scalars().first()
    )
    # A ballot disappears after publication: the recomputed result no longer matches.
    db.session.execute(delete(BallotChoice).where(BallotChoice.ballot_id == first))
    db.session.execute(delete(Ballot).where(Ballot.id == first))
    db.session.commit()
    assert not results.verify_snapshot(forum.id).matches
    out = app.test_cli_runner().invoke(args=["forum", "verify-snapshot", str(forum.id)])
    assert out.exit_code == 1


def _resident(app, subject: str, district: str | None = "11560", born="1990-01-01"):
    """A resident as the provider vouches for them at a support point."""
    claims = {"sub": subject, "district": district, "birth_year": born}
    return resident_from_claims(oidc.provider(None), claims)


def test_an_assisted_ballot_then_online_is_one_ballot(team, app):
    forum = open_now(team)
    ids = [str(i.id) for i in forum.items[:3]]
    code = voting.cast_assisted(forum.id, team, _resident(app, "kakao-123"), ids, False)
    ballot = db.session.execute(select(Ballot).filter_by(receipt_code=code)).scalar_one()
    assert ballot.channel == "assisted" and ballot.birth_year == 1990
    online = factories.user("kakao-123", issuer=app.config["OIDC_ISSUER"])
    with pytest.raises(voting.AlreadyVoted):
        factories.cast(forum.id, online, ids)
    with pytest.raises(voting.AlreadyVoted):
        voting.cast_assisted(forum.id, team, _resident(app, "kakao-123"), ids, False)
    entries = db.session.execute(
        select(audit.AuditEntry).filter_by(action="ballot.assisted")
    ).scalars()
    [entry] = list(entries)
    assert "item" not in (entry.after or "") and entry.actor == team.actor
    assert db.session.execute(select(func.count()).select_from(Ballot)).scalar_one() == 1


def test_an_online_ballot_then_assisted_is_one_ballot(team, app):
    forum = open_now(team)
    ids = [str(i.id) for i in forum.items[:3]]
    factories.cast(forum.id, factories.user("kakao-456", issuer=app.config["OIDC_ISSUER"]), ids)
    with pytest.raises(voting.AlreadyVoted):
        voting.cast_assisted(forum.id, team, _resident(app, "kakao-456"), ids, False)
    assert db.session.execute(select(func.count()).select_from(Ballot)).scalar_one() == 1


def test_an_assisted_resident_of_another_district_is_refused(team, app):
    forum = open_now(team)
    ids = [str(i.id) for i in forum.items[:3]]
    elsewhere = _resident(app, "kakao-789", district="강남구")
    refused(voting.cast_assisted, forum.id, team, elsewhere, ids, True, status=403)
    unknown = _resident(app, "kakao-790", district=None)
    refused(voting.cast_assisted, forum.id, team, unknown, ids, False, status=403)
    voting.cast_assisted(forum.id, team, unknown, ids, True)  # the ID card, checked in person
    assert db.session.execute(select(func.count()).select_from(Ballot)).scalar_one() == 1


def test_assisted_ballot_by_another_districts_team_is_refused(team, app):
    forum = open_now(team)
    other = factories.staff("team-b", "district_team", "11680")
    ids = [str(i.id) for i in forum.items[:3]]
    resident = _resident(app, "kakao-1")
    refused(voting.cast_assisted, forum.id, other, resident, ids, False, status=403)
    assert db.session.execute(select(func.count()).select_from(Ballot)).scalar_one() == 0
