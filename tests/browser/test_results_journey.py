"""The public results page on a phone, in both languages, before and after the district
publishes: turnout only, then the published result under its rule."""

import pytest
from playwright.sync_api import expect

from core.extensions import db
from core.i18n import LANG_COOKIE
from deliberation.models import Forum
from tests import factories
from voting.counting import results

TITLES = [
    "경로당 냉난방 개선",
    "어린이 도서관 확충",
    "안양천 산책로 조명",
    "골목 CCTV 설치",
    "청소년 문화공간",
]


def _publish(forum_id: int, rule: str) -> None:
    forum = db.session.get(Forum, forum_id)
    team = factories.staff(f"team-{forum_id}", "district_team", forum.district.code)
    results.publish(team, forum_id, rule)


def _equal_shares_forum() -> int:
    """A closed forum of 30 ballots, published under the Method of Equal Shares."""
    costs = (100_000_000, 150_000_000, 200_000_000, 50_000_000, 80_000_000, 30_000_000)
    forum = factories.forum(items=[(n // 2, cost) for n, cost in enumerate(costs)])
    for item, title in zip(sorted(forum.items, key=lambda i: i.position), TITLES, strict=False):
        item.title = title
    db.session.commit()
    ids = factories.item_ids(forum)
    for n in range(30):
        picks = ids[0:3] if n % 7 < 4 else ids[2:5]
        voter = factories.user(f"resident-{n}", birth_year=1950 + n)
        factories.cast(forum.id, voter, picks, channel="assisted" if n < 2 else "online")
    forum.phase = "closed"
    db.session.commit()
    _publish(forum.id, "equal_shares")
    return forum.id


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_results_before_and_after_publication(
    live_server, demo, page, fits_phone, screenshot, lang
):
    page.context.add_cookies([{"name": LANG_COOKIE, "value": lang, "url": live_server.url}])
    url = f"{live_server.url}/forums/{demo.past}/results"

    page.goto(url)
    expect(page.locator("#not-published")).to_be_visible()
    expect(page.locator("#ballot-count")).to_have_text("3,000")
    expect(page.locator("#results")).to_have_count(0)
    fits_phone(page)
    screenshot(page, f"results-not-published-{lang}.png")

    _publish(demo.past, "greedy")
    page.goto(url)
    expect(page.locator("#results")).to_be_visible()
    expect(page.locator("#published")).to_be_visible()
    expect(page.locator(".cut-line")).to_have_count(1)
    expect(page.locator("#k-anonymity")).to_be_visible()
    fits_phone(page)
    screenshot(page, f"results-greedy-{lang}.png")

    forum_id = _equal_shares_forum()
    page.goto(f"{live_server.url}/forums/{forum_id}/results")
    expect(page.locator("#results")).to_be_visible()
    expect(page.locator(".cut-line")).to_have_count(0)
    expect(page.locator("#equal-share")).to_be_visible()
    expect(page.locator(".result.funded .explain").first).to_be_visible()
    fits_phone(page)
    screenshot(page, f"results-equal-shares-{lang}.png")
