"""The public result of a forum, on its page and in the API.

Until the district team publishes, a closed forum shows its turnout and that the
result is not published yet: no ranking, no selection. Once published, the page and
the API show the published snapshot under its rule, never a result counted again.
"""

import hashlib
from datetime import datetime
from datetime import UTC

import pytest

from core.extensions import db
from tests import factories
from tests.web import text
from voting.counting import results
from voting.models import Ballot

# Four ballots pick items 1-3, three pick items 3-5, none item 6: greedy funds A-03
# and A-01; equal shares A-03 and A-04 (paid by their supporters' shares), then A-06
# from what is left of the envelope.
FUNDED = {"greedy": ["A-03", "A-01"], "equal_shares": ["A-03", "A-04", "A-06"]}
ITEMS = ((0, 100_000_000), (0, 150_000_000), (1, 200_000_000), (1, 50_000_000), (2, 80_000_000))


def closed_forum():
    forum = factories.forum(items=(*ITEMS, (2, 30_000_000)))
    ids = factories.item_ids(forum)
    for n in range(7):
        picks = ids[0:3] if n < 4 else ids[2:5]
        voter = factories.user(f"voter-{n}", birth_year=1990 if n < 5 else 1960)
        factories.cast(forum.id, voter, picks, channel="assisted" if n == 6 else "online")
    forum.phase = "closed"
    db.session.commit()
    return forum


def publish(forum, rule):
    team = factories.staff(f"team-{forum.id}", "district_team", forum.district.code)
    return results.publish(team, forum.id, rule)


def english(client):
    client.get("/lang/en?next=/")


def test_a_closed_unpublished_forum_shows_turnout_and_no_selection(client, app):
    forum = closed_forum()
    page = text(client.get(f"/forums/{forum.id}/results"))
    assert "결과 공표 전" in page
    assert 'id="ballot-count">7<' in page
    for selection in ('id="results"', "badge-funded", "미선정", "Item 1", "A-01", "votes-chart"):
        assert selection not in page
    english(client)
    page = text(client.get(f"/forums/{forum.id}/results"))
    assert "Results not yet published" in page and 'id="ballot-count">7<' in page
    assert "Funded" not in page and "Item 1" not in page


def test_a_forum_whose_window_ended_is_not_published_either(client, app):
    forum = factories.forum()
    factories.cast(forum.id, factories.user(), factories.item_ids(forum)[:3])
    app.config["CLOCK"] = lambda: forum.voting_ends_at
    page = text(client.get(f"/forums/{forum.id}/results"))
    assert "결과 공표 전" in page and 'id="results"' not in page
    answer = client.get(f"/api/v1/forums/{forum.id}/result")
    assert answer.status_code == 200
    assert answer.get_json() == {"forum": forum.id, "status": "not_published", "ballots": 1}


def test_the_api_gives_turnout_only_before_publication(client, app):
    forum = closed_forum()
    answer = client.get(f"/api/v1/forums/{forum.id}/result")
    assert answer.status_code == 200
    assert answer.get_json() == {"forum": forum.id, "status": "not_published", "ballots": 7}


@pytest.mark.parametrize("rule", ["greedy", "equal_shares"])
def test_after_publication_the_page_shows_the_snapshot_under_its_rule(client, app, rule):
    forum = closed_forum()
    publish(forum, rule)
    page = text(client.get(f"/forums/{forum.id}/results"))
    assert "결과 공표 전" not in page and 'id="results"' in page
    funded = [
        row.split('data-id="')[1].split('"')[0]
        for row in page.split('<li class="card result funded"')[1:]
    ]
    assert funded == FUNDED[rule]


@pytest.mark.parametrize("rule", ["greedy", "equal_shares"])
def test_after_publication_the_api_gives_exactly_the_snapshot(client, app, rule):
    forum = closed_forum()
    snapshot = publish(forum, rule)
    # A ballot appearing in the database afterwards changes nothing published.
    db.session.add(
        Ballot(
            forum_id=forum.id,
            voter_key=hashlib.sha256(b"late").hexdigest(),
            receipt_code="LATE0000",
            channel="online",
            cast_at=datetime.now(UTC),
            birth_year=1970,
        )
    )
    db.session.commit()
    answer = client.get(f"/api/v1/forums/{forum.id}/result").get_json()
    assert answer["status"] == "published" and answer["rule"] == rule
    assert answer["ballots"] == 7 and answer["sha256"] == snapshot.sha256
    assert datetime.fromisoformat(answer["published_at"]) == snapshot.published_at
    assert [i["id"] for i in answer["items"] if i["funded"]] == FUNDED[rule]
    page = text(client.get(f"/forums/{forum.id}/results"))
    assert 'id="ballot-count">7<' in page


def test_the_greedy_page_draws_the_cut_line(client, app):
    forum = closed_forum()
    publish(forum, "greedy")
    page = text(client.get(f"/forums/{forum.id}/results"))
    assert "처음으로 예산에 맞지 않은 의제" in page and "chart-cut" in page


def test_the_equal_shares_page_explains_payments_not_a_cut_line(client, app):
    forum = closed_forum()
    publish(forum, "equal_shares")
    page = text(client.get(f"/forums/{forum.id}/results"))
    assert "처음으로 예산에 맞지 않은 의제" not in page and "chart-cut" not in page
    # its 7 supporters paid its 200,000,000원 from their equal shares.
    a03 = page.split('data-id="A-03"')[1].split("</li>")[0]
    assert "지지자 7명" in a03 and "200,000,000원" in a03 and "28,571,428원" in a03
    a04 = page.split('data-id="A-04"')[1].split("</li>")[0]
    assert "지지자 3명" in a04 and "50,000,000원" in a04 and "16,666,666원" in a04
    # A-06, which no ballot picked, was funded from what was left.
    a06 = page.split('data-id="A-06"')[1].split("</li>")[0]
    assert "남은 예산으로 선정" in a06
    # its supporters could not pay for it, and it costs more than the 20,000,000원
    # left at the end.
    a01 = page.split('data-id="A-01"')[1].split("</li>")[0]
    assert "100,000,000원" in a01 and "20,000,000원" in a01
    english(client)
    page = text(client.get(f"/forums/{forum.id}/results"))
    a03 = page.split('data-id="A-03"')[1].split("</li>")[0]
    assert "7 supporters" in a03 and "₩200,000,000" in a03
