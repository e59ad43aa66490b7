"""A support point (주민센터): the resident verifies on the staff's device with their own
identity provider, the staff member stays signed in and enters the ballot, and the same
person can never vote twice, whichever channel comes first."""

import re
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func
from sqlalchemy import select

from core.extensions import db
from tests import factories
from tests.functional.test_oidc_client import new_browser
from tests.functional.test_oidc_client import sign_in_at_provider
from tests.functional.test_oidc_client import start_sign_in
from voting.casting import services as voting
from voting.models import Ballot

STAFF = "support-staff"


@pytest.fixture
def app(provider_app):
    return provider_app


@pytest.fixture
def forum(app):
    made = factories.forum()
    factories.staff(STAFF, "district_team", "11560", issuer=app.config["OIDC_ISSUER"])
    return made


def staff_browser(server):
    browser = new_browser()
    callback = sign_in_at_provider(browser, start_sign_in(server, browser), subject=STAFF)
    assert browser.get(callback, allow_redirects=False).status_code == 302
    return browser


def resident_verifies(server, browser, forum_id: int, subject: str, district="11560"):
    page = browser.get(f"{server.url}/manage/forums/{forum_id}/assisted")
    assert page.status_code == 200 and 'id="verify-resident"' in page.text
    verify = re.search(r'id="verify-resident" href="([^"]+)"', page.text).group(1)
    start = browser.get(server.url + verify.replace("&amp;", "&"), allow_redirects=False)
    assert start.status_code == 302
    authorize = start.headers["Location"]
    assert parse_qs(urlsplit(authorize).query)["prompt"] == ["login"]
    callback = sign_in_at_provider(browser, authorize, subject=subject, district=district)
    back = browser.get(callback, allow_redirects=False)
    assert back.status_code == 302
    assert back.headers["Location"].endswith(f"/manage/forums/{forum_id}/assisted")
    return browser.get(server.url + f"/manage/forums/{forum_id}/assisted")


def cast_assisted(server, browser, forum, page):
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    picks = [str(item.id) for item in forum.items[:3]]
    return browser.post(
        f"{server.url}/manage/forums/{forum.id}/assisted",
        data={"csrf_token": token, "picks": picks},
    )


def ballots() -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(Ballot)).scalar_one()


def test_assisted_then_online_is_one_ballot(live_server, app, forum):
    browser = staff_browser(live_server)
    page = resident_verifies(live_server, browser, forum.id, "resident-x")
    assert "id=\"verified-resident\"" in page.text
    assert "Yeongdeungpo-gu" in page.text  # the residence the provider gave
    done = cast_assisted(live_server, browser, forum, page)
    assert done.status_code == 200 and 'id="receipt-code"' in done.text
    # The staff member is still signed in, and the next resident must verify anew.
    assert 'id="verify-resident"' in done.text
    online = factories.user("resident-x", issuer=app.config["OIDC_ISSUER"])
    with pytest.raises(voting.AlreadyVoted):
        factories.cast(forum.id, online, [str(item.id) for item in forum.items[:3]])
    assert ballots() == 1
    [ballot] = db.session.execute(select(Ballot)).scalars().all()
    assert ballot.channel == "assisted" and ballot.voter_key == online.voter_key


def test_online_then_assisted_is_refused(live_server, app, forum):
    online = factories.user("resident-y", issuer=app.config["OIDC_ISSUER"])
    factories.cast(forum.id, online, [str(item.id) for item in forum.items[:3]])
    browser = staff_browser(live_server)
    page = resident_verifies(live_server, browser, forum.id, "resident-y")
    refused = cast_assisted(live_server, browser, forum, page)
    assert refused.status_code == 409 and "already voted" in refused.text
    assert ballots() == 1


def test_no_ballot_without_a_resident_verified_on_this_device(live_server, app, forum):
    browser = staff_browser(live_server)
    page = browser.get(f"{live_server.url}/manage/forums/{forum.id}/assisted")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    picks = [str(item.id) for item in forum.items[:3]]
    response = browser.post(
        f"{live_server.url}/manage/forums/{forum.id}/assisted",
        data={"csrf_token": token, "picks": picks},
    )
    assert response.status_code == 409 and ballots() == 0


def test_a_resident_of_another_district_is_refused_at_the_support_point(live_server, app, forum):
    browser = staff_browser(live_server)
    page = resident_verifies(live_server, browser, forum.id, "resident-z", district="11680")
    refused = cast_assisted(live_server, browser, forum, page)
    assert refused.status_code == 403 and ballots() == 0
