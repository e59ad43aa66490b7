"""Outreach links in the database: tags stored by both casting paths only for the forum's
own links, hours grouped by the database, the tag kept through a real sign-in."""

from datetime import datetime
from datetime import timedelta
from datetime import UTC
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from core.errors import DomainError
from core.extensions import db
from tests import factories
from tests.web import session_token
from voting.casting import services as casting
from voting.models import Ballot
from voting.monitoring import rules as monitoring_rules
from voting.monitoring import services as monitoring
from voting.outreach import services

SEOUL = ZoneInfo("Asia/Seoul")


def team():
    return factories.staff("team", "district_team", "11560")


def tags():
    return db.session.execute(select(Ballot.outreach_tag).order_by(Ballot.id)).scalars().all()


def test_both_casting_paths_keep_only_the_forums_own_tag(app):
    forum, other = factories.forum(), factories.forum()
    staff = team()
    mine = services.create_link(staff, forum.id, "역삼1동 주민센터", "dong_office")
    theirs = services.create_link(staff, other.id, "도서관", "organisation")
    ids = factories.item_ids(forum)
    factories.cast_tagged(forum.id, factories.user("a"), ids[:3], mine.code)
    factories.cast_tagged(forum.id, factories.user("b"), ids[:3], theirs.code)
    factories.cast_tagged(forum.id, factories.user("c"), ids[:3], "no-such-link")
    # the full checks (after the one-statement cast stored nothing) tag the same way
    user = factories.user("d")
    session_token(user)
    casting._cast_checked(forum.id, user, ids[:3], "online", None, mine.code)
    user = factories.user("e")
    casting._cast_checked(forum.id, user, ids[:3], "online", None, theirs.code)
    assert tags() == [mine.code, None, None, mine.code, None]


def test_a_name_is_unique_within_a_forum_only(app):
    forum, other = factories.forum(), factories.forum()
    staff = team()
    services.create_link(staff, forum.id, "주민센터", "dong_office")
    services.create_link(staff, other.id, "주민센터", "dong_office")
    with pytest.raises(DomainError) as refused:
        services.create_link(staff, forum.id, " 주민센터 ", "other")
    assert refused.value.status == 422 and refused.value.code == "name_taken"


def test_hours_grouped_by_the_database_match_the_rule_on_every_ballot(app):
    forum = factories.forum()
    ids = factories.item_ids(forum)
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=5)
    moments = [start + timedelta(minutes=m) for m in (1, 59, 61, 62, 240, 299)]
    for n, moment in enumerate(moments):
        app.config["CLOCK"] = lambda moment=moment: moment
        factories.cast(forum.id, factories.user(f"h{n}"), ids[:3])
    app.config["CLOCK"] = None
    grouped = monitoring_rules.hourly(monitoring.hour_counts(forum.id), SEOUL)
    assert grouped == monitoring_rules.by_hour(moments, SEOUL)
    assert list(grouped.values()) == [2, 2, 0, 0, 2]
    board = monitoring.board(team(), forum.id)
    assert list(board.by_hour) == list(grouped)
