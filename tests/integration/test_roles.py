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
    out = grant(app, "district_team", "kim-official", "--district", "11560", "--name", "김담당")
    assert out.exit_code == 0, out.output
    role = db.session.execute(db.select(Role)).scalar_one()
    issuer = app.config["OIDC_ISSUER"]
    assert role.voter_key == services.voter_key_for(issuer, "kim-official")
    assert role.district_code == "11560" and role.granted_by == "cli"
    assert "kim-official" not in role.voter_key
    assert audit.verify().entries == 1


def test_a_signed_in_user_holds_the_granted_role(app):
    user = factories.user("kim-official", issuer=app.config["OIDC_ISSUER"])
    grant(app, "district_team", "kim-official", "--district", "11560", "--name", "김담당")
    grant(app, "operator", "kim-official", "--name", "김담당")
    fresh = db.session.get(type(user), user.id)
    db.session.expire_all()
    assert fresh.has_role("district_team", "11560") and not fresh.has_role("district_team", "11680")
    assert fresh.has_role("operator") and not fresh.has_role("admin")
    assert fresh.team_districts() == {"11560"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["wizard", "someone", "--name", "가"], "알 수 없는 역할"),
        (["district_team", "someone", "--name", "가"], "자치구가 필요"),
        (["district_team", "someone", "--district", "99999", "--name", "가"], "알 수 없는 자치구"),
        (["operator", " ", "--name", "가"], "아이디"),
    ],
)
def test_bad_grants_are_refused_clearly(app, args, message):
    out = grant(app, *args)
    assert out.exit_code != 0 and message in out.output
    assert db.session.execute(db.select(Role)).first() is None


def test_granting_twice_keeps_one_role_and_revoke_removes_it(app):
    grant(app, "admin", "root-person", "--name", "박관리")
    grant(app, "admin", "root-person", "--name", "박관리")
    roles = db.session.execute(db.select(Role)).scalars().all()
    assert len(roles) == 1
    out = app.test_cli_runner().invoke(args=["users", "revoke", str(roles[0].id)])
    assert out.exit_code == 0
    assert db.session.execute(db.select(Role)).first() is None
    with pytest.raises(DomainError):
        services.revoke_role(roles[0].id, "cli")


def test_a_role_carries_the_display_name_given_at_grant_time(app):
    out = grant(app, "operator", "lee-operator", "--name", "이검토")
    assert out.exit_code == 0, out.output
    role = db.session.execute(db.select(Role)).scalar_one()
    assert role.name == "이검토"
    entry = db.session.execute(db.select(audit.AuditEntry)).scalar_one()
    assert "이검토" in entry.after


def test_users_list_says_who_holds_which_role_in_words(app):
    grant(app, "district_team", "kim-official", "--district", "11560", "--name", "김담당")
    grant(app, "operator", "lee-operator", "--name", "이검토")
    out = app.test_cli_runner().invoke(args=["users", "list"])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    team = next(line for line in lines if "김담당" in line)
    assert "구 담당 부서" in team and "영등포구" in team and "district_team" not in team
    operator = next(line for line in lines if "이검토" in line)
    assert "투표 검토자" in operator


def test_a_grant_without_a_name_is_refused(app):
    out = grant(app, "operator", "nameless")
    assert out.exit_code != 0 and "이름" in out.output
    out = grant(app, "operator", "nameless", "--name", "  ")
    assert out.exit_code != 0 and "이름" in out.output
    assert db.session.execute(db.select(Role)).first() is None


def test_an_unknown_district_lists_the_valid_ones(app):
    out = grant(app, "district_team", "kim", "--district", "Yeongdeungpo", "--name", "김")
    assert out.exit_code != 0
    assert "11560 영등포구" in out.output and "11110 종로구" in out.output
    assert db.session.execute(db.select(Role)).first() is None


def test_role_names_are_shown_in_korean_and_english(app):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("ko"):
        assert [str(services.role_label(r)) for r in ("district_team", "operator", "admin")] == [
            "구 담당 부서",
            "투표 검토자",
            "관리자",
        ]
    with app.test_request_context(), force_locale("en"):
        assert str(services.role_label("operator")) == "Vote reviewer"
