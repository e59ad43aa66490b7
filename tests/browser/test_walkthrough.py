"""The README's walkthrough: what a resident, the district team and an operator each
do, on a phone, on the demo data. Each step is checked and photographed at 390×844.

The pictures land in tests/browser/artifacts/walkthrough/; with UPDATE_SCREENSHOTS=1
they replace the README's, in docs/screenshots/ (small palette PNGs).
"""

import io
import os
import re
from pathlib import Path

from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from core.districts import DEMO_DISTRICT
from core.extensions import db
from deliberation.models import Forum
from devtools.demo import CURRENT_ITEMS
from tests import factories
from tests.browser.conftest import ARTIFACTS
from voting.casting import receipts
from voting.models import AnomalyFlag
from voting.models import Ballot

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "screenshots"
PICKS = (0, 6, 9)


def _save(page, name: str) -> Path:
    """The visible screen, as a resident sees it, at CSS pixels and in 64 colours."""
    folder = DOCS if os.environ.get("UPDATE_SCREENSHOTS") == "1" else ARTIFACTS / "walkthrough"
    folder.mkdir(parents=True, exist_ok=True)
    shot = Image.open(io.BytesIO(page.screenshot(scale="css")))
    path = folder / name
    shot.convert("RGB").quantize(colors=64).save(path, optimize=True)
    assert path.stat().st_size < 80_000, f"{name} is too large for the README"
    return path


def _top(page, selector: str) -> None:
    """Scroll so that the element starts at the top of the screen."""
    page.locator(selector).first.evaluate(
        "e => window.scrollTo(0, e.getBoundingClientRect().top + scrollY - 8)"
    )


def test_a_resident_votes_and_later_sees_what_became_of_their_picks(
    live_server, demo, new_page, sign_in
):
    base = live_server.url
    page = new_page()
    page.goto(f"{base}/forums/{demo.current}")
    expect(page.locator("h1")).to_contain_text("영등포구 열린공론장")
    _save(page, "resident-1-forum.png")

    page.locator(f'.hero a[href="/forums/{demo.current}/ballot"]').click()
    sign_in(page, "walkthrough-resident")
    for n in PICKS:
        page.locator(".pick").filter(has_text=CURRENT_ITEMS[n][1]).locator("input").check()
    _top(page, ".pick")
    _save(page, "resident-2-ballot.png")
    page.locator("#review-button").click()
    page.locator("#confirm").click()
    expect(page.locator("#receipt-code")).to_have_text(re.compile(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){4}"))
    _save(page, "resident-3-receipt.png")

    # A year later: the receipt check of a 2019 ballot says what became of each pick.
    code = (
        db.session.execute(
            select(Ballot.receipt_code).where(Ballot.forum_id == demo.published).order_by(Ballot.id)
        )
        .scalars()
        .first()
    )
    page.goto(f"{base}/receipt?code={receipts.display(code)}")
    expect(page.locator("#pick-outcomes li")).to_have_count(3)
    _top(page, "#pick-outcomes")
    _save(page, "resident-4-outcomes.png")


def test_the_district_team_prepares_a_forum_and_publishes(
    app, live_server, demo, new_page, sign_in
):
    base = live_server.url
    factories.staff(
        "walkthrough-team", "district_team", DEMO_DISTRICT, issuer=app.config["OIDC_ISSUER"]
    )
    page = new_page()
    page.goto(f"{base}/manage/")
    sign_in(page, "walkthrough-team")
    expect(page.locator("h1")).to_be_visible()
    _save(page, "team-1-forums.png")

    draft = factories.forum(code=DEMO_DISTRICT, phase="draft")
    draft.title = "2027년 영등포구 열린공론장"
    item = draft.items[0]
    item.title, item.location = "안양천 산책로 그늘숲", "양평1동"
    db.session.commit()
    page.goto(f"{base}/manage/forums/{draft.id}/items/{item.id}")
    shot = io.BytesIO()
    Image.new("RGB", (1200, 800), (56, 142, 60)).save(shot, "PNG")
    page.set_input_files(
        "#picture",
        files=[{"name": "trees.png", "mimeType": "image/png", "buffer": shot.getvalue()}],
    )
    page.fill("#alt", "산책로를 따라 심은 나무")
    page.locator("#picture-form button[type=submit]").click()
    expect(page.locator("#item-picture img")).to_be_visible()
    page.wait_for_function("() => document.querySelector('#item-picture img').naturalWidth > 0")
    _top(page, "#item-picture")
    _save(page, "team-2-item-picture.png")

    page.goto(f"{base}/manage/forums/{demo.past}/results")
    expect(page.locator("#votes-chart")).to_be_visible()
    _save(page, "team-3-preview.png")


def test_an_operator_reviews_a_flag(app, live_server, demo, new_page, sign_in):
    base = live_server.url
    factories.staff("walkthrough-operator", "operator", issuer=app.config["OIDC_ISSUER"])
    flag = db.session.execute(select(AnomalyFlag).filter_by(forum_id=demo.past)).scalar_one()
    page = new_page()
    page.goto(f"{base}/operator/flags")
    sign_in(page, "walkthrough-operator")
    expect(page.locator("#flags li.flag")).to_have_count(1)
    _save(page, "operator-1-flags.png")
    page.goto(f"{base}/operator/flags/{flag.id}")
    expect(page.locator("#decision-form")).to_be_visible()
    _save(page, "operator-2-flag.png")
    assert db.session.get(Forum, demo.past).phase == "closed"
