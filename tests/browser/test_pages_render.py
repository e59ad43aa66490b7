"""Every public page, in both languages, fits a phone and draws Korean with a real font."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from auth.models import User
from core.extensions import db
from core.i18n import LANG_COOKIE
from deliberation.models import AgendaItem
from tests import factories

# Enough Hangul in one line to tell a drawn glyph from a missing one.
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _pages(demo) -> dict[str, str]:
    item = (
        db.session.execute(
            select(AgendaItem.id).filter_by(forum_id=demo.current).order_by(AgendaItem.position)
        )
        .scalars()
        .first()
    )
    return {
        "index": "/",
        "open forum": f"/forums/{demo.current}",
        "item": f"/forums/{demo.current}/items/{item}",
        "closed forum": f"/forums/{demo.past}",
        "results": f"/forums/{demo.past}/results",
        "receipt check": "/receipt",
        "sign-in": f"/login?next=/forums/{demo.current}/ballot",
    }


def _fonts_drawing(page, selector: str) -> list[dict]:
    """The platform fonts Chromium used for the element's text, with their glyph counts."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument")["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        assert node, f"{page.url} has no {selector}"
        return cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    finally:
        cdp.detach()


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_public_pages_fit_a_phone(live_server, demo, page, fits_phone, lang):
    page.context.add_cookies([{"name": LANG_COOKIE, "value": lang, "url": live_server.url}])
    for name, path in _pages(demo).items():
        response = page.goto(live_server.url + path)
        assert response is not None and response.ok, f"{name}: {response and response.status}"
        expect(page.locator("html")).to_have_attribute("lang", lang)
        expect(page.locator("h1")).to_have_count(1)
        fits_phone(page)

        title = page.locator("h1").inner_text()
        if lang == "ko" and HANGUL.search(title):
            fonts = _fonts_drawing(page, "h1")
            assert any("CJK" in font["familyName"] for font in fonts), (name, fonts)
            assert sum(font["glyphCount"] for font in fonts) >= len(title.strip()) - 1


def test_the_receipt_code_keeps_its_groups_whole(live_server, demo, page, sign_in):
    page.goto(f"{live_server.url}/forums/{demo.current}/ballot")
    sign_in(page, "browser-resident-layout")
    expect(page.locator("#ballot-form")).to_be_visible()
    user = db.session.execute(select(User)).scalar_one()
    picks = db.session.execute(
        select(AgendaItem.id).filter_by(forum_id=demo.current).limit(3)
    ).scalars()
    factories.cast(demo.current, user, [str(pick) for pick in picks])

    page.goto(f"{live_server.url}/forums/{demo.current}/my-ballot")
    code = page.locator("#receipt-code")
    expect(code).to_have_text(re.compile(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){4}"))
    # How many lines each group of four is drawn on.
    lines = code.evaluate(
        """(element) => {
            const text = element.firstChild;
            const groups = [];
            for (const match of text.data.matchAll(/[A-Z2-7]{4}/g)) {
                const range = document.createRange();
                range.setStart(text, match.index);
                range.setEnd(text, match.index + 4);
                const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
                groups.push(tops.size);
            }
            return groups;
        }"""
    )
    assert lines == [1] * 5, f"a group of the receipt code is split across lines: {lines}"
