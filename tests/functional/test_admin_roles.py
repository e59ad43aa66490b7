"""The admin page names who holds each role, in words, with the district from a list."""

import re

import pytest
from sqlalchemy import select

from auth.models import Role
from core.extensions import db
from tests import factories
from tests.web import csrf_token
from tests.web import sign_in
from tests.web import text


@pytest.fixture
def admin_client(client):
    sign_in(client, factories.staff("root", "admin"))
    return client


def _grant(client, **fields):
    token = csrf_token(text(client.get("/admin/roles")))
    return client.post("/admin/roles", data={"csrf_token": token, **fields})


def test_the_district_is_chosen_from_a_list_of_names(admin_client):
    page = text(admin_client.get("/admin/roles"))
    select_tag = re.search(r'<select[^>]*name="district".*?</select>', page, re.S)
    assert select_tag, "the district is a select"
    assert '<option value="11560">영등포구</option>' in select_tag.group(0)
    assert 'name="name"' in page


def test_a_granted_role_shows_the_name_role_and_district_in_words(admin_client):
    response = _grant(
        admin_client, subject="kim-official", name="김담당", role="district_team", district="11560"
    )
    assert response.status_code == 302
    role = db.session.execute(select(Role).filter_by(name="김담당")).scalar_one()
    assert role.district_code == "11560"
    table = text(admin_client.get("/admin/roles")).split('id="roles"')[1]
    row = next(part for part in table.split("<li") if "김담당" in part)
    assert "구 담당 부서" in row and "영등포구" in row
    assert "district_team" not in row and role.voter_key[:10] not in row


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"subject": "x", "name": "", "role": "operator", "district": ""}, "이름"),
        ({"subject": "x", "name": "가", "role": "district_team", "district": ""}, "자치구"),
        ({"subject": "x", "name": "가", "role": "district_team", "district": "99999"}, "자치구"),
    ],
)
def test_bad_grants_are_refused_with_a_message_and_nothing_stored(admin_client, fields, message):
    response = _grant(admin_client, **fields)
    assert response.status_code == 400
    assert message in text(response)
    assert db.session.execute(select(Role).filter_by(granted_by="test")).scalars().all()
    assert db.session.execute(select(Role).where(Role.granted_by != "test")).first() is None
