"""On a phone (390 px) in Korean and a desktop (1280 px) in English: editing and
deleting one's comment, an item page with its place and picture, English texts that
never break mid-word, and after publication what became of each of one's picks."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from core.districts import DEMO_DISTRICT
from core.extensions import db
from core.i18n import LANG_COOKIE
from deliberation.models import Forum
from tests import factories
from tests.browser.conftest import PHONE
from tests.browser.conftest import TIMEOUT_MS
from voting.publishing import snapshots

SCREENS = [
    pytest.param(390, "ko", id="phone-ko"),
    pytest.param(1280, "en", id="desktop-en"),
]
TEAM = "browser-team-after"


@pytest.fixture
def open_at(browser, live_server):
    """A fresh browser at a width and in a language; its pages are closed afterwards."""
    contexts = []

    def open_page(width: int, lang: str):
        options = dict(PHONE) if width <= 400 else {"viewport": {"width": width, "height": 900}}
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        context.add_cookies([{"name": LANG_COOKIE, "value": lang, "url": live_server.url}])
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def fits(page, width: int) -> None:
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= width, f"{page.url} is {wide}px wide at {width}px"


BROKEN_WORDS = """(word) => {
    const broken = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        let at = node.data.indexOf(word);
        while (at >= 0) {
            const range = document.createRange();
            range.setStart(node, at);
            range.setEnd(node, at + word.length);
            const tops = new Set([...range.getClientRects()].filter(r => r.width > 0)
                .map(r => Math.round(r.top)));
            if (tops.size > 1) broken.push(node.parentElement.outerHTML.slice(0, 120));
            at = node.data.indexOf(word, at + 1);
        }
    }
    return broken;
}"""


def no_word_broken(page, words) -> None:
    for word in words:
        assert page.evaluate(BROKEN_WORDS, word) == [], f"{word} breaks mid-word on {page.url}"


def picture_file() -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (1600, 1000), (46, 125, 50))
    for x in range(0, 1600, 200):
        image.paste((250, 250, 240), (x, 600, x + 120, 700))
    image.save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(("width", "lang"), SCREENS)
def test_a_resident_edits_then_deletes_their_comment(
    app, live_server, demo, open_at, sign_in, screenshot, width, lang
):
    forum = db.session.get(Forum, demo.current)
    item = forum.items[0]
    url = f"{live_server.url}/forums/{forum.id}/items/{item.id}"
    page = open_at(width, lang)
    page.goto(url)
    page.locator("#discussion-sign-in a").click()
    sign_in(page, f"browser-editor-{lang}")
    page.fill("#body", "# 운영 시간\n주말에도 열어 주세요.")
    page.locator("#comment-form button[type=submit]").click()
    own = page.locator("#discussion li.comment").first

    heading = own.locator(".comment-heading")
    expect(heading).to_have_text("운영 시간")
    sizes = heading.evaluate(
        "h => [getComputedStyle(h).fontSize, getComputedStyle(h.closest('li')).fontSize]"
    )
    assert sizes[0] == sizes[1], sizes  # a heading in a comment is no bigger than the comment

    edit = own.locator("details.comment-edit")
    edit.locator("summary").click()
    edit.locator("textarea").fill("주말과 공휴일에도 열어 주세요.")
    edit.locator("button[type=submit]").click()
    expect(own.locator(".comment-body")).to_have_text("주말과 공휴일에도 열어 주세요.")
    expect(own).to_contain_text("수정됨" if lang == "ko" else "edited")
    fits(page, width)
    screenshot(page, f"comment-edited-{width}-{lang}.png")

    link = page.locator("a.comments-jump")
    assert link.bounding_box()["height"] >= 44

    # A neighbour replies; the author deletes: a placeholder keeps the reply's context.
    neighbour = open_at(width, lang)
    neighbour.goto(url)
    neighbour.locator("#discussion-sign-in a").click()
    sign_in(neighbour, f"browser-neighbour-{lang}")
    thread = neighbour.locator("#discussion li.comment").first
    thread.locator("details").filter(has=neighbour.locator("textarea[id^=reply-]")).locator(
        "summary"
    ).click()
    thread.locator("textarea[id^=reply-]").fill("좋은 생각입니다.")
    thread.locator("textarea[id^=reply-] ~ button").click()
    page.reload()
    delete = page.locator("#discussion li.comment").first.locator("details.comment-delete")
    delete.locator("summary").click()
    delete.locator("button[type=submit]").click()
    first = page.locator("#discussion li.comment").first
    expect(first.locator(".comment-deleted")).to_have_text(
        "삭제된 댓글" if lang == "ko" else "Deleted comment"
    )
    expect(first.locator(".reply .comment-body")).to_have_text("좋은 생각입니다.")
    fits(page, width)
    screenshot(page, f"comment-deleted-{width}-{lang}.png")

    page.goto(f"{live_server.url}/forums/{forum.id}")
    for link in page.locator("a.comments-link").all()[:3]:
        assert link.bounding_box()["height"] >= 44


def test_the_team_gives_an_item_a_picture_and_a_place(
    app, live_server, demo, open_at, sign_in, screenshot
):
    forum = factories.forum(code=DEMO_DISTRICT, phase="deliberation")
    forum.fields[2].name_en = "Environment"
    item = forum.items[4]  # in 환경
    item.title, item.title_en = "안양천 산책로 그늘숲", "Shade trees along the Anyangcheon walk"
    db.session.commit()
    factories.staff(TEAM, "district_team", DEMO_DISTRICT, issuer=app.config["OIDC_ISSUER"])
    team = open_at(390, "ko")
    edit_url = f"{live_server.url}/manage/forums/{forum.id}/items/{item.id}"
    team.goto(edit_url)
    sign_in(team, TEAM)
    team.fill("#location", "양평1동")
    team.fill("#proposer", "양평동 주민자치회")
    team.locator("#item-form button[type=submit]").click()
    team.goto(edit_url)
    team.set_input_files(
        "#picture", files=[{"name": "trees.png", "mimeType": "image/png", "buffer": picture_file()}]
    )
    team.fill("#alt", "산책로를 따라 심은 나무 그늘 아래 벤치")
    team.locator("#picture-form button[type=submit]").click()
    expect(team.locator(".flash-success")).to_be_visible()
    expect(team.locator("#item-picture img")).to_be_visible()
    assert team.locator("#item-picture img").evaluate("i => i.naturalWidth") == 1280
    fits(team, 390)
    screenshot(team, "team-item-picture-390-ko.png")

    for width, lang in ((390, "ko"), (1280, "en")):
        page = open_at(width, lang)
        page.goto(f"{live_server.url}/forums/{forum.id}/items/{item.id}")
        title = "안양천 산책로 그늘숲" if lang == "ko" else "Shade trees along the Anyangcheon walk"
        expect(page.locator("h1")).to_have_text(title)
        image = page.locator(".item-image img")
        expect(image).to_have_attribute("alt", "산책로를 따라 심은 나무 그늘 아래 벤치")
        assert image.evaluate("i => i.complete && i.naturalWidth") == 1280
        expect(page.locator("#item-location")).to_have_text("양평1동")
        expect(page.locator("#item-proposer")).to_have_text("양평동 주민자치회")
        fits(page, width)
        screenshot(page, f"item-picture-{width}-{lang}.png")
        page.goto(f"{live_server.url}/forums/{forum.id}")
        no_word_broken(page, ["Environment", "Anyangcheon"] if lang == "en" else ["그늘숲"])
        screenshot(page, f"forum-{width}-{lang}.png")


@pytest.mark.parametrize(("width", "lang"), [(390, "en"), (390, "ko")])
def test_english_words_never_break_mid_word(live_server, demo, open_at, width, lang):
    page = open_at(width, lang)
    words = ["Environment", "Education", "Community"] if lang == "en" else ["마을공동체"]
    for path in (f"/forums/{demo.current}", f"/forums/{demo.published}/results"):
        page.goto(live_server.url + path)
        no_word_broken(page, words)
        fits(page, width)


@pytest.mark.parametrize(("width", "lang"), SCREENS)
def test_after_publication_a_resident_sees_what_became_of_their_picks(
    app, live_server, open_at, sign_in, screenshot, width, lang
):
    costs = ((0, 100_000_000), (0, 150_000_000), (1, 200_000_000), (1, 50_000_000), (2, 80_000_000))
    forum = factories.forum(code=DEMO_DISTRICT, items=costs)
    names = [
        "경로당 냉난방 개선",
        "어린이 도서관 확충",
        "안양천 산책로 조명",
        "골목 CCTV",
        "청소년 문화공간",
    ]
    for item, name in zip(forum.items, names, strict=True):
        item.title, item.title_en = name, f"Item in English {item.external_id}"
    db.session.commit()
    ids = factories.item_ids(forum)
    subject = f"browser-outcomes-{lang}"
    me = factories.user(subject, code=DEMO_DISTRICT, issuer=app.config["OIDC_ISSUER"])
    factories.cast(forum.id, me, ids[0:3])
    for n in range(6):
        voter = factories.user(f"outcome-voter-{lang}-{n}", code=DEMO_DISTRICT)
        factories.cast(forum.id, voter, ids[0:3] if n < 3 else ids[2:5])
    forum.phase = "closed"
    db.session.commit()
    team = factories.staff(f"team-outcomes-{lang}", "district_team", DEMO_DISTRICT)
    snapshots.publish(team, forum.id, "greedy")

    page = open_at(width, lang)
    page.goto(f"{live_server.url}/forums/{forum.id}/my-ballot")
    sign_in(page, subject)
    expect(page).to_have_url(re.compile(rf"/forums/{forum.id}/my-ballot"))
    outcomes = page.locator("#pick-outcomes li")
    expect(outcomes).to_have_count(3)
    expect(page.locator("#pick-outcomes li.funded")).to_have_count(2)
    unfunded = page.locator("#pick-outcomes li.unfunded")
    expect(unfunded).to_have_count(1)
    expect(unfunded.locator(".why")).to_contain_text(
        "남은 예산에 맞지 않았습니다" if lang == "ko" else "Did not fit the remaining envelope"
    )
    if lang == "en":
        expect(unfunded).to_contain_text("Item in English A-02")
    fits(page, width)
    screenshot(page, f"pick-outcomes-{width}-{lang}.png")

    page.goto(f"{live_server.url}/forums/{forum.id}/results")
    labels = page.locator("#votes-chart .chart-label")
    expect(labels.first).to_contain_text(
        "안양천 산책로 조명" if lang == "ko" else "Item in English A-03"
    )
    screenshot(page, f"results-chart-{width}-{lang}.png")
