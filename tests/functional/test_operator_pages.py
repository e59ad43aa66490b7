"""Operator pages over HTTP: operator-only, audited views, decisions through the form."""

import json
import re

import pytest
from sqlalchemy import select

from auth.models import Role
from core import audit
from core.extensions import db
from tests import factories
from tests.integration.test_flag_review import bloc_forum  # noqa: F401  (fixture)
from tests.web import csrf_token
from tests.web import sign_in
from tests.web import text
from voting.models import AnomalyFlag
from voting.oversight import forum_scan


@pytest.fixture
def flag(app, bloc_forum):  # noqa: F811
    forum_scan.scan_forum(bloc_forum.id)
    return db.session.execute(select(AnomalyFlag).filter_by(tier="proxy_casting")).scalars().first()


@pytest.mark.parametrize(
    ("who", "expected"),
    [(None, 302), ("resident", 403), ("district_team", 403), ("admin", 403), ("operator", 200)],
)
def test_flag_pages_are_for_operators_only(client, app, flag, who, expected):
    if who == "resident":
        sign_in(client, factories.user("resident"))
    elif who:
        sign_in(client, factories.staff(f"{who}-x", who, "11560" if who == "district_team" else ""))
    for url in ("/operator/flags", f"/operator/flags/{flag.id}", "/operator/audit"):
        assert client.get(url).status_code == expected, url


def test_operator_reads_a_flag_and_confirms_it_with_two_people(client, app, flag):
    first = factories.staff("op-1", "operator")
    second = factories.staff("op-2", "operator")
    sign_in(client, first)
    listing = text(client.get("/operator/flags"))
    assert f"/operator/flags/{flag.id}" in listing
    page = text(client.get(f"/operator/flags/{flag.id}"))
    for section in ("explanation", "impact", "timeline", "members", "decision"):
        assert f'id="{section}"' in page
    assert "dev-bloc" not in page and "0000000000" not in page  # hashes and keys stay hidden
    no_reason = client.post(
        f"/operator/flags/{flag.id}",
        data={"csrf_token": csrf_token(page), "action": "confirm", "reason": ""},
    )
    assert no_reason.status_code == 422
    client.post(
        f"/operator/flags/{flag.id}",
        data={"csrf_token": csrf_token(page), "action": "confirm", "reason": "one device"},
    )
    db.session.expire_all()
    assert db.session.get(AnomalyFlag, flag.id).status == "pending_approval"
    other = app.test_client()
    sign_in(other, second)
    page = text(other.get(f"/operator/flags/{flag.id}"))
    other.post(
        f"/operator/flags/{flag.id}",
        data={"csrf_token": csrf_token(page), "action": "confirm", "reason": "agreed"},
    )
    db.session.expire_all()
    assert db.session.get(AnomalyFlag, flag.id).status == "confirmed"
    views = db.session.execute(select(audit.AuditEntry).filter_by(action="flag.view")).scalars()
    assert len(list(views)) >= 2
    log = text(other.get("/operator/audit"))
    assert 'id="chain"' in log and "의심 신호 확정" in log


HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _operator(client, subject="op-named", name="이검토"):
    user = factories.staff(subject, "operator")
    role = db.session.execute(select(Role).filter_by(voter_key=user.voter_key)).scalar_one()
    role.name = name
    db.session.commit()
    sign_in(client, user)
    return user


def test_flag_titles_say_in_words_what_was_seen(client, app, flag, bloc_forum):  # noqa: F811
    _operator(client)
    listing = text(client.get("/operator/flags"))
    item = next(part for part in listing.split("<li")[1:] if f"/operator/flags/{flag.id}" in part)
    assert "한 기기에서 40명 투표 · 10분 사이" in item
    assert "관측 40명" in item and re.search(r"기대 (\d+명|1명 미만)", item)
    assert "p ≈" not in item and "<sup>" not in item
    assert bloc_forum.title in item and f"공론장 {bloc_forum.id}" not in item
    client.set_cookie("lang", "en")
    listing = text(client.get("/operator/flags"))
    assert "40 people voted from one device · within 10 minutes" in listing
    assert "observed 40 people" in listing


def test_the_flag_page_speaks_the_page_language_with_the_p_value_in_the_details(
    client,
    app,
    flag,
    bloc_forum,  # noqa: F811
):
    _operator(client)
    details = json.loads(flag.details)
    page = text(client.get(f"/operator/flags/{flag.id}"))
    explanation = page.split('id="explanation"')[1].split("</section>")[0]
    assert 'lang="en"' not in explanation and details["explanation"] not in page
    assert "관측 40명" in explanation and "기대" in explanation
    facts = explanation.split('class="facts"')[1]
    assert "10<sup>" in facts  # the p-value, in the details only
    assert bloc_forum.title in page
    client.set_cookie("lang", "en")
    page = text(client.get(f"/operator/flags/{flag.id}"))
    explanation = page.split('id="explanation"')[1].split("</section>")[0]
    # Words of the page (item titles are the forum's own data, in its language).
    prose = " ".join(re.findall(r"<(?:p|h2|dt)[^>]*>(.*?)</(?:p|h2|dt)>", explanation, re.S))
    assert "observed 40 people" in prose and not HANGUL.search(prose), prose


def test_the_decision_has_no_default_and_a_missing_one_is_refused(
    client,
    app,
    flag,  # noqa: F811
):
    _operator(client)
    page = text(client.get(f"/operator/flags/{flag.id}"))
    select_tag = re.search(r'<select[^>]*name="action".*?</select>', page, re.S).group(0)
    options = re.findall(r"<option[^>]*>", select_tag)
    assert 'value=""' in options[0] and "selected" in options[0]
    assert not any("selected" in option for option in options[1:])
    refused = client.post(
        f"/operator/flags/{flag.id}",
        data={"csrf_token": csrf_token(page), "action": "", "reason": "oops"},
    )
    assert refused.status_code == 422
    assert 'id="form-error"' in text(refused) and "판단을 고르세요" in text(refused)
    db.session.expire_all()
    assert db.session.get(AnomalyFlag, flag.id).status == "open"


def test_the_audit_log_names_people_and_actions_in_words(client, app, flag, bloc_forum):  # noqa: F811
    user = _operator(client)
    page = text(client.get(f"/operator/flags/{flag.id}"))
    client.post(
        f"/operator/flags/{flag.id}",
        data={"csrf_token": csrf_token(page), "action": "confirm", "reason": "한 기기"},
    )
    log = text(client.get("/operator/audit"))
    body = log.split('id="audit"')[1]
    assert "이검토 · 투표 검토자" in body and user.actor not in body
    assert "user:" not in body
    for code in ("anomalies.scan", "flag.view", "flag.confirm", f"forum:{bloc_forum.id}"):
        assert code not in body, code
    assert "투표 검사" in body and "의심 신호 확정" in body and bloc_forum.title in body
