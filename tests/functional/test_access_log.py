"""The staff access log (접속기록): who viewed personal data, when, from which network
(hashed), which forum, what; its monthly review; kept per the schedule."""

from datetime import datetime
from datetime import timedelta
from datetime import UTC

from sqlalchemy import func
from sqlalchemy import select

from core.extensions import db
from privacy import access_log
from privacy.models import StaffAccess
from tests import factories
from tests.web import sign_in


def entries() -> list[StaffAccess]:
    db.session.expire_all()
    return list(db.session.execute(select(StaffAccess).order_by(StaffAccess.id)).scalars())


def test_a_staff_view_of_flags_and_evidence_is_logged(client, app):
    forum = factories.forum()
    flag = factories.empty_flag(forum)
    operator = factories.staff("operator", "operator")
    sign_in(client, operator)
    assert client.get("/operator/flags").status_code == 200
    assert client.get(f"/operator/flags/{flag.id}").status_code == 200
    found = entries()
    assert [entry.what for entry in found] == ["flags", "flag evidence"]
    assert found[1].forum_id == forum.id and found[1].actor == f"user:{operator.id}"
    assert found[1].path == f"/operator/flags/{flag.id}"
    assert found[1].network_hash == access_log.network_hash("127.0.0.1")
    assert "127.0.0" not in found[1].network_hash


def test_residents_and_public_pages_are_not_logged(client, app):
    forum = factories.forum()
    sign_in(client, factories.user("resident"))
    client.get(f"/forums/{forum.id}")
    client.get("/operator/flags")  # refused: 403, nothing shown
    assert entries() == []


def test_the_monthly_review_prints_each_entry_and_counts_per_person(client, app):
    team = factories.staff("team", "district_team", "11560")
    forum = factories.forum()
    sign_in(client, team)
    client.get(f"/manage/forums/{forum.id}/results")
    client.get("/manage/moderation")
    found = entries()
    assert len(found) >= 1
    # The review reads the month in Korea's time.
    at = found[0].at.replace(tzinfo=UTC).astimezone(access_log_zone(app))
    answer = app.test_cli_runner().invoke(args=["privacy", "access-log", "--month", f"{at:%Y-%m}"])
    assert answer.exit_code == 0, answer.output
    assert f"user:{team.id}" in answer.output and f"{len(found)} entries in" in answer.output


def access_log_zone(app):
    from zoneinfo import ZoneInfo

    return ZoneInfo(app.config["DISPLAY_TIMEZONE"])


def test_a_malformed_month_is_one_line_and_exit_2(app):
    answer = app.test_cli_runner().invoke(args=["privacy", "access-log", "--month", "2026-13"])
    assert answer.exit_code == 2 and len(answer.output.strip().splitlines()) == 1


def test_entries_are_kept_at_least_a_year_then_deleted(app):
    now = datetime.now(UTC)
    for days in (729, 731):
        db.session.add(
            StaffAccess(at=now - timedelta(days=days), actor="user:1", what="flags", path="/")
        )
    db.session.commit()
    assert access_log.purge(now) == 1
    db.session.commit()
    left = db.session.execute(select(func.count()).select_from(StaffAccess)).scalar_one()
    assert left == 1


def test_the_team_s_live_turnout_and_proposal_review_are_logged(client, app):
    forum = factories.forum()
    team = factories.staff("team", "district_team", forum.district.code)
    sign_in(client, team)
    assert client.get(f"/manage/forums/{forum.id}/turnout").status_code == 200
    assert client.get(f"/manage/forums/{forum.id}/turnout.json").status_code == 200
    assert client.get(f"/manage/forums/{forum.id}/proposals").status_code == 200
    assert [(entry.what, entry.forum_id) for entry in entries()] == [
        ("live turnout", forum.id),
        ("proposals under review", forum.id),
    ]
