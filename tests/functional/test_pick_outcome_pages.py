"""After publication, the resident's ballot page and the receipt check say what became
of each pick, and why one was not funded; before it, neither shows any."""

import pytest
from sqlalchemy import select

from core.extensions import db
from tests import factories
from tests.web import sign_in
from tests.web import text
from voting.casting import receipts
from voting.models import Ballot
from voting.publishing import snapshots

ITEMS = ((0, 100_000_000), (0, 150_000_000), (1, 200_000_000), (1, 50_000_000), (2, 80_000_000))


@pytest.fixture
def voted(app):
    """Seven ballots: four pick A-01..A-03, three A-03..A-05 (see test_public_results).
    Greedy funds A-03 (200M) and A-01 (100M), then nothing fits the 0 left; equal
    shares funds A-03 and A-04, then A-06 from what is left."""
    forum = factories.forum(items=(*ITEMS, (2, 30_000_000)))
    ids = factories.item_ids(forum)
    voters = []
    for n in range(7):
        voter = factories.user(f"voter-{n}")
        factories.cast(forum.id, voter, ids[0:3] if n < 4 else ids[2:5])
        voters.append(voter)
    forum.phase = "closed"
    db.session.commit()
    return forum, voters


def publish(forum, rule):
    team = factories.staff(f"team-{forum.id}", "district_team", forum.district.code)
    snapshots.publish(team, forum.id, rule)


def code_of(forum, voter) -> str:
    query = select(Ballot.receipt_code).where(
        Ballot.forum_id == forum.id, Ballot.voter_key == voter.voter_key
    )
    return db.session.execute(query).scalar_one()


def test_before_publication_no_outcome_is_shown(client, voted):
    forum, voters = voted
    sign_in(client, voters[0])
    page = text(client.get(f"/forums/{forum.id}/my-ballot"))
    assert 'id="pick-outcomes"' not in page
    page = text(client.get(f"/receipt?code={code_of(forum, voters[0])}"))
    assert 'id="pick-outcomes"' not in page and "Item 1" not in page


def test_greedy_my_ballot_says_funded_or_did_not_fit(client, voted):
    forum, voters = voted
    publish(forum, "greedy")
    sign_in(client, voters[0])
    page = text(client.get(f"/forums/{forum.id}/my-ballot"))
    outcomes = page.split('id="pick-outcomes"')[1].split("</section>")[0]
    assert outcomes.index('data-id="A-03"') < outcomes.index('data-id="A-01"')
    assert outcomes.count(">선정</span>") == 2
    a02 = outcomes.split('data-id="A-02"')[1].split("</li>")[0]
    assert "미선정" in a02 and "남은 예산에 맞지 않았습니다" in a02 and "0원" in a02
    assert "1억 5,000만 원" in a02 and "150,000,000" not in a02  # read as people say it


def test_the_receipt_check_shows_the_outcomes_in_english(client, voted):
    forum, voters = voted
    item = next(i for i in forum.items if i.external_id == "A-04")
    item.title_en = "Pocket park"
    db.session.commit()
    publish(forum, "equal_shares")
    client.get("/lang/en?next=/")
    code = receipts.display(code_of(forum, voters[6]))
    page = text(client.get(f"/receipt?code={code}"))
    outcomes = page.split('id="pick-outcomes"')[1].split("</section>")[0]
    assert "What became of your picks" in outcomes
    assert "Pocket park" in outcomes  # the English title where the team gave one
    a05 = outcomes.split('data-id="A-05"')[1].split("</li>")[0]
    assert "Not funded" in a05 and "equal shares could not pay for it" in a05


def test_the_results_chart_names_each_bar_by_its_title(client, voted):
    forum, _ = voted
    item = next(i for i in forum.items if i.external_id == "A-03")
    item.title_en = "Shade trees"
    db.session.commit()
    publish(forum, "greedy")
    page = text(client.get(f"/forums/{forum.id}/results"))
    chart = page.split('id="votes-chart"')[1].split("</svg>")[0]
    assert '<text x="0" y="18" class="chart-label">1. Item 3</text>' in chart
    client.get("/lang/en?next=/")
    chart = text(client.get(f"/forums/{forum.id}/results")).split('id="votes-chart"')[1]
    assert "1. Shade trees</text>" in chart
