"""Staff never see a person's choices: no staff page, export or API answer pairs a
voter key, a receipt code or a resident's user id with what was picked. Every GET route
of the URL map is walked as each staff role, so a new page cannot slip past."""

import pytest
from sqlalchemy import select

from core.extensions import db
from tests import elections
from tests import factories
from tests.functional.test_surface import rules
from tests.functional.test_surface import url_for_rule
from tests.web import sign_in
from tests.web import text
from voting.casting.receipts import display
from voting.models import Ballot
from voting.models import OutreachLink

STAFF = ("team", "operator", "admin")


@pytest.fixture
def world(app):
    published = elections.closed_forum([(0, 1, 2), (1, 2, 3), (0, 3, 4)] * 4)
    elections.exclude(published, [elections.receipt(published.id * 10_000)])
    elections.publish(published.id)
    voting_now = factories.forum()
    resident = factories.user("resident")
    factories.cast(voting_now.id, resident, factories.item_ids(voting_now)[:3])
    flag = factories.empty_flag(published)
    # An outreach link of the open forum, so its sheet is walked too.
    db.session.add(
        OutreachLink(
            forum_id=voting_now.id,
            code="walkcode",
            name="동 주민센터",
            kind="dong_office",
            created_by="team",
            created_at=voting_now.voting_starts_at,
        )
    )
    db.session.commit()
    staff = {
        "team": factories.staff("team", "district_team", "11560"),
        "operator": factories.staff("operator", "operator"),
        "admin": factories.staff("admin", "admin"),
    }
    ballots = db.session.execute(select(Ballot)).scalars().all()
    secrets = {b.voter_key for b in ballots} | {b.receipt_code for b in ballots}
    secrets |= {display(b.receipt_code) for b in ballots} | {f"user:{resident.id}"}
    forums = (published.id, voting_now.id)
    return staff, flag, forums, secrets


@pytest.mark.parametrize("role", STAFF)
def test_no_staff_page_or_export_shows_who_chose_what(app, world, role):
    staff, flag, forums, secrets = world
    client = app.test_client()
    sign_in(client, staff[role])
    seen = 0
    for forum_id in forums:
        ids = {
            "forum_id": forum_id,
            "item_id": 1,
            "proposal_id": 1,
            "update_id": 1,
            "comment_id": 1,
            "flag_id": flag.id,
            "field_id": 1,
            "role_id": 1,
            "link_id": db.session.scalar(select(OutreachLink.id)),
            "code": "ABCDEFGHIJKLMNOPQRST",
            "filename": "css/app.css",
        }
        for rule in rules(app, "GET"):
            if rule.endpoint.startswith(("devidp.", "auth.", "privacy.me")):
                continue  # the provider, sign-in, and a person's own data
            answer = client.get(url_for_rule(rule, ids))
            if answer.status_code != 200:
                continue
            seen += 1
            body = text(answer) if answer.mimetype != "application/zip" else ""
            for secret in secrets:
                assert secret not in body, (rule.rule, role)
    assert seen > 20  # the walk reached the staff pages and the exports
