"""A cast the server has no room for: 503 with Retry-After, a page in the resident's
language that keeps the picks, nothing stored; sending it again casts the ballot."""

import re

from sqlalchemy import func
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from core.extensions import db
from tests import factories
from tests.web import csrf_token
from tests.web import sign_in
from tests.web import text
from voting.models import Ballot


def count_ballots() -> int:
    return db.session.execute(select(func.count()).select_from(Ballot)).scalar_one()


def fill(gate) -> int:
    """Take every place of the gate and its queue, as casts in flight would."""
    gate.queue = 0
    taken = 0
    while gate.enter():
        taken += 1
    return taken


def hidden_fields(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)


def test_a_shed_cast_is_told_to_retry_keeps_its_picks_and_stores_nothing(client, app):
    forum = factories.forum()
    sign_in(client, factories.user())
    ids = factories.item_ids(forum)[:3]
    token = csrf_token(text(client.get(f"/forums/{forum.id}/ballot")))
    gate = app.extensions["cast_gate"]
    taken = fill(gate)
    assert taken == app.config["CAST_ADMISSION_LIMIT"]
    shed_before = gate.shed

    shed = client.post(
        f"/forums/{forum.id}/ballot/confirm", data={"csrf_token": token, "picks": ids}
    )
    assert shed.status_code == 503
    seconds = int(shed.headers["Retry-After"])
    base = app.config["CAST_RETRY_AFTER"]
    assert base <= seconds <= 2 * base
    assert shed.headers["Cache-Control"] == "no-store"
    assert "script-src 'self'" in shed.headers["Content-Security-Policy"]
    page = text(shed)
    assert "지금 투표하는 분이 많습니다" in page
    assert "고르신 항목은 그대로 있습니다" in page
    assert f'data-seconds="{seconds}"' in page
    assert hidden_fields(page) == [("csrf_token", token)] + [("picks", i) for i in ids]
    assert f'action="/forums/{forum.id}/ballot/confirm"' in page
    assert count_ballots() == 0
    assert gate.shed == shed_before + 1

    for _ in range(taken):
        gate.leave()
    form = MultiDict(hidden_fields(page))
    again = client.post(f"/forums/{forum.id}/ballot/confirm", data=form)
    assert again.status_code == 302 and again.headers["Location"].endswith("/my-ballot")
    ballot = db.session.execute(select(Ballot)).scalar_one()
    assert sorted(str(choice.item_id) for choice in ballot.choices) == sorted(ids)


def test_the_shed_page_follows_the_language_cookie(client, app):
    forum = factories.forum()
    sign_in(client, factories.user())
    client.get("/lang/en")
    fill(app.extensions["cast_gate"])
    shed = client.post(f"/forums/{forum.id}/ballot/confirm", data={"picks": ["1"]})
    assert shed.status_code == 503
    page = text(shed)
    assert '<html lang="en">' in page
    assert "Many residents are voting right now" in page
    assert "Send my ballot again now" in page


def test_only_casting_passes_the_gate(client, app):
    """Reading pages, reviewing and every other request go on while casting is full."""
    forum = factories.forum()
    sign_in(client, factories.user())
    fill(app.extensions["cast_gate"])
    assert client.get(f"/forums/{forum.id}").status_code == 200
    page = text(client.get(f"/forums/{forum.id}/ballot"))
    review = client.post(
        f"/forums/{forum.id}/ballot/review",
        data={"csrf_token": csrf_token(page), "picks": factories.item_ids(forum)[:3]},
    )
    assert review.status_code == 200
    assert client.get(f"/forums/{forum.id}/ballot/confirm").status_code == 405


def test_an_admitted_cast_gives_its_place_back_even_when_refused(client, app):
    forum = factories.forum()
    sign_in(client, factories.user())
    gate = app.extensions["cast_gate"]
    refused = client.post(f"/forums/{forum.id}/ballot/confirm", data={"picks": ["1"]})
    assert refused.status_code == 400  # no CSRF token
    assert fill(gate) == app.config["CAST_ADMISSION_LIMIT"]
