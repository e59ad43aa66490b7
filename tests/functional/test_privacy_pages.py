"""The privacy policy and the page on the review of bloc voting, read from the schedule."""

from tests import factories
from tests.conftest import make_app
from tests.web import sign_in
from tests.web import text


def test_every_page_links_the_privacy_policy_in_its_footer(client, app):
    forum = factories.forum()
    for path in ("/", f"/forums/{forum.id}", "/receipt", "/privacy"):
        page = text(client.get(path))
        assert '<a href="/privacy" id="privacy-link">' in page, path
        assert "개인정보 처리방침" in page


def test_the_policy_shows_each_item_of_the_schedule_with_its_period(client, app):
    page = text(client.get("/privacy"))
    for words in (
        "투표자 키(본인 식별값의 키 해시값), 자치구, 출생 연도",
        "내 투표지와 투표자 키의 연결",
        "검토 신호: 네트워크 대역, 브라우저 종류, 기기 쿠키의 키 해시값",
        "담당자 접속기록",
        "공론장 결과 공표일로부터 30일 후 익명 처리",
        "기록일로부터 730일 후 삭제",
        "해당 공론장의 검토 신호가 결정되지 않은 동안에만 더 보관합니다.",
    ):
        assert words in page, words
    for section in ("purposes", "items", "destruction", "pseudonym", "cookies", "rights"):
        assert f'id="{section}"' in page
    assert 'href="/privacy/bloc-voting-review"' in page
    assert "2026-12-01" in page  # the dated version


def test_the_policy_and_the_consent_texts_follow_the_configured_period(backend, tmp_path):
    app = make_app(
        backend,
        tmp_path,
        RETENTION_DAYS_AFTER_PUBLICATION=45,
        PRIVACY_OFFICER_NAME="홍길동 (행정지원국장)",
        PRIVACY_OFFICER_CONTACT="02-2670-0000 privacy@ydp.example",
    )
    client = app.test_client()
    page = text(client.get("/privacy"))
    assert "공론장 결과 공표일로부터 45일 후 익명 처리" in page
    assert "공표일로부터 30일" not in page
    assert "홍길동 (행정지원국장)" in page and "02-2670-0000 privacy@ydp.example" in page
    with app.app_context():
        sign_in(client, factories.user(consent_version=None))
    consent = text(client.get("/consent"))
    assert "공론장 결과 공표일로부터 45일 후 익명 처리" in consent


def test_the_review_page_says_what_is_used_who_decides_and_how_to_object(client, app):
    page = text(client.get("/privacy/bloc-voting-review"))
    assert "사용하는 신호" in page and "누가 결정하나요" in page and "이의를 제기하는 방법" in page
    assert "30일 안에" in page


def test_the_policy_reads_in_english(client, app):
    client.get("/lang/en")
    page = text(client.get("/privacy"))
    assert "Privacy policy" in page and "Anonymised (nothing left points to you) 30 days" in page
