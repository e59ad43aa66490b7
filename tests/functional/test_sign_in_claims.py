"""What a provider says about a resident, wherever it says it, and the clear answers when
it says too little or does not answer."""

import socket
import threading
import time

import pytest
from authlib.oidc.core import UserInfo
from sqlalchemy import select

from auth.models import User
from core.extensions import db
from devtools import idp as devidp
from tests import factories
from tests.conftest import make_app
from tests.functional.test_oidc_client import new_browser
from tests.functional.test_oidc_client import sign_in_at_provider
from tests.functional.test_oidc_client import start_sign_in
from tests.web import sign_in
from tests.web import text


@pytest.fixture
def app(provider_app):
    return provider_app


def signed_in_resident(server) -> User:
    browser = new_browser()
    callback = sign_in_at_provider(browser, start_sign_in(server, browser))
    assert browser.get(callback, allow_redirects=False).status_code == 302
    db.session.expire_all()
    return db.session.execute(select(User)).scalar_one()


def test_claims_sent_only_by_the_userinfo_endpoint_are_read(live_server, app, monkeypatch):
    # Like many providers, the ID token carries only the subject; the residence and the
    # birth year come from the userinfo endpoint.
    def subject_only(self, user, scope):
        return UserInfo({"sub": user.subject})

    monkeypatch.setattr(devidp.IdToken, "generate_user_info", subject_only)
    resident = signed_in_resident(live_server)
    assert resident.district_code == "11680" and resident.birth_year == 1984


def test_a_district_name_and_a_birth_date_are_read_as_a_code_and_a_year(
    live_server, app, monkeypatch
):
    def named(self, user, scope):
        return UserInfo({"sub": user.subject, "district": "서울특별시 영등포구",
                         "birth_year": "1990-01-01"})

    monkeypatch.setattr(devidp.IdToken, "generate_user_info", named)
    resident = signed_in_resident(live_server)
    assert resident.district_code == "11560" and resident.birth_year == 1990


def test_an_unreadable_district_is_dropped_not_stored(live_server, app, monkeypatch):
    def unreadable(self, user, scope):
        return UserInfo({"sub": user.subject, "district": "부산광역시", "birth_year": "90"})

    monkeypatch.setattr(devidp.IdToken, "generate_user_info", unreadable)
    monkeypatch.setattr(devidp.UserInfoClaims, "generate_user_info", unreadable)
    resident = signed_in_resident(live_server)
    assert resident.district_code is None and resident.birth_year is None


def test_a_resident_without_a_known_residence_is_told_what_to_do(client, app):
    forum = factories.forum()
    resident = factories.user("no-address", code=None)
    sign_in(client, resident)
    page = text(client.get(f"/forums/{forum.id}/ballot"))
    assert "주소지를 알 수 없어" in page and "주민센터" in page
    assert "주민만 투표할 수 있습니다" not in page


def test_a_refused_id_token_is_logged_at_warning_with_a_code(live_server, app, monkeypatch):
    original = devidp.IdToken.get_client_claims

    def other_issuer(self, client):
        return dict(original(self, client), iss="https://evil.example")

    monkeypatch.setattr(devidp.IdToken, "get_client_claims", other_issuer)
    warnings = []
    monkeypatch.setattr(app.logger, "warning", lambda *args: warnings.append(args[0] % args[1:]))
    browser = new_browser()
    callback = sign_in_at_provider(browser, start_sign_in(live_server, browser))
    assert browser.get(callback, allow_redirects=False).status_code == 400
    assert [line for line in warnings if line.startswith("signin_refused ")]


def test_a_provider_that_never_answers_gets_a_503_within_the_timeout(backend, tmp_path):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts connections, never answers
    port = silent.getsockname()[1]
    app = make_app(
        backend, tmp_path, OIDC_ISSUER=f"http://127.0.0.1:{port}", OIDC_TIMEOUT=0.5, DEV_IDP=False
    )
    answers = []
    asking = threading.Thread(target=lambda: answers.append(app.test_client().get("/login")))
    started = time.monotonic()
    asking.start()
    asking.join(timeout=10)  # without a timeout the request would hang here for good
    silent.close()
    assert answers, "the sign-in still waits for a provider that never answers"
    assert time.monotonic() - started < 5
    assert answers[0].status_code == 503 and "연결할 수 없습니다" in text(answers[0])
