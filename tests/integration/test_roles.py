"""Granting and revoking staff roles, from the CLI."""

import pytest

from auth import services
from auth.models import Role
from core import audit
from core.errors import DomainError
from core.extensions import db
from tests import factories


def grant(app, *args):
    return app.test_cli_runner().invoke(args=["users", "grant", *args])


def test_grant_a_district_team_role_before_first_sign_in(app):
    out = grant(app, "district_team", "kim-official", "--district", "11560")
    assert out.exit_code == 0, out.output
    role = db.session.execute(db.select(Role)).scalar_one()
    issuer = app.config["OIDC_ISSUER"]
    assert role.voter_key == services.voter_key_for(issuer, "kim-official")
    assert role.district_code == "11560" and role.granted_by == "cli"
    assert "kim-official" not in role.voter_key
    assert audit.verify().entries == 1


def test_a_signed_in_user_holds_the_granted_role(app):
    user = factories.user("kim-official", issuer=app.config["OIDC_ISSUER"])
    grant(app, "district_team", "kim-official", "--district", "11560")
    grant(app, "operator", "kim-official")
    fresh = db.session.get(type(user), user.id)
    db.session.expire_all()
    assert fresh.has_role("district_team", "11560") and not fresh.has_role("district_team", "11680")
    assert fresh.has_role("operator") and not fresh.has_role("admin")
    assert fresh.team_districts() == {"11560"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["wizard", "someone"], "알 수 없는 역할"),
        (["district_team", "someone"], "자치구가 필요"),
        (["district_team", "someone", "--district", "99999"], "알 수 없는 자치구"),
        (["operator", " "], "아이디"),
    ],
)
def test_bad_grants_are_refused_clearly(app, args, message):
    out = grant(app, *args)
    assert out.exit_code != 0 and message in out.output
    assert db.session.execute(db.select(Role)).first() is None


def test_granting_twice_keeps_one_role_and_revoke_removes_it(app):
    grant(app, "admin", "root-person")
    grant(app, "admin", "root-person")
    roles = db.session.execute(db.select(Role)).scalars().all()
    assert len(roles) == 1
    out = app.test_cli_runner().invoke(args=["users", "revoke", str(roles[0].id)])
    assert out.exit_code == 0
    assert db.session.execute(db.select(Role)).first() is None
    with pytest.raises(DomainError):
        services.revoke_role(roles[0].id, "cli")
