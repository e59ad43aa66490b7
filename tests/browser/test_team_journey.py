"""A district team runs a forum from a phone: create, fill, open, close, publish, verify.

Settings are saved twice and keep their window; phase changes and publication go through
confirmation pages, and publication is proposed by one member and approved by another.

Residents' ballots are cast in the test process for speed; everything the team does goes
through the pages. The .pb file downloaded from the published page is re-counted with
pabutools, which must fund the same items as the page and the stored snapshot.
"""

import json
import re
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from zoneinfo import ZoneInfo

from pabutools.election import Cost_Sat
from pabutools.election import parse_pabulib
from pabutools.rules import greedy_utilitarian_welfare
from playwright.sync_api import expect
from sqlalchemy import func
from sqlalchemy import select

from core.extensions import db
from deliberation.models import AgendaItem
from deliberation.models import Forum
from tests import factories
from voting.models import ResultSnapshot

SEOUL = ZoneInfo("Asia/Seoul")
DISTRICT = "11560"
SUBJECT = "browser-team-11560"
SECOND = "browser-team-11560-second"
TITLE = "2026 영등포구 주민참여예산 시범 총회"
ENVELOPE = 500_000_000
CHECK_FIELDS = "표시된 항목을 확인하세요."
WHOLE_KRW = "쉼표나 소수점 없이 원 단위 정수로 입력하세요."
SHA256 = re.compile(r"[0-9a-f]{64}")
FORUM_URL = re.compile(r"/manage/forums/(\d+)$")
FREEZE = "투표를 시작하면 의제와 규칙을 더 이상 바꿀 수 없습니다."

# (name, envelope) of the fields the team adds.
FIELDS = (("복지", 300_000_000), ("환경", None))
# (item number, title, field, cost in won).
ITEMS = (
    ("A-01", "경로당 냉난방기 교체", "복지", 140_000_000),
    ("A-02", "어린이집 공기청정기 지원", "복지", 130_000_000),
    ("A-03", "안양천 산책로 야간 조명 설치", "환경", 200_000_000),
    ("A-04", "골목길 빗물받이 정비", "환경", 180_000_000),
    ("A-05", "동네 도서관 휴일 개방", None, 90_000_000),
)
# Votes: A-03 6, A-04 5, A-01 4, A-02 2, A-05 1. Greedy funds, then
# no longer fit (the cut line), and A-05 still does.
BALLOTS = (
    ("A-03", "A-04", "A-01"),
    ("A-03", "A-04", "A-01"),
    ("A-03", "A-04", "A-01"),
    ("A-03", "A-04", "A-01"),
    ("A-03", "A-04", "A-02"),
    ("A-03", "A-02", "A-05"),
)
FUNDED = {"A-03", "A-04", "A-05"}


def _path(url: str) -> re.Pattern:
    return re.compile(re.escape(url) + r"$")


def _kst_input(moment: datetime) -> str:
    """A moment as a datetime-local input value, in Seoul time."""
    return moment.astimezone(SEOUL).strftime("%Y-%m-%dT%H:%M")


def _phase(forum_id: int) -> str:
    return db.session.execute(select(Forum.phase).where(Forum.id == forum_id)).scalar_one()


def _item_count(forum_id: int) -> int:
    query = select(func.count()).select_from(AgendaItem).where(AgendaItem.forum_id == forum_id)
    return db.session.execute(query).scalar_one()


def _change_phase(page, forum_id: int, target: str, screenshot=None) -> None:
    """Choose the phase, read the confirmation page (nothing changes yet), confirm."""
    before = _phase(forum_id)
    page.select_option("#phase-select", target)
    page.locator("#phase-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/manage/forums/{forum_id}/phase\?phase={target}$"))
    expect(page.locator("#consequences li").first).to_be_visible()
    assert _phase(forum_id) == before
    if target == "voting":
        expect(page.locator("#consequences")).to_contain_text(FREEZE)
    if screenshot:
        screenshot(page, f"confirm_{target}.png")
    page.locator("#confirm").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("#form-error")).to_have_count(0)
    assert _phase(forum_id) == target


def _window_shown(page) -> tuple[str, str]:
    return (
        page.locator("#settings-form #voting_starts_at").input_value(),
        page.locator("#settings-form #voting_ends_at").input_value(),
    )


def _funded_on_page(page) -> set[str]:
    titles = page.locator("#results li.result.funded .item-title").all_inner_texts()
    return {title.split(" · ", 1)[0].strip() for title in titles}


def test_a_district_team_runs_a_forum_to_published_results(
    app, live_server, new_page, sign_in, screenshot, fits_phone, tmp_path
):
    base = live_server.url
    factories.district(DISTRICT)
    factories.staff(SUBJECT, "district_team", DISTRICT, issuer=app.config["OIDC_ISSUER"])
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    opens = now + timedelta(hours=1)
    closes = opens + timedelta(days=7)
    page = new_page()

    # Staff pages need a sign-in, which comes back to the team's index.
    page.goto(base + "/manage")
    sign_in(page, SUBJECT)
    expect(page).to_have_url(_path(base + "/manage/"))
    fits_phone(page)

    # A new forum, as a draft.
    page.locator(".button[href='/manage/forums/new']").click()
    form = page.locator("#forum-form")
    form.locator("#district").select_option(DISTRICT)
    form.locator("#title").fill(TITLE)
    form.locator("#description").fill("영등포구 주민이 직접 고르는 내년도 사업입니다.")
    form.locator("#voting_starts_at").fill(_kst_input(opens))
    form.locator("#voting_ends_at").fill(_kst_input(closes))
    form.locator("#min_picks").fill("3")
    form.locator("#max_picks").fill("3")
    form.locator("#envelope").fill(str(ENVELOPE))
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(FORUM_URL)
    forum_id = int(FORUM_URL.search(page.url).group(1))
    forum_url = f"{base}/manage/forums/{forum_id}"
    expect(page.locator("h1")).to_have_text(TITLE)
    assert _phase(forum_id) == "draft"
    stored = db.session.get(Forum, forum_id)
    assert (stored.voting_starts_at, stored.voting_ends_at) == (opens, closes)
    assert (stored.envelope, stored.min_picks, stored.max_picks) == (ENVELOPE, 3, 3)
    assert stored.publication_needs_approval is True

    # The settings, saved twice as shown (only the description edited), keep the window
    # the team entered in Seoul time, on the page and in the database.
    window = (_kst_input(opens), _kst_input(closes))
    assert _window_shown(page) == window
    for n in range(2):
        description = page.locator("#settings-form #description")
        description.fill(f"영등포구 주민이 고르는 사업입니다 ({n + 1}).")
        page.locator("#settings-form button[type=submit]").click()
        expect(page).to_have_url(_path(forum_url))
        expect(page.locator(".flash-success")).to_be_visible()
        assert _window_shown(page) == window
        db.session.expire_all()
        stored = db.session.get(Forum, forum_id)
        assert (stored.voting_starts_at, stored.voting_ends_at) == (opens, closes)
    fits_phone(page)
    screenshot(page, "manage_settings_saved.png")

    # Fields, one with an envelope of its own. The settings form on the same page has an
    # envelope input too (same id), so the field form's inputs are found within it.
    fields = page.locator("#field-form")
    for name, envelope in FIELDS:
        fields.locator("input[name$=name]").fill(name)
        fields.locator("input[name$=envelope]").fill(str(envelope or ""))
        fields.locator("button[type=submit]").click()
        expect(page).to_have_url(_path(forum_url))
        expect(page.locator(".flash-success")).to_be_visible()
    listed = page.locator("section.card").filter(has=page.locator("#field-form")).locator("ul li")
    expect(listed).to_have_count(len(FIELDS))
    expect(listed.first).to_contain_text("복지")
    expect(listed.first).to_contain_text("300,000,000")

    # Items through the item form, costs in whole won.
    for external_id, title, field, cost in ITEMS:
        page.locator("#add-item").click()
        item_form = page.locator("#item-form")
        item_form.locator("#external_id").fill(external_id)
        item_form.locator("#title").fill(title)
        item_form.locator("#summary").fill(f"{title} 사업의 요약입니다.")
        item_form.locator("#cost").fill(str(cost))
        if field:
            item_form.locator("#field_id").select_option(label=field)
        item_form.locator("button[type=submit]").click()
        expect(page).to_have_url(_path(forum_url))
    rows = page.locator("li.item-row")
    expect(rows).to_have_count(len(ITEMS))
    expect(rows.locator(".item-id")).to_have_text([external_id for external_id, *_ in ITEMS])
    expect(rows.first.locator(".cost")).to_contain_text("140,000,000")

    # A cost that is not a whole amount above zero adds nothing. The number input
    # (step 1, min 1) stops a decimal and zero before sending; where a browser does not
    # check, the server refuses them with a message of its own.
    page.locator("#add-item").click()
    item_form = page.locator("#item-form")
    item_form.locator("#external_id").fill("A-99")
    item_form.locator("#title").fill("잘못된 금액")
    cost = item_form.locator("#cost")
    for bad in ("1.5", "0"):
        cost.fill(bad)
        item_form.locator("button[type=submit]").click()
        assert not cost.evaluate("input => input.validity.valid"), bad
        assert cost.evaluate("input => input.validationMessage"), bad
        expect(page).to_have_url(_path(f"{forum_url}/items/new"))
    for bad in ("1.5", "0"):
        page.locator("#item-form").evaluate("form => { form.noValidate = true; }")
        page.locator("#cost").fill(bad)
        page.locator("#item-form button[type=submit]").click()
        expect(page.locator("#form-error")).to_have_text(CHECK_FIELDS)
        expect(page.locator("#item-form .has-error .field-error")).to_contain_text([WHOLE_KRW])
        expect(page.locator("#external_id")).to_have_value("A-99")
    fits_phone(page)
    assert _item_count(forum_id) == len(ITEMS)
    page.goto(forum_url)
    expect(page.locator("li.item-row")).to_have_count(len(ITEMS))
    fits_phone(page)
    screenshot(page, "manage_forum.png")

    # Deliberation, then voting once the window is open.
    _change_phase(page, forum_id, "deliberation")
    app.config["CLOCK"] = lambda: opens + timedelta(hours=1)
    _change_phase(page, forum_id, "voting", screenshot)
    expect(page.locator(".badge-open")).to_be_visible()
    expect(page.locator("#item-form, #field-form, #settings-form, #add-item")).to_have_count(0)

    # Residents vote.
    db.session.expire_all()
    ids = dict(
        db.session.execute(
            select(AgendaItem.external_id, AgendaItem.id).where(AgendaItem.forum_id == forum_id)
        ).all()
    )
    for n, picks in enumerate(BALLOTS, start=1):
        resident = factories.user(f"team-journey-resident-{n}", birth_year=1950 + 7 * n)
        factories.cast(forum_id, resident, [str(ids[pick]) for pick in picks])

    # The window ends days later: the team member's session has expired, so they sign
    # in again, then close the forum and preview the result.
    app.config["CLOCK"] = lambda: closes + timedelta(hours=1)
    page.reload()
    sign_in(page, SUBJECT)
    expect(page).to_have_url(_path(forum_url))
    _change_phase(page, forum_id, "closed", screenshot)
    page.locator("#results-link").click()
    expect(page).to_have_url(_path(f"{forum_url}/results"))
    expect(page.locator("#ballot-count")).to_have_text(str(len(BALLOTS)))
    tabs = page.locator("nav.tabs a")
    expect(tabs).to_have_count(2)
    expect(tabs.nth(0)).to_have_attribute("aria-current", "page")
    expect(page.locator("#results li.result")).to_have_count(len(ITEMS))
    assert _funded_on_page(page) == FUNDED
    expect(page.locator("#spent")).to_contain_text("470,000,000")
    expect(page.locator("#votes-chart .chart-cut")).to_have_count(1)
    fits_phone(page)
    screenshot(page, "manage_results.png")

    # The equal-shares tab: 복지 is funded on its own envelope among those who picked
    # there (A-01 and A-02, 270,000,000), the rest on what remains (230,000,000: A-03);
    # the page shows each field's spending. The team publishes under greedy.
    tabs.nth(1).click()
    expect(page).to_have_url(re.compile(r"/results\?rule=equal_shares$"))
    expect(page.locator("#form-error")).to_have_count(0)
    expect(page.locator("nav.tabs a").nth(1)).to_have_attribute("aria-current", "page")
    expect(page.locator("#results li.result")).to_have_count(len(ITEMS))
    assert _funded_on_page(page) == {"A-01", "A-02", "A-03"}
    expect(page.locator("#field-use")).to_contain_text("270,000,000")
    expect(page.locator("#publish")).to_have_attribute("data-rule", "equal_shares")
    fits_phone(page)
    screenshot(page, "manage_results_equal_shares.png")
    page.locator("nav.tabs a").nth(0).click()
    expect(page.locator("#publish")).to_have_attribute("data-rule", "greedy")

    # One member proposes publication: a confirmation page says what cannot be undone,
    # and nothing is published until another member approves.
    page.locator("#publish").click()
    expect(page).to_have_url(re.compile(r"/publish\?rule=greedy$"))
    expect(page.locator("#consequences")).to_contain_text("되돌릴 수 없습니다")
    expect(page.locator("#funded-items li")).to_have_count(len(FUNDED))
    fits_phone(page)
    screenshot(page, "confirm_proposal.png")
    page.locator("#confirm").click()
    expect(page).to_have_url(_path(f"{forum_url}/results"))
    expect(page.locator("#proposal")).to_be_visible()
    expect(page.locator("#review-proposal")).to_have_count(0)
    assert _phase(forum_id) == "closed"
    fits_phone(page)
    screenshot(page, "proposal_pending.png")

    # A second member of the team signs in on their own phone, checks and approves:
    # that publishes and leads to the public results page with the snapshot's hash.
    factories.staff(SECOND, "district_team", DISTRICT, issuer=app.config["OIDC_ISSUER"])
    page = new_page()
    page.goto(forum_url)
    sign_in(page, SECOND)
    expect(page).to_have_url(_path(forum_url))
    expect(page.locator("#publication-proposed")).to_be_visible()
    expect(page.locator("#phase-form")).to_have_count(0)
    fits_phone(page)
    screenshot(page, "manage_forum_proposed.png")
    page.locator("#results-link").click()
    expect(page).to_have_url(_path(f"{forum_url}/results"))
    page.locator("#review-proposal").click()
    expect(page).to_have_url(_path(f"{forum_url}/publish/approve"))
    expect(page.locator("#confirm-rule")).to_have_text("득표순 선정")
    fits_phone(page)
    screenshot(page, "confirm_approval.png")
    page.locator("#confirm").click()
    expect(page).to_have_url(_path(f"{base}/forums/{forum_id}/results"))
    expect(page.locator("#published")).to_be_visible()
    assert _phase(forum_id) == "published"
    snapshot = db.session.execute(select(ResultSnapshot).filter_by(forum_id=forum_id)).scalar_one()
    payload = json.loads(snapshot.payload)
    assert snapshot.rule == "greedy"
    assert SHA256.fullmatch(snapshot.sha256)
    expect(page.locator("#snapshot-hash")).to_have_text(snapshot.sha256)
    expect(page.locator("#ballot-count")).to_have_text(str(len(BALLOTS)))
    assert _funded_on_page(page) == set(payload["funded"]) == FUNDED
    expect(page.locator("#results .cut-line")).to_have_count(1)
    downloads = page.locator("#downloads a[download]")
    expect(downloads).to_have_count(6)  # CSV, snapshot, its checksum, leaves, ballots, zip
    for link in downloads.all():
        response = page.request.get(base + link.get_attribute("href"))
        assert response.ok, (link.get_attribute("href"), response.status)
    fits_phone(page)
    screenshot(page, "published_results.png")

    # The ballots file, re-counted by pabutools, funds the same items.
    with page.expect_download() as started:
        page.locator(f"#downloads a[href='/forums/{forum_id}/ballots.pb']").click()
    download = started.value
    assert download.suggested_filename.endswith(".pb")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    instance, profile = parse_pabulib(str(path))
    assert instance.budget_limit == ENVELOPE
    assert profile.num_ballots() == len(BALLOTS)
    funded = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)
    assert {project.name for project in funded} == FUNDED
