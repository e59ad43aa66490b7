"""Consent at first sign-in: asked on any page, recorded by version, and enforced where
ballots and comments are stored."""

import json
import re

import pytest
from sqlalchemy import func
from sqlalchemy import select

from auth.models import User
from core.errors import DomainError
from core.extensions import db
from deliberation.models import Comment
from privacy.models import ConsentRecord
from privacy.texts import DEFAULT_VERSION
from tests import factories
from tests.conftest import make_app
from tests.web import csrf_token
from tests.web import sign_in
from tests.web import text
from voting.models import Ballot


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def consent_form(client, ticked, next_path="/"):
    page = text(client.get(f"/consent?next={next_path}"))
    data = {"csrf_token": csrf_token(page)} | {key: "y" for key in ticked}
    return client.post(f"/consent?next={next_path}", data=data)


REQUIRED = ("identity", "voting", "deliberation", "review")


@pytest.fixture
def newcomer(client, app):
    forum = factories.forum()
    resident = factories.user("newcomer", consent_version=None)
    sign_in(client, resident)
    return forum, resident


def test_a_signed_in_resident_without_consent_is_asked_first(client, newcomer):
    forum, _ = newcomer
    answer = client.get(f"/forums/{forum.id}/ballot")
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/consent?next=")
    assert f"/forums/{forum.id}/ballot" in answer.headers["Location"]
    # The policy itself, and signing out, stay open.
    assert client.get("/privacy").status_code == 200


def test_the_consent_page_is_a_post_form_with_required_boxes(client, newcomer):
    page = text(client.get("/consent"))
    form = re.search(r'<form method="post" action="([^"]+)" class="consent"', page)
    assert form and "consent" in form.group(1)
    for key in REQUIRED:
        box = f'<input type="checkbox" name="{key}" value="y" id="consent-{key}" required>'
        assert box in page
    box = re.search(r'<input type="checkbox" name="keep_picks"[^>]*>', page).group(0)
    assert "required" not in box and "checked" not in box
    for heading in ("항목", "목적", "보유기간"):
        assert f'<th scope="row">{heading}</th>' in page
    assert "동의를 거부할 수 있습니다." in page  # the right to refuse and what it costs


def test_a_missing_required_box_shows_the_same_page_with_a_message(client, newcomer):
    _, resident = newcomer
    answer = consent_form(client, ["identity", "voting", "keep_picks"])
    assert answer.status_code == 400
    assert "필수 항목에 모두 동의해야 합니다" in text(answer)
    assert 'id="consent-identity"' in text(answer)
    assert count(ConsentRecord) == 0
    db.session.expire_all()
    assert db.session.get(User, resident.id).consent_version is None


def test_consent_is_recorded_with_version_time_and_optional_items(client, newcomer):
    forum, resident = newcomer
    answer = consent_form(client, REQUIRED, f"/forums/{forum.id}/ballot")
    assert answer.status_code == 302
    assert answer.headers["Location"] == f"/forums/{forum.id}/ballot"
    record = db.session.execute(select(ConsentRecord)).scalar_one()
    assert record.user_id == resident.id and record.version == DEFAULT_VERSION
    assert json.loads(record.optional) == [] and record.given_at is not None
    db.session.expire_all()
    assert db.session.get(User, resident.id).consent_version == DEFAULT_VERSION
    assert client.get(f"/forums/{forum.id}/ballot").status_code == 200


def test_the_optional_item_is_recorded_when_ticked(client, newcomer):
    consent_form(client, [*REQUIRED, "keep_picks"])
    record = db.session.execute(select(ConsentRecord)).scalar_one()
    assert json.loads(record.optional) == ["keep_picks"]


def test_refusing_the_optional_item_never_blocks_voting(client, newcomer):
    forum, _ = newcomer
    consent_form(client, REQUIRED)
    ids = factories.item_ids(forum)
    page = text(client.get(f"/forums/{forum.id}/ballot"))
    answer = client.post(
        f"/forums/{forum.id}/ballot/confirm",
        data={"csrf_token": csrf_token(page), "picks": ids[:3]},
    )
    assert answer.status_code == 302 and count(Ballot) == 1


def test_a_ballot_without_consent_is_refused_and_nothing_stored(client, newcomer):
    """The casting statement itself checks consent (the fast path), and the full checks
    explain the refusal."""
    forum, _ = newcomer
    token = csrf_token(text(client.get("/consent")))
    answer = client.post(
        f"/forums/{forum.id}/ballot/confirm",
        data={"csrf_token": token, "picks": factories.item_ids(forum)[:3]},
    )
    assert answer.status_code == 403
    assert "개인정보를 어떻게 처리하는지 읽고 동의해 주세요" in text(answer)
    assert count(Ballot) == 0


def test_a_comment_without_consent_is_refused_and_nothing_stored(client, newcomer):
    forum, _ = newcomer
    token = csrf_token(text(client.get("/consent")))
    item = forum.items[0]
    answer = client.post(
        f"/forums/{forum.id}/items/{item.id}/comments",
        data={"csrf_token": token, "body": "동의 없이 쓰는 댓글"},
    )
    assert answer.status_code == 403
    assert count(Comment) == 0


def test_the_casting_service_refuses_without_consent(app):
    forum = factories.forum()
    resident = factories.user("no-consent", consent_version=None)
    with pytest.raises(DomainError) as refused:
        factories.cast(forum.id, resident, factories.item_ids(forum)[:3])
    assert refused.value.status == 403 and refused.value.code == "consent_required"
    assert count(Ballot) == 0


def test_under_the_minimum_age_consent_is_refused_with_a_message(client, app):
    young = factories.user("young", birth_year=2020, consent_version=None)
    sign_in(client, young)
    page = text(client.get("/consent"))
    assert 'id="too-young"' in page and "14세가 되는 해부터 참여할 수 있습니다" in page
    answer = consent_form(client, REQUIRED)
    assert answer.status_code == 403
    assert count(ConsentRecord) == 0


def test_the_minimum_age_is_a_district_setting(backend, tmp_path):
    app = make_app(backend, tmp_path, MIN_AGE=0)
    client = app.test_client()
    with app.app_context():
        sign_in(client, factories.user("young", birth_year=2020, consent_version=None))
        assert consent_form(client, REQUIRED).status_code == 302
        assert count(ConsentRecord) == 1
        db.session.remove()


def test_a_new_version_of_the_texts_asks_again_and_blocks_casting(backend, tmp_path):
    app = make_app(backend, tmp_path, CONSENT_VERSION="2027-03-01")
    client = app.test_client()
    with app.app_context():
        forum = factories.forum()
        resident = factories.user("earlier")  # agreed to the default version
        sign_in(client, resident)
        answer = client.get(f"/forums/{forum.id}")
        assert answer.status_code == 302 and "/consent" in answer.headers["Location"]
        token = csrf_token(text(client.get("/consent")))
        cast = client.post(
            f"/forums/{forum.id}/ballot/confirm",
            data={"csrf_token": token, "picks": factories.item_ids(forum)[:3]},
        )
        assert cast.status_code == 403 and count(Ballot) == 0
        assert consent_form(client, REQUIRED).status_code == 302
        db.session.expire_all()
        assert db.session.get(User, resident.id).consent_version == "2027-03-01"
        db.session.remove()


def test_the_consent_page_needs_sign_in(client, app):
    answer = client.get("/consent")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_the_district_s_own_texts_and_version_come_from_a_file(backend, tmp_path):
    texts_file = tmp_path / "consent.json"
    texts_file.write_text(
        json.dumps(
            {
                "version": "2027-03-01",
                "intro": {"ko": "영등포구의 안내문입니다.", "en": "Yeongdeungpo's notice."},
                "policy_versions": [
                    {"date": "2026-12-01", "note": {"ko": "최초 제정", "en": "First"}},
                    {"date": "2027-03-01", "note": {"ko": "보유기간 변경", "en": "Periods"}},
                ],
            }
        ),
        encoding="utf-8",
    )
    app = make_app(backend, tmp_path, CONSENT_TEXTS_FILE=str(texts_file))
    client = app.test_client()
    assert app.config["CONSENT_VERSION"] == "2027-03-01"
    policy = text(client.get("/privacy"))
    assert policy.index("2027-03-01 · 보유기간 변경") < policy.index("2026-12-01 · 최초 제정")
    with app.app_context():
        sign_in(client, factories.user("reader", consent_version=None))
        assert "영등포구의 안내문입니다." in text(client.get("/consent"))
        db.session.remove()


def test_not_now_lets_a_resident_read_on_and_the_ballot_still_asks(client, newcomer):
    forum, _ = newcomer
    assert client.get(f"/forums/{forum.id}").status_code == 302
    later = client.get("/consent/later")
    assert later.status_code == 302 and later.headers["Location"] == "/"
    assert client.get(f"/forums/{forum.id}").status_code == 200
    assert client.get("/").status_code == 200
    ballot = client.get(f"/forums/{forum.id}/ballot")
    assert ballot.status_code == 302 and "/consent" in ballot.headers["Location"]
