"""The demo data shows every feature at once: the 2020 forum carries a bloc, already scanned."""

import json

from sqlalchemy import func
from sqlalchemy import select

from core.extensions import db
from deliberation.models import Forum
from tests import factories
from tests.web import sign_in
from tests.web import text
from voting.demo import PAST_BALLOTS
from voting.demo import PAST_SLUG
from voting.demo import seed_demo
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
