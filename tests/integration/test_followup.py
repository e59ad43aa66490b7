"""Follow-up on the database: updates of funded items, the evaluation, the next forum."""

from datetime import date
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy import select

from core.errors import DomainError
from core.extensions import db
from tests import elections
from tests import factories
from voting.followup import services
from voting.followup.models import Evaluation
from voting.followup.models import FollowUpUpdate

# Items cost 100M, 150M, 200M, 50M and 80M within 300M: these votes fund the first,
# the fourth and the fifth (positions 0, 3, 4) and not the second and third.
PICKS = [(0, 3, 4)] * 5 + [(1, 2, 0)] * 2


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.fixture
def published(app):
    forum = elections.closed_forum(PICKS)
    elections.publish(forum.id)
    return forum


@pytest.fixture
def team(app):
    return factories.staff("followup-team", "district_team", "11560")


def funded(forum):
    return [row.item for row in services.progress_of(forum)]


def test_the_funded_items_come_from_the_published_result(published):
    assert [item.position for item in funded(published)] == [0, 3, 4]


def test_the_team_dates_updates_and_the_latest_states_the_status(published, team):
    item = funded(published)[0]
    today = services.today()
    plan = services.UpdateInput("planned", today - timedelta(days=30), note="설계 시작")
    services.add_update(team, published.id, item.id, plan)
    done = services.UpdateInput("completed", today, note="준공")
    services.add_update(team, published.id, item.id, done)
    row = services.progress_of(published)[0]
    assert [u.status for u in row.updates] == ["completed", "planned"]
    assert row.current.status == "completed"


@pytest.mark.parametrize(
    ("position", "values", "code"),
    [
        (1, {"status": "planned"}, "not_funded"),
        (0, {"status": "cancelled"}, "reason_required"),
        (0, {"status": "planned", "dated": date(2100, 1, 1)}, "future"),
    ],
)
def test_refused_updates_store_nothing(published, team, position, values, code):
    item = sorted(published.items, key=lambda i: i.position)[position]
    values = {"dated": services.today()} | values
    with pytest.raises(DomainError) as refused:
        services.add_update(team, published.id, item.id, services.UpdateInput(**values))
    assert refused.value.code == code
    assert count(FollowUpUpdate) == 0


def test_no_update_before_publication(app, team):
    forum = elections.closed_forum(PICKS)
    with pytest.raises(DomainError) as refused:
        update = services.UpdateInput("planned", services.today())
        services.add_update(team, forum.id, forum.items[0].id, update)
    assert refused.value.code == "not_published"


def test_another_districts_team_cannot_update(published):
    other = factories.staff("other", "district_team", "11680")
    with pytest.raises(DomainError) as refused:
        update = services.UpdateInput("planned", services.today())
        services.add_update(other, published.id, funded(published)[0].id, update)
    assert refused.value.status == 403


def complete(published, team, item):
    update = services.UpdateInput("completed", services.today())
    services.add_update(team, published.id, item.id, update)


def test_one_evaluation_per_person_of_completed_items(published, team):
    item = funded(published)[0]
    complete(published, team, item)
    resident = factories.user("evaluator")
    services.evaluate(published.id, resident, {item.id: 4}, "좋아요")
    with pytest.raises(DomainError) as refused:
        services.evaluate(published.id, resident, {item.id: 5}, "")
    assert refused.value.code == "already_evaluated"
    services.evaluate(published.id, factories.user("second"), {item.id: 5}, "")
    row = services.progress_of(published)[0]
    assert (row.satisfaction, row.scores) == (4.5, 2)
    assert count(Evaluation) == 2


def test_only_completed_items_and_residents(published, team):
    first, second = funded(published)[:2]
    complete(published, team, first)
    with pytest.raises(DomainError) as refused:
        services.evaluate(published.id, factories.user("r"), {second.id: 5}, "")
    assert refused.value.code == "unknown_item"
    outsider = factories.user("outsider", code="11680")
    with pytest.raises(DomainError) as refused:
        services.evaluate(published.id, outsider, {first.id: 5}, "")
    assert refused.value.status == 403
    assert count(Evaluation) == 0


def test_next_years_forum_shows_the_last_cycle(published, team):
    item = funded(published)[0]
    complete(published, team, item)
    services.evaluate(published.id, factories.user("evaluator"), {item.id: 3}, "")
    later = published.voting_ends_at + timedelta(days=300)
    next_year = factories.forum(phase="deliberation", opens=later, closes=later + timedelta(7))
    earlier, rows = services.previous_cycle(next_year)
    assert earlier.id == published.id
    assert rows[0].current.status == "completed" and rows[0].satisfaction == 3.0
    assert services.previous_cycle(published) is None
