"""Sign-in through a certified OpenID provider (npm ``oidc-provider``, panva's
node-oidc-provider), started by the test on a free loopback port, the app on
PostgreSQL: claims from the ID token or from userinfo only, RS256 and ES256, a key
rotation while the app runs, two providers sharing a person claim, and end-session.

Node and the provider come from ``scripts/node-deps.sh`` (run by ``make test``). Outside
CI the tests skip when Node or the installed provider is missing; in CI they must run.
"""

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qs
from urllib.parse import urljoin
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import select

from auth.models import User
from auth.services import derive_person_key
from auth.services import derive_voter_key
from core.extensions import db
from tests.conftest import _free_port
from tests.conftest import LiveServer
from tests.conftest import make_app

pytestmark = pytest.mark.servers

HERE = Path(__file__).resolve().parent.parent / "interop" / "oidc-provider"
SECRET = "interop-client-secret-0123456789abcdef"
ACCOUNTS = {
    "kim": {"district": "영등포구", "birthdate": "1990-01-01", "ci": "CI-KIM"},
    "lee": {"district": "11560", "birth_year": 1985, "ci": "CI-LEE"},
}


def _node_ready() -> str | None:
    """Why the provider cannot run here, or None."""
    if shutil.which("node") is None:
        return "Node is not installed (scripts/node-deps.sh installs it)"
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        return "oidc-provider is not installed (run scripts/node-deps.sh)"
    return None


@pytest.fixture(autouse=True)
def _needs_node():
    reason = _node_ready()
    if reason and os.environ.get("CI", "").lower() != "true":
        pytest.skip(reason)
    assert reason is None, reason


class OpenIdProvider:
    """One oidc-provider process; ``restart`` gives it a new signing key, same address."""

    def __init__(self, app_url: str, alg="RS256", id_token_claims=False):
        self.port = _free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.alg = alg
        self.id_token_claims = id_token_claims
        self.app_url = app_url
        self.process = None

    def start(self):
        client = {
            "client_id": "open-forum",
            "client_secret": SECRET,
            "redirect_uris": [f"{self.app_url}/auth/callback"],
            "post_logout_redirect_uris": [f"{self.app_url}/"],
            "token_endpoint_auth_method": "client_secret_basic",
            "id_token_signed_response_alg": self.alg,
        }
        env = dict(
            os.environ,
            OP_PORT=str(self.port),
            OP_ISSUER=self.issuer,
            OP_ALG=self.alg,
            OP_CLIENTS=json.dumps([client]),
            OP_ACCOUNTS=json.dumps(ACCOUNTS),
            OP_ID_TOKEN_CLAIMS="1" if self.id_token_claims else "0",
        )
        self.process = subprocess.Popen(
            ["node", "server.mjs"], cwd=HERE, env=env, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout.readline().startswith("listening"), "provider did not start"
        return self

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def restart(self):
        self.stop()
        deadline = time.monotonic() + 10
        while True:
            try:
                return self.start()
            except AssertionError:
                if time.monotonic() > deadline:
                    raise


def _entry(name: str, op: OpenIdProvider, **extra) -> dict:
    return {
        "name": name,
        "label": name,
        "issuer": op.issuer,
        "client_id": "open-forum",
        "client_secret": SECRET,
        **extra,
    }


@pytest.fixture
def world(tmp_path):
    """An app on PostgreSQL and a function starting providers it trusts."""
    port = _free_port()
    app_url = f"http://127.0.0.1:{port}"
    started = []

    def run(providers: dict, **app_config):
        entries = []
        for name, (op, extra) in providers.items():
            started.append(op.start())
            entries.append(_entry(name, op, **extra))
        app = make_app("postgres", tmp_path, port=port, OIDC_PROVIDERS=entries, **app_config)
        context = app.app_context()
        context.push()
        server = LiveServer(app)
        server.start()
        started.append(server)
        return app

    yield app_url, run
    for thing in reversed(started):
        thing.stop()
    db.session.remove()


def sign_in(app_url: str, provider: str, login: str, browser=None) -> requests.Session:
    browser = browser or requests.Session()
    browser.cookies.set("lang", "en")
    start = browser.get(f"{app_url}/login?provider={provider}", allow_redirects=False)
    assert start.status_code == 302, start.text
    page = browser.get(start.headers["Location"])
    action = re.search(r'<form autocomplete="off" action="([^"]+)"', page.text)
    assert action, page.text
    done = browser.post(
        urljoin(page.url, action.group(1)),
        data={"prompt": "login", "login": login, "password": "any"},
    )
    assert done.status_code == 200 and urlsplit(done.url).netloc == urlsplit(app_url).netloc
    return browser


def resident(key: str) -> User:
    db.session.expire_all()
    return db.session.execute(select(User).where(User.voter_key == key)).scalar_one()


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_claims_in_the_id_token(world, alg):
    app_url, run = world
    op = OpenIdProvider(app_url, alg=alg, id_token_claims=True)
    run({"op": (op, {})})
    sign_in(app_url, "op", "kim")
    kim = resident(derive_voter_key("test-pepper", op.issuer, "kim"))
    assert (kim.district_code, kim.birth_year) == ("11560", 1990)


def test_claims_sent_only_by_userinfo(world):
    app_url, run = world
    op = OpenIdProvider(app_url, id_token_claims=False)
    run({"op": (op, {})})
    sign_in(app_url, "op", "lee")
    lee = resident(derive_voter_key("test-pepper", op.issuer, "lee"))
    assert (lee.district_code, lee.birth_year) == ("11560", 1985)


def test_two_providers_sharing_a_person_claim_give_one_resident(world):
    app_url, run = world
    first, second = OpenIdProvider(app_url), OpenIdProvider(app_url, alg="ES256")
    run({"phone": (first, {"person_claim": "ci"}), "naver": (second, {"person_claim": "ci"})})
    sign_in(app_url, "phone", "kim")
    sign_in(app_url, "naver", "kim")
    assert db.session.execute(select(User)).scalars().all() == [
        resident(derive_person_key("test-pepper", "CI-KIM"))
    ]


def test_a_key_rotation_while_the_app_runs(world):
    app_url, run = world
    op = OpenIdProvider(app_url)
    run({"op": (op, {})})
    sign_in(app_url, "op", "kim")
    op.restart()  # a new signing key with a new kid, same issuer
    sign_in(app_url, "op", "lee")
    assert resident(derive_voter_key("test-pepper", op.issuer, "lee")).birth_year == 1985


def test_sign_out_ends_the_provider_session_and_the_next_sign_in_asks_afresh(world):
    app_url, run = world
    op = OpenIdProvider(app_url)
    run({"op": (op, {})})
    browser = sign_in(app_url, "op", "kim")
    home = browser.get(f"{app_url}/")
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', home.text)
    out = browser.post(
        f"{app_url}/logout", data={"csrf_token": token.group(1)}, allow_redirects=False
    )
    end = urlsplit(out.headers["Location"])
    assert f"{end.scheme}://{end.netloc}{end.path}" == f"{op.issuer}/session/end"
    assert parse_qs(end.query)["post_logout_redirect_uri"] == [f"{app_url}/"]
    again = browser.get(f"{app_url}/login?provider=op", allow_redirects=False)
    assert parse_qs(urlsplit(again.headers["Location"]).query)["prompt"] == ["login"]


def test_a_change_of_signing_algorithm_while_the_app_runs(world):
    """The app has the provider's metadata (RS256 only) cached; the provider moves to
    ES256. The refused algorithm makes the app read the metadata and keys again."""
    app_url, run = world
    op = OpenIdProvider(app_url)
    run({"op": (op, {})})
    sign_in(app_url, "op", "kim")
    op.alg = "ES256"
    op.restart()
    sign_in(app_url, "op", "lee")
    assert resident(derive_voter_key("test-pepper", op.issuer, "lee")).birth_year == 1985
