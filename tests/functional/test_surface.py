"""The attack surface, generated from the URL map so a new route cannot slip past:
CSRF on every state-changing route, the route × role access matrix, and headers."""

from datetime import datetime
from datetime import UTC

import pytest
from sqlalchemy import func
from sqlalchemy import select

from core import audit
from core.config import ConfigError
from core.extensions import db
from deliberation.models import Comment
from tests import factories
from tests.conftest import make_app
from tests.web import csrf_token
from tests.web import sign_in
from tests.web import text
from voting.models import OutreachLink

ROLES = ("anonymous", "resident", "team_a", "team_b", "operator", "admin")
# Routes that are not browser forms: the OAuth token endpoint (client-authenticated)
# and userinfo (bearer token) of the development identity provider.
CSRF_EXEMPT = {"devidp.token", "devidp.userinfo"}


@pytest.fixture
def world(app):
    factories.district("11680", "강남구")
    forum = factories.forum(code="11560")
    item = forum.items[0]
    now = datetime.now(UTC)
    comment = Comment(
        item_id=item.id, author_key="k" * 64, author_name="ABC123", body="hi", created_at=now
    )
    db.session.add(comment)
    db.session.commit()
    flag = factories.empty_flag(forum)
    proposal = factories.proposal(forum)
    link = OutreachLink(
        forum_id=forum.id, code="surface1", name="주민센터", created_by="x", created_at=now
    )
    db.session.add(link)
    db.session.commit()
    users = {
        "anonymous": None,
        "resident": factories.user("resident"),
        "team_a": factories.staff("team-a", "district_team", "11560"),
        "team_b": factories.staff("team-b", "district_team", "11680"),
        "operator": factories.staff("operator", "operator"),
        "admin": factories.staff("admin", "admin"),
    }
    ids = {
        "forum_id": forum.id,
        "item_id": item.id,
        "comment_id": comment.id,
        "flag_id": flag.id,
        "proposal_id": proposal.id,
        "link_id": link.id,
        "update_id": 1,
        "field_id": forum.fields[0].id,
        "role_id": 1,
        "code": "ABCDEFGHIJKLMNOPQRST",
        "filename": "css/app.css",
    }
    return users, ids


def url_for_rule(rule, ids) -> str:
    path = rule.rule
    for name in rule.arguments:
        for prefix in ("int:", "path:", ""):
            path = path.replace(f"<{prefix}{name}>", str(ids[name]))
    return path


def rules(app, method):
    return [
        r
        for r in app.url_map.iter_rules()
        if method in r.methods and not (method == "GET" and r.endpoint == "static")
    ]


def test_every_state_changing_route_refuses_a_missing_or_foreign_csrf_token(app, world):
    users, ids = world
    posts = [r for r in rules(app, "POST") if r.endpoint not in CSRF_EXEMPT]
    assert len(posts) >= 15
    stranger = app.test_client()
    sign_in(stranger, users["team_b"])
    foreign_token = csrf_token(text(stranger.get("/manage/forums/new")))
    client = app.test_client()
    sign_in(client, users["admin"])
    before = db.session.execute(select(func.count()).select_from(audit.AuditEntry)).scalar_one()
    for rule in posts:
        url = url_for_rule(rule, ids)
        missing = client.post(url, data={})
        wrong = client.post(url, data={"csrf_token": foreign_token})
        assert missing.status_code == 400, (rule.rule, missing.status_code)
        assert wrong.status_code == 400, (rule.rule, wrong.status_code)
    after = db.session.execute(select(func.count()).select_from(audit.AuditEntry)).scalar_one()
    assert after == before


PUBLIC = {"index", "static", "core.", "deliberation.", "deliberation_api.", "voting_api.", "api."}
PUBLIC |= {"devidp.", "downloads.", "results.show", "voting.receipt_check"}
PUBLIC |= {"proofs.receipt_proof", "proposals.", "proposals_api.", "followup.", "followup_api."}
PUBLIC |= {"proofs.receipt_proof", "item_images.show"}
PUBLIC |= {"proofs.receipt_proof", "privacy.policy", "privacy.bloc_voting_review"}
PUBLIC |= {"privacy.deleted", "privacy.consent_later", "outreach.arrive"}
STAFF = {"manage.": "team", "publication.": "team", "assisted.": "team"}
STAFF |= {"discussion.moderation": "team"}
STAFF |= {"proposals.manage": "team", "turnout.": "team", "followup.manage": "team"}
STAFF |= {"followup.add": "team", "outreach.links": "team", "outreach.create": "team"}
STAFF |= {"outreach.sheet": "team"}
STAFF |= {"admin.": "admin", "operator.": "operator"}
# List pages any district team may open (they show only its own districts).
TEAM_LISTS = {"manage.index", "manage.new_forum", "discussion.moderation"}
SIGNED_IN = {"voting.ballot", "voting.my_ballot", "voting.my_ballot_list"}
SIGNED_IN |= {"privacy.consent", "privacy.me"}
SIGNED_IN |= {"privacy.me_json"}
# A signed-in voter's proof: 404 without a ballot, 409 before publication.
SIGNED_IN_PROOFS = {"proofs.my_proof"}


def expected(endpoint: str, role: str) -> set[int]:
    def matches(names):
        return next(
            (n for n in names if endpoint == n or (n.endswith(".") and endpoint.startswith(n))),
            None,
        )

    if endpoint == "auth.login":
        return {302}
    if endpoint == "auth.callback":
        return {400}
    if endpoint == "auth.verify_resident":  # any district team, at its support point
        return {302} if role in ("anonymous", "team_a", "team_b") else {403}
    staff = matches(STAFF)
    if staff:
        needed = STAFF[staff]
        if role == "anonymous":
            return {302}
        if needed == "team":
            if role == "team_a" or (role == "team_b" and endpoint in TEAM_LISTS):
                return {200, 409}  # 409: e.g. a result preview before the forum closes
            return {403}
        return {200} if role == needed else {403}
    if endpoint in SIGNED_IN:
        return {302} if role == "anonymous" else {200, 302}
    if endpoint in SIGNED_IN_PROOFS:
        return {302} if role == "anonymous" else {200, 404, 409}
    if matches(PUBLIC):
        return {200, 302, 400, 401, 404, 405, 409}
    raise AssertionError(f"route {endpoint} is not classified: add it to the access matrix")


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix_for_every_page(app, world, live_server, role):
    users, ids = world
    client = app.test_client()
    if users[role] is not None:
        sign_in(client, users[role])
    for rule in rules(app, "GET"):
        url = url_for_rule(rule, ids)
        status = client.get(url).status_code
        assert status < 500, (rule.rule, role, status)
        assert status in expected(rule.endpoint, role), (rule.rule, role, status)


def test_security_headers(client, app):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers


def test_production_sends_hsts_and_secure_cookies(backend, tmp_path):
    app = make_app(
        backend,
        tmp_path,
        APP_ENV="production",
        DEV_IDP=False,
        SECRET_KEY="s" * 32,
        VOTER_KEY_PEPPER="p" * 32,
        AUDIT_KEY="a" * 32,
        SESSION_COOKIE_SECURE=True,
        OIDC_ISSUER="https://idp.example",
        OIDC_CLIENT_SECRET="the-secret-the-provider-issued",
        PUBLIC_URL="https://forum.example",
        PRIVACY_OFFICER_CONTACT="privacy@forum.example",
    )
    response = app.test_client().get("/")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_production_never_loads_the_development_tools(backend, tmp_path):
    """The development identity provider (anyone signs in as anyone) and the demo seed are
    not loaded in production: no /dev-idp route, no `flask demo` command."""
    settings = dict(
        APP_ENV="production",
        DEV_IDP=False,
        SECRET_KEY="s" * 32,
        VOTER_KEY_PEPPER="p" * 32,
        AUDIT_KEY="a" * 32,
        OIDC_ISSUER="https://idp.example",
        OIDC_CLIENT_SECRET="the-secret-the-provider-issued",
        PUBLIC_URL="https://forum.example",
        PRIVACY_OFFICER_CONTACT="privacy@forum.example",
    )
    app = make_app(backend, tmp_path, **settings)
    assert not [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/dev-idp")]
    assert "demo" not in app.cli.list_commands(app.app_context())
    assert app.test_client().get("/dev-idp/authorize").status_code == 404
    with pytest.raises(ConfigError, match="devtools"):
        make_app(backend, tmp_path, FEATURES=["auth", "deliberation", "voting", "devtools"],
                 **settings)
    development = make_app(backend, tmp_path)
    assert "demo" in development.cli.list_commands(development.app_context())
