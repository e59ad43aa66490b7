"""Several providers by configuration, against the development provider: the sign-in
page offers each, a person claim shared by two providers gives one person one key (one
ballot, online or at a support point, in either order), and a provider that does not
send its declared person claim signs nobody in."""

import re
from urllib.parse import urljoin

import pytest
from sqlalchemy import func
from sqlalchemy import select

from auth.models import Role
from auth.models import User
from auth.services import derive_person_key
from core import clock
from core.extensions import db
from tests import factories
from tests.conftest import _free_port
from tests.conftest import LiveServer
from tests.conftest import make_app
from tests.functional.test_oidc_client import new_browser
from tests.functional.test_oidc_client import sign_in_at_provider
from tests.functional.test_oidc_client import signed_in_user_id
from tests.functional.test_support_point import cast_assisted
from tests.web import give_consent
from voting.casting import services as voting
from voting.models import Ballot

STAFF = "support-staff"


def _provider(name: str, label: str, issuer: str, **extra) -> dict:
    return {
        "name": name,
        "label": label,
        "issuer": issuer,
        "client_id": "open-forum",
        "client_secret": "dev-client-secret",
        # The development provider's subject plays the part of a CI here.
        "person_claim": "sub",
        **extra,
    }


def _app(backend, tmp_path, *providers):
    port = _free_port()
    issuer = f"http://127.0.0.1:{port}/dev-idp"
    entries = [entry(issuer) for entry in providers]
    return make_app(
        backend,
        tmp_path,
        port=port,
        OIDC_ISSUER=issuer,
        OIDC_PROVIDERS=entries,
        DEV_IDP_KEY_PATH=str(tmp_path / "dev-idp-key.pem"),
    )


def kakao(issuer):
    return _provider("kakao", "카카오", issuer)


def phone(issuer):
    return _provider(
        "pass", "휴대폰 본인확인", issuer, token_endpoint_auth_method="client_secret_post"
    )


@pytest.fixture
def app(backend, tmp_path):
    app = _app(backend, tmp_path, kakao, phone)
    with app.app_context():
        yield app
        db.session.remove()


def sign_in_with(server, browser, provider: str, subject: str, district="11560", consent=True):
    start = browser.get(f"{server.url}/login?provider={provider}", allow_redirects=False)
    assert start.status_code == 302
    callback = sign_in_at_provider(
        browser, start.headers["Location"], subject=subject, district=district
    )
    answer = browser.get(callback, allow_redirects=False)
    if consent and answer.status_code == 302:
        give_consent(browser, server.url)
    return answer


def count(model) -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_the_sign_in_page_offers_each_provider(live_server, app):
    page = new_browser().get(f"{live_server.url}/login?next=/forums/1")
    assert page.status_code == 200
    assert 'id="provider-kakao"' in page.text and 'id="provider-pass"' in page.text
    assert "카카오" in page.text and "휴대폰 본인확인" in page.text
    link = re.search(r'id="provider-pass" href="([^"]+)"', page.text).group(1)
    assert link == "/login?provider=pass&amp;next=/forums/1"
    assert new_browser().get(f"{live_server.url}/login?provider=naver").status_code == 404


def test_two_providers_sending_the_same_person_give_one_user_and_one_ballot(live_server, app):
    forum = factories.forum()
    first, second = new_browser(), new_browser()
    assert sign_in_with(live_server, first, "kakao", "CI-RESIDENT-1").status_code == 302
    assert sign_in_with(live_server, second, "pass", "CI-RESIDENT-1").status_code == 302
    assert signed_in_user_id(app, first) and signed_in_user_id(app, second)
    assert count(User) == 1
    user = db.session.execute(select(User)).scalar_one()
    assert user.voter_key == derive_person_key("test-pepper", "CI-RESIDENT-1")
    factories.cast(forum.id, user, [str(item.id) for item in forum.items[:3]])
    with pytest.raises(voting.AlreadyVoted):
        factories.cast(forum.id, user, [str(item.id) for item in forum.items[:3]])


def test_a_provider_without_its_person_claim_signs_nobody_in(backend, tmp_path):
    app = _app(
        backend, tmp_path, lambda issuer: _provider("pass", "PASS", issuer, person_claim="ci")
    )
    with app.app_context():
        server = LiveServer(app)
        server.start()
        try:
            answer = sign_in_with(server, new_browser(), "pass", "someone")
        finally:
            server.stop()
        assert answer.status_code == 400
        assert "did not say who you are" in answer.text
        assert count(User) == 0
        db.session.remove()


# --- a support point with configured providers ----------------------------------------


def _staff_signed_in(server, forum) -> object:
    db.session.add(
        Role(
            voter_key=derive_person_key("test-pepper", STAFF),
            role="district_team",
            district_code=forum.district.code,
            granted_at=clock.now(),
            granted_by="test",
        )
    )
    db.session.commit()
    browser = new_browser()
    assert sign_in_with(server, browser, "kakao", STAFF).status_code == 302
    return browser


def _resident_verifies(server, browser, forum, subject):
    page = browser.get(f"{server.url}/manage/forums/{forum.id}/assisted")
    verify = re.search(r'id="verify-resident" href="([^"]+)"', page.text).group(1)
    choose = browser.get(server.url + verify.replace("&amp;", "&"))
    assert choose.status_code == 200 and 'id="provider-pass"' in choose.text
    link = re.search(r'id="provider-pass" href="([^"]+)"', choose.text).group(1)
    start = browser.get(server.url + link.replace("&amp;", "&"), allow_redirects=False)
    callback = sign_in_at_provider(
        browser, start.headers["Location"], subject=subject, district="11560"
    )
    assert browser.get(callback, allow_redirects=False).status_code == 302
    return browser.get(f"{server.url}/manage/forums/{forum.id}/assisted")


def test_online_then_at_a_support_point_through_another_provider_is_refused(live_server, app):
    forum = factories.forum()
    assert sign_in_with(live_server, new_browser(), "kakao", "CI-RESIDENT-2").status_code == 302
    online = db.session.execute(select(User)).scalar_one()
    factories.cast(forum.id, online, [str(item.id) for item in forum.items[:3]])
    staff = _staff_signed_in(live_server, forum)
    page = _resident_verifies(live_server, staff, forum, "CI-RESIDENT-2")
    refused = cast_assisted(live_server, staff, forum, page)
    assert refused.status_code == 409 and "already voted" in refused.text
    assert count(Ballot) == 1


def test_at_a_support_point_then_online_through_another_provider_is_refused(live_server, app):
    forum = factories.forum()
    staff = _staff_signed_in(live_server, forum)
    page = _resident_verifies(live_server, staff, forum, "CI-RESIDENT-3")
    done = cast_assisted(live_server, staff, forum, page)
    assert done.status_code == 200 and 'id="receipt-code"' in done.text
    # The staff member is still signed in as themselves.
    assert 'id="verify-resident"' in done.text
    assert sign_in_with(live_server, new_browser(), "kakao", "CI-RESIDENT-3").status_code == 302
    resident = db.session.execute(
        select(User).where(User.voter_key == derive_person_key("test-pepper", "CI-RESIDENT-3"))
    ).scalar_one()
    with pytest.raises(voting.AlreadyVoted):
        factories.cast(forum.id, resident, [str(item.id) for item in forum.items[:3]])
    [ballot] = db.session.execute(select(Ballot)).scalars().all()
    assert ballot.channel == "assisted" and ballot.voter_key == resident.voter_key


# --- the development provider on its default configuration ----------------------------


def test_a_role_granted_in_any_shell_matches_the_dev_sign_in_on_any_port(backend, tmp_path):
    """The issuer is the constant DEV_ISSUER, so `flask users grant` without PORT gives
    the same voter key as a sign-in on PORT=5123; the discovery document follows PORT."""
    from core.providers import DEV_ISSUER

    port = _free_port()
    public = f"http://127.0.0.1:{port}"
    app = make_app(
        backend,
        tmp_path,
        port=port,
        OIDC_ISSUER=DEV_ISSUER,
        DEV_IDP_KEY_PATH=str(tmp_path / "dev-idp-key.pem"),
    )
    with app.app_context():
        granted = app.test_cli_runner().invoke(
            args=["users", "grant", "district_team", STAFF, "--district", "11560", "--name", "김"]
        )
        assert granted.exit_code == 0, granted.output
        server = LiveServer(app)
        server.start()
        try:
            browser = new_browser()
            start = browser.get(f"{server.url}/login", allow_redirects=False)
            assert start.headers["Location"].startswith(f"{public}/dev-idp/authorize?")
            callback = sign_in_at_provider(browser, start.headers["Location"], subject=STAFF)
            assert browser.get(callback, allow_redirects=False).status_code == 302
            assert browser.get(f"{server.url}/manage").status_code == 200
        finally:
            server.stop()
        db.session.remove()


# --- a key rotation while the app runs ------------------------------------------------


def test_a_rotated_provider_key_is_fetched_without_a_restart(live_server, app):
    """The app has the provider's keys cached from a first sign-in; the provider then
    signs with a new key (new kid). The next sign-in re-fetches the keys and succeeds."""
    from joserfc.jwk import RSAKey

    from devtools import idp as devidp

    assert sign_in_with(live_server, new_browser(), "kakao", "CI-BEFORE").status_code == 302
    rotated = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, auto_kid=True)
    assert rotated.kid != devidp.provider().signing_key().kid
    devidp.provider()._key = rotated
    assert sign_in_with(live_server, new_browser(), "kakao", "CI-AFTER").status_code == 302
    assert count(User) == 2


def test_a_role_granted_by_the_command_line_goes_to_the_person(app):
    """With providers keyed by a person claim, `users grant ROLE VALUE` takes the
    person claim's value (the CI), so the role holds whichever provider they use."""
    done = app.test_cli_runner().invoke(
        args=["users", "grant", "operator", "CI-STAFF-9", "--name", "박검토"]
    )
    assert done.exit_code == 0, done.output
    role = db.session.execute(select(Role)).scalar_one()
    assert role.voter_key == derive_person_key("test-pepper", "CI-STAFF-9")


def test_a_district_outside_seoul_is_named_at_sign_in(live_server, app, monkeypatch):
    """A residence the provider sent but that is no Seoul district gets its own answer
    at sign-in (not "no residence"), and nothing of it is stored."""
    from authlib.oidc.core import UserInfo

    from devtools import idp as devidp

    def busan(self, user, scope):
        return UserInfo({"sub": user.subject, "district": "부산광역시 해운대구"})

    monkeypatch.setattr(devidp.IdToken, "generate_user_info", busan)
    monkeypatch.setattr(devidp.UserInfoClaims, "generate_user_info", busan)
    browser = new_browser()
    answer = sign_in_with(live_server, browser, "kakao", "CI-BUSAN", consent=False)
    assert answer.status_code == 302
    page = browser.get(urljoin(live_server.url, answer.headers["Location"]))
    assert "is not a Seoul district" in page.text and "부산광역시 해운대구" in page.text
    assert db.session.execute(select(User)).scalar_one().district_code is None
