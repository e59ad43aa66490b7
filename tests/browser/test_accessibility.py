"""axe-core on every page a resident meets, signed in and out, in Korean and English, on
a phone and a desktop: no critical or serious violation is allowed.

axe-core comes from npm, pinned in tests/browser/axe/package-lock.json and installed by
scripts/node-deps.sh (``make test`` runs it); the test injects it into each page."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import ARTIFACTS
from tests.browser.conftest import HERE
from tests.browser.conftest import IN_CI
from voting.models import Ballot

AXE = HERE / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SIZES = {
    "390": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "1280": {"viewport": {"width": 1280, "height": 900}},
}
RUN_AXE = """async () => {
    const result = await axe.run(document, {resultTypes: ['violations']});
    return result.violations
        .filter(v => v.impact === 'critical' || v.impact === 'serious')
        .map(v => `${v.impact} ${v.id}: ${v.help} at ` +
             v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
}"""


@pytest.fixture(scope="session")
def axe_script():
    if not AXE.is_file():
        message = f"axe-core is not installed at {AXE}: run scripts/node-deps.sh"
        if IN_CI:
            pytest.exit(message, returncode=3)
        pytest.fail(message, pytrace=False)
    return AXE


class Checker:
    """Visits pages in one browser context and keeps what axe finds on each."""

    def __init__(self, page, axe, label):
        self.page, self.axe, self.label = page, axe, label
        self.found: dict[str, list[str]] = {}
        self.seen: list[str] = []

    def check(self, name: str, path: str | None = None) -> None:
        if path is not None:
            response = self.page.goto(self.base + path)
            assert response.status < 400, f"{path}: {response.status}"
        self.page.add_script_tag(path=str(self.axe))
        violations = self.page.evaluate(RUN_AXE)
        self.seen.append(name)
        if violations:
            self.found[name] = violations
        self.page.screenshot(path=ARTIFACTS / f"axe-{self.label}-{name}.png", full_page=True)


def _context(browser, size: str, lang: str, base: str):
    context = browser.new_context(bypass_csp=True, locale="ko-KR", **SIZES[size])
    context.add_cookies([{"name": "lang", "value": lang, "url": base}])
    context.set_default_timeout(10_000)
    return context


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_no_serious_violation_on_any_resident_page(
    live_server, demo, browser, axe_script, sign_in, lang, size
):
    from core.extensions import db

    base = live_server.url
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    published_code = db.session.execute(
        select(Ballot.receipt_code).where(Ballot.forum_id == demo.published).limit(1)
    ).scalar_one()
    forum = f"/forums/{demo.current}"
    context = _context(browser, size, lang, base)
    try:
        page = context.new_page()
        out = Checker(page, axe_script, f"{lang}-{size}-out")
        out.base = base
        out.check("home", "/")
        out.check("forum", forum)
        page.locator("li.item .item-title").first.click()
        out.check("item")
        out.check("receipt-check", "/receipt")
        out.check("receipt-checked", f"/receipt?code={published_code}")
        out.check("results-pending", f"/forums/{demo.past}/results")
        out.check("results-published", f"/forums/{demo.published}/results")

        inside = Checker(page, axe_script, f"{lang}-{size}-in")
        inside.base = base
        page.goto(base + forum + "/ballot")
        sign_in(page, f"axe-{lang}-{size}")
        expect(page.locator("#ballot-form")).to_be_visible()
        inside.check("ballot")
        for box in page.locator("#ballot-form input[name=picks]").all()[:3]:
            box.check()
        inside.check("ballot-full")
        page.locator("#review-button").click()
        expect(page.locator("#confirm")).to_be_visible()
        inside.check("review")
        page.locator("#confirm").click()
        code = page.locator("#receipt-code").inner_text().strip()
        inside.check("receipt")
        inside.check("my-ballots", "/my-ballots")
        inside.check("forum-voted", forum)
        inside.check("home", "/")
        inside.check("receipt-checked", "/receipt?code=" + re.sub("-", "", code))
        inside.check("results-published", f"/forums/{demo.published}/results")
    finally:
        context.close()
    assert len(out.seen) == 7 and len(inside.seen) == 9
    assert {**out.found, **{f"signed in {k}": v for k, v in inside.found.items()}} == {}
