"""The JSON API against its own OpenAPI document, with schemathesis.

Every documented operation is called with generated data, valid and invalid (path
parameters, boundary values, undeclared methods), with the ids of seeded forums and
real receipt codes mixed in. Each response must be no server error, have a documented
status code and content type and a body matching its schema, and a 405 must say which
methods are allowed.
"""

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from datetime import UTC

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance
from schemathesis.specs.openapi.checks import response_schema_conformance
from schemathesis.specs.openapi.checks import status_code_conformance
from schemathesis.specs.openapi.checks import unsupported_method
from schemathesis.specs.openapi.definitions import OPENAPI_30_VALIDATOR

from core import create_app
from core.api import ID_MAX
from core.extensions import db
from deliberation.models import Forum
from tests import factories
from tests.conftest import make_app
from voting.counting import results
from voting.models import AnomalyFlag
from voting.models import Ballot
from voting.models import BallotExclusion

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    unsupported_method,
]
OPERATIONS = {
    "GET /forums",
    "GET /forums/{forum_id}",
    "GET /forums/{forum_id}/result",
    "GET /receipts/{code}",
}
REASON = "Cast by proxy"

# The document depends on the app's features, not on its data: it is loaded once from an
# app that never opens its database, and each case is sent to the seeded app of its test.
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json",
    create_app({"APP_ENV": "testing", "TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"}),
)
KNOWN: dict[str, list] = {}


@dataclass
class World:
    open_forum: int
    deliberation_forum: int
    closed_forum: int
    published_forum: int
    draft_forum: int
    counted_receipt: str
    excluded_receipt: str


def _cast(forum: Forum, subjects: list[str]) -> list[str]:
    items = factories.item_ids(forum)
    return [
        factories.cast(forum.id, factories.user(subject), items[i % 3 : i % 3 + 3])
        for i, subject in enumerate(subjects)
    ]


def _close(forum: Forum) -> None:
    now = datetime.now(UTC)
    forum.voting_starts_at = now - timedelta(days=10)
    forum.voting_ends_at = now - timedelta(days=1)
    forum.phase = "closed"
    db.session.commit()


def _exclude(forum: Forum, receipt: str) -> None:
    """Leave a ballot out of the tally, as a confirmed bloc-voting flag does."""
    now = datetime.now(UTC)
    ballot = db.session.execute(db.select(Ballot).filter_by(receipt_code=receipt)).scalar_one()
    flag = AnomalyFlag(
        forum_id=forum.id,
        key="proxy:test",
        tier="proxy",
        status="confirmed",
        size=1,
        log10_p=-9.0,
        details="{}",
        members="[]",
        first_seen_at=now,
        updated_at=now,
        reason=REASON,
    )
    db.session.add(flag)
    db.session.flush()
    db.session.add(
        BallotExclusion(
            ballot_id=ballot.id, forum_id=forum.id, flag_id=flag.id, reason=REASON, created_at=now
        )
    )
    db.session.commit()


def seed() -> World:
    """Forums in every public state, with ballots; one closed forum has an excluded ballot
    and a field envelope, the published one a cost cap and the equal-shares rule."""
    open_forum = factories.forum()
    counted = _cast(open_forum, ["o1", "o2"])[0]
    deliberation = factories.forum(phase="deliberation")
    closed = factories.forum(field_envelopes={"복지": 200_000_000})
    excluded = _cast(closed, ["c1", "c2", "c3", "c4"])[-1]
    _close(closed)
    _exclude(closed, excluded)
    published = factories.forum(cost_cap=500_000_000)
    _cast(published, ["p1", "p2", "p3"])
    _close(published)
    team = factories.staff("team", "district_team", "11560")
    results.publish(team, published.id, "equal_shares")
    draft = factories.forum(phase="draft")
    return World(
        open_forum=open_forum.id,
        deliberation_forum=deliberation.id,
        closed_forum=closed.id,
        published_forum=published.id,
        draft_forum=draft.id,
        counted_receipt=counted,
        excluded_receipt=excluded,
    )


@schema.hook
def before_generate_path_parameters(context, strategy):
    """Mix the seeded ids into the generated ones, so found resources are checked too."""
    path = context.operation.path if context.operation else ""
    if "{forum_id}" in path:
        key, name = "forum_ids", "forum_id"
    elif "{code}" in path:
        key, name = "receipts", "code"
    else:
        return strategy
    known = st.deferred(lambda: st.sampled_from(KNOWN[key]).map(lambda value: {name: value}))
    return st.one_of(known, strategy)


@pytest.fixture
def seeded(backend, tmp_path):
    """The app on a seeded database, rate limits off so that no 429 hides an answer."""
    app = make_app(backend, tmp_path, RATELIMIT_ENABLED=False)
    with app.app_context():
        world = seed()
        db.session.remove()
    KNOWN["forum_ids"] = [
        world.open_forum,
        world.deliberation_forum,
        world.closed_forum,
        world.published_forum,
        world.draft_forum,
    ]
    KNOWN["receipts"] = [world.counted_receipt, world.excluded_receipt]
    yield app, world
    KNOWN.clear()


@schema.parametrize()
@settings(
    max_examples=100,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_conforms(case, seeded):
    app, _world = seeded
    case.call_and_validate(app=app, checks=CHECKS)


def test_document_is_valid_openapi_with_every_operation():
    document = schema.raw_schema
    assert document["openapi"].startswith("3.0.")
    assert [error.message for error in OPENAPI_30_VALIDATOR.iter_errors(document)] == []
    loaded = list(schema.get_all_operations())
    assert all(result.ok() for result in loaded)
    assert {result.ok().label for result in loaded} == OPERATIONS


def test_seeded_answers_conform(seeded):
    app, world = seeded
    assert app.test_client().get("/api/v1/openapi.json").get_json() == schema.raw_schema
    expected = [
        ("/forums", {}, 200),
        ("/forums/{forum_id}", {"forum_id": world.published_forum}, 200),
        ("/forums/{forum_id}", {"forum_id": world.draft_forum}, 404),
        ("/forums/{forum_id}", {"forum_id": ID_MAX}, 404),
        ("/forums/{forum_id}", {"forum_id": ID_MAX + 1}, 404),
        ("/forums/{forum_id}", {"forum_id": 2**64}, 404),
        ("/forums/{forum_id}/result", {"forum_id": world.open_forum}, 409),
        ("/forums/{forum_id}/result", {"forum_id": world.deliberation_forum}, 409),
        ("/forums/{forum_id}/result", {"forum_id": world.closed_forum}, 200),
        ("/forums/{forum_id}/result", {"forum_id": world.published_forum}, 200),
        ("/forums/{forum_id}/result", {"forum_id": world.draft_forum}, 404),
        ("/forums/{forum_id}/result", {"forum_id": ID_MAX + 1}, 404),
        ("/receipts/{code}", {"code": world.counted_receipt}, 200),
        ("/receipts/{code}", {"code": world.excluded_receipt}, 200),
        ("/receipts/{code}", {"code": "B" * 20}, 200),
        ("/receipts/{code}", {"code": "nope"}, 400),
        ("/receipts/{code}", {"code": "ABCD/EFGH"}, 404),
    ]
    answers = {}
    for path, parameters, status in expected:
        case = schema[path]["GET"].Case(path_parameters=parameters)
        response = case.call_and_validate(app=app, checks=CHECKS)
        assert response.status_code == status, (path, parameters)
        answers[path, tuple(parameters.values())] = response.json()
    assert answers["/forums/{forum_id}/result", (world.published_forum,)]["rule"] == "equal_shares"
    excluded = answers["/receipts/{code}", (world.excluded_receipt,)]
    assert excluded["counted"] is False and excluded["excluded_reason"] == REASON
    assert answers["/receipts/{code}", (world.counted_receipt,)]["counted"] is True
    refused = app.test_client().post("/api/v1/forums")
    assert refused.status_code == 405 and refused.content_type == "application/json"
    assert "GET" in refused.headers["Allow"]
