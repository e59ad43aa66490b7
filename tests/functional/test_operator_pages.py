"""Operator pages over HTTP: operator-only, audited views, decisions through the form."""

import pytest
from sqlalchemy import select

from core import audit
from core.extensions import db
from tests import factories
from tests.integration.test_review import bloc_forum  # noqa: F401  (fixture)
from tests.web import csrf_token
from tests.web import sign_in
from tests.web import text
from voting import review
from voting.models import AnomalyFlag


@pytest.fixture
def flag(app, bloc_forum):  # noqa: F811
    review.scan_forum(bloc_forum.id)
    return db.session.execute(select(AnomalyFlag).filter_by(tier="proxy_casting")).scalars().first()


@pytest.mark.parametrize(
    ("who", "expected"),
    [(None, 302), ("resident", 403), ("district_team", 403), ("admin", 403), ("operator", 200)],
)
def test_flag_pages_are_for_operators_only(client, app, flag, who, expected):
    if who == "resident":
        sign_in(client, factories.user("resident"))
    elif who:
        sign_in(client, factories.staff(f"{who}-x", who, "11560" if who == "district_team" else ""))
    for url in ("/operator/flags", f"/operator/flags/{flag.id}", "/operator/audit"):
        assert client.get(url).status_code == expected, url


def test_operator_reads_a_flag_and_confirms_it_with_two_people(client, app, flag):
    first = factories.staff("op-1", "operator")
    second = factories.staff("op-2", "operator")
    sign_in(client, first)
    listing = text(client.get("/operator/flags"))
    assert f"/operator/flags/{flag.id}" in listing
    page = text(client.get(f"/operator/flags/{flag.id}"))
    for section in ("explanation", "impact", "timeline", "members", "decision"):
        assert f'id="{section}"' in page
    assert "dev-bloc" not in page and "0000000000" not in page  # hashes and keys stay hidden
    no_reason = client.post(
        f"/operator/flags/{flag.id}",
        data={"csrf_token": csrf_token(page), "action": "confirm", "reason": ""},
    )
    assert no_reason.status_code == 422
    client.post(
        f"/operator/flags/{flag.id}",
        data={"csrf_token": csrf_token(page), "action": "confirm", "reason": "one device"},
    )
    db.session.expire_all()
    assert db.session.get(AnomalyFlag, flag.id).status == "pending_approval"
    other = app.test_client()
    sign_in(other, second)
    page = text(other.get(f"/operator/flags/{flag.id}"))
    other.post(
        f"/operator/flags/{flag.id}",
        data={"csrf_token": csrf_token(page), "action": "confirm", "reason": "agreed"},
    )
    db.session.expire_all()
    assert db.session.get(AnomalyFlag, flag.id).status == "confirmed"
    views = db.session.execute(select(audit.AuditEntry).filter_by(action="flag.view")).scalars()
    assert len(list(views)) >= 2
    log = text(other.get("/operator/audit"))
    assert 'id="chain"' in log and "flag.confirm" in log
