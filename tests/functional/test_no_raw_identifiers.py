"""No raw identifier anywhere: a resident signs in with a canary subject, person claim
(CI) and browser, consents and votes; neither a full database dump nor the captured
application logs contain any of them."""

import logging
import subprocess
from urllib.parse import urljoin
from urllib.parse import urlsplit

import pytest
from authlib.oidc.core import UserInfo
from sqlalchemy import select

from core.extensions import db
from tests import factories
from tests.conftest import LiveServer
from tests.conftest import make_app
from tests.conftest import PG_URL
from tests.functional.test_oidc_client import new_browser
from tests.functional.test_oidc_client import sign_in_at_provider
from tests.web import csrf_token
from tests.web import give_consent
from voting.models import Ballot

SUBJECT = "CANARY-SUBJECT-7f3a91"
CI = "CANARY-CI-b5e0c2d4"
AGENT = "CanaryBrowser/9.9 (canary-agent-41d7)"
CANARIES = (SUBJECT, CI, "canary-agent-41d7", "CanaryBrowser")


# The development identity provider keeps its own codes and tokens in the same database
# in tests; it plays the provider's part (which knows the subject) and never runs in
# production, so its tables are left out of the dump.
PROVIDER_TABLES = "dev_idp_"


def _dump(backend: str) -> str:
    if backend == "postgres":
        url = urlsplit(PG_URL.replace("postgresql+psycopg", "postgresql"))
        command = ["pg_dump", "--no-owner", "-h", url.hostname, "-p", str(url.port or 5432)]
        command += ["-U", url.username or "postgres", f"--exclude-table={PROVIDER_TABLES}*"]
        command += [url.path.lstrip("/")]
        return subprocess.run(command, check=True, capture_output=True, text=True).stdout
    connection = db.engine.raw_connection()
    try:
        lines = connection.driver_connection.iterdump()
        return "\n".join(line for line in lines if PROVIDER_TABLES not in line)
    finally:
        connection.close()


@pytest.fixture
def canary_app(backend, tmp_path, monkeypatch):
    from devtools import idp as devidp

    def with_ci(self, user, scope):
        return UserInfo({"sub": user.subject, "ci": CI, "district": "11560", "birth_year": 1984})

    monkeypatch.setattr(devidp.IdToken, "generate_user_info", with_ci)
    monkeypatch.setattr(devidp.UserInfoClaims, "generate_user_info", with_ci)
    app = make_app(
        backend,
        tmp_path,
        OIDC_PERSON_CLAIM="ci",
        DEV_IDP_KEY_PATH=str(tmp_path / "dev-idp-key.pem"),
    )
    with app.app_context():
        yield app
        db.session.remove()


def test_no_raw_subject_ci_or_user_agent_in_the_database_or_the_logs(canary_app, backend, caplog):
    caplog.set_level(logging.DEBUG)
    forum = factories.forum()
    server = LiveServer(canary_app).start()
    try:
        browser = new_browser()
        browser.headers["User-Agent"] = AGENT
        start = browser.get(f"{server.url}/login", allow_redirects=False)
        callback = sign_in_at_provider(browser, start.headers["Location"], subject=SUBJECT)
        assert browser.get(callback, allow_redirects=False).status_code == 302
        assert give_consent(browser, server.url).status_code == 302
        page = browser.get(f"{server.url}/forums/{forum.id}/ballot")
        assert page.status_code == 200
        picks = factories.item_ids(forum)[:3]
        cast = browser.post(
            urljoin(server.url, f"/forums/{forum.id}/ballot/confirm"),
            data={"csrf_token": csrf_token(page.text), "picks": picks},
            allow_redirects=False,
        )
        assert cast.status_code == 302
    finally:
        server.stop()
    db.session.expire_all()
    ballot = db.session.execute(select(Ballot)).scalar_one()
    assert ballot.agent_hash and ballot.network_hash  # the signals were taken, hashed
    dump = _dump(backend)
    assert ballot.receipt_code in dump  # the dump is complete
    logs = caplog.text
    for canary in CANARIES:
        assert canary not in dump, canary
        assert canary not in logs, canary
    # The pepper and the signal keys come from configuration, never from the database.
    assert canary_app.config["VOTER_KEY_PEPPER"] not in dump
