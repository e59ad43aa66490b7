"""The operator page shows each forum's last scan and a badge for alerts awaiting review."""

from datetime import timedelta

from sqlalchemy import select

from core.extensions import db
from tests import factories
from tests.integration.test_scheduled_scans import bloc
from tests.integration.test_scheduled_scans import forum  # noqa: F401  (fixture)
from tests.integration.test_scheduled_scans import START
from tests.web import sign_in
from tests.web import text
from voting.models import AnomalyFlag
from voting.oversight import flag_review
from voting.oversight import watch


def test_the_page_says_when_each_forum_was_last_scanned(client, app, forum):  # noqa: F811
    operator = factories.staff("op-scan", "operator")
    sign_in(client, operator)
    assert "아직 검사한 공론장이 없습니다" in text(client.get("/operator/flags"))
    watch.scan_open_forums()
    page = text(client.get("/operator/flags"))
    assert "마지막 검사 2026-07-09 10:00, 투표 120건 확인, 의심 신호 0건" in page  # Seoul time
    assert "새 경보" not in page
    app.config["CLOCK"] = lambda: START + timedelta(days=3, hours=2)
    watch.scan_open_forums()
    assert "2026-07-09 11:00 기준 새 투표 없음" in text(client.get("/operator/flags"))


def test_an_alert_shows_as_a_badge_until_the_flag_is_decided(client, app, forum):  # noqa: F811
    first = factories.staff("op-a", "operator")
    bloc(forum, 200)
    db.session.commit()
    [report] = watch.scan_open_forums()
    sign_in(client, first)
    page = text(client.get("/operator/flags"))
    assert f"새 경보 {len(report.alerts)}건" in page and "경보 발송" in page
    client.set_cookie("lang", "en")
    english = text(client.get("/operator/flags"))
    assert "last scanned" in english and f"{len(report.alerts)} new alerts" in english
    client.set_cookie("lang", "ko")
    flag = db.session.execute(select(AnomalyFlag).filter_by(id=report.alerts[0])).scalar_one()
    for flag_id in report.alerts:
        flag_review.decide(flag_id, first, "clear", "Checked with the district: a club meeting.")
    assert flag.status == "cleared"
    page = text(client.get("/operator/flags"))
    assert "마지막 검사" in page and "새 경보" not in page and "경보 발송" not in page
