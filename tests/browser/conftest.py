"""Real Chromium on a phone-sized screen, for tests that drive the pages end to end."""

import os
import re
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from playwright.sync_api import sync_playwright
from sqlalchemy import select

from core.districts import DEMO_DISTRICT
from core.extensions import db
from deliberation.models import Forum
from devtools.demo import CURRENT_SLUG
from devtools.demo import PAST_SLUG
from devtools.demo import PUBLISHED_SLUG
from devtools.demo import seed_demo

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE / "artifacts"
IN_CI = os.environ.get("CI", "").lower() == "true"

# A mid-range phone held upright.
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "ko-KR",
}
TIMEOUT_MS = 10_000
_CALL_FAILED = pytest.StashKey[bool]()


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


def _artifact(name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).is_file():
        message = (
            f"Chromium is not installed at {CHROMIUM}; the browser tests need it "
            "(Debian: apt-get install chromium fonts-noto-cjk)."
        )
        if IN_CI:
            pytest.exit(message, returncode=3)
        pytest.fail(message, pytrace=False)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, request) -> Iterator[Callable]:
    """Open a page in a fresh context: each call is another phone with its own cookies."""
    contexts = []

    def open_page():
        context = browser.new_context(**PHONE)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page

    if request.node.stash.get(_CALL_FAILED, False):
        test_name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        for n, context in enumerate(contexts):
            for m, page in enumerate(context.pages):
                try:
                    page.screenshot(
                        path=_artifact(f"FAILED-{test_name}-{n}-{m}.png"), full_page=True
                    )
                except Exception:  # the page may be gone; the test failure says enough
                    pass
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def screenshot() -> Callable:
    """Save a full-page screenshot under tests/browser/artifacts/ and return its path."""

    def save(page, name: str) -> Path:
        path = _artifact(name)
        page.screenshot(path=path, full_page=True)
        return path

    return save


@pytest.fixture
def fits_phone() -> Callable:
    """Assert that nothing on the page is wider than the phone's screen."""
    screen = PHONE["viewport"]["width"]

    def check(page) -> None:
        widths = page.evaluate(
            """() => ({
                inner: window.innerWidth,
                document: document.documentElement.scrollWidth,
                body: document.body.scrollWidth,
            })"""
        )
        assert max(widths.values()) <= screen, f"{page.url} is wider than {screen}px: {widths}"

    return check


@pytest.fixture
def sign_in() -> Callable:
    """Fill the development provider's form; the app then sends the browser back."""

    def fill(page, subject: str, birth_year: int = 1985, consent: bool = True) -> None:
        expect(page).to_have_url(re.compile(r"/dev-idp/authorize\?"))
        page.fill("#subject", subject)
        expect(page.locator("#district")).to_have_value(DEMO_DISTRICT)
        page.fill("#birth_year", str(birth_year))
        page.locator("form button[type=submit]:not([name=cancel])").click()
        page.wait_for_load_state()
        if "/consent" in page.url and consent:
            # First sign-in: the resident agrees to the required items, then goes on.
            for box in page.locator("input[type=checkbox][required]").all():
                box.check()
            page.click("#give-consent")

    return fill


@pytest.fixture
def demo(app) -> SimpleNamespace:
    """The demo data by id: this year's open forum, the closed 2020 one (its result not
    yet published) and the published 2019 one."""
    seed_demo()

    def forum_id(slug: str) -> int:
        return db.session.execute(select(Forum.id).filter_by(slug=slug)).scalar_one()

    return SimpleNamespace(
        current=forum_id(CURRENT_SLUG),
        past=forum_id(PAST_SLUG),
        published=forum_id(PUBLISHED_SLUG),
    )


@pytest.fixture
def check_receipt(new_page, fits_phone) -> Callable:
    """A resident, signed out on their own phone, checks a receipt code at /receipt and
    is told it was excluded, with the operator's reason; returns their page."""
    from voting.casting import receipts

    def check(base: str, code: str, reason: str):
        page = new_page()
        page.goto(base + "/receipt")
        page.fill("#code", receipts.display(code))
        page.locator("form button[type=submit]").click()
        expect(page.locator("#receipt-status")).to_contain_text("제외되었습니다")
        expect(page.locator("#receipt-status")).to_contain_text(receipts.display(code))
        expect(page.locator("#excluded-reason")).to_have_text(reason)
        fits_phone(page)
        return page

    return check
