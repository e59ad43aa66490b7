"""Equal shares on a forum whose fields have envelopes: the team's preview and the
published result, over HTTP."""

import re
from datetime import datetime
from datetime import timedelta
from datetime import UTC

import pytest

from core.errors import DomainError
from core.extensions import db
from tests import factories
from tests.web import sign_in
from tests.web import text
from voting.counting import equal_shares
from voting.counting import results
from voting.counting import tally

NOW = datetime.now(UTC)
# Items A-01 (복지, 100,000,000), A-02 (복지, 150,000,000), A-03 (교육, 200,000,000),
# A-04 (교육, 50,000,000), A-05 (환경, 80,000,000); 복지 has 150,000,000 of the 300,000,000.
PICKS = [(0, 2, 3), (0, 3, 4), (1, 2, 4), (2, 3, 4), (0, 2, 4)]


@pytest.fixture
def closed(app):
    """A closed forum with a field envelope and five ballots, and its team."""
    team = factories.staff("team-a", "district_team", "11560")
    forum = factories.forum(code="11560", field_envelopes={"복지": 150_000_000})
    ids = factories.item_ids(forum)
    for n, picks in enumerate(PICKS):
        factories.cast(forum.id, factories.user(f"v{n}"), [ids[i] for i in picks])
    forum.phase = "closed"
    db.session.commit()
    app.config["CLOCK"] = lambda: NOW + timedelta(days=7)
    return forum, team


def funded_on(page: str) -> set[str]:
    return set(re.findall(r'class="card result funded" data-id="([^"]+)"', page))


def test_the_preview_funds_by_equal_shares_within_each_field(client, closed):
    forum, team = closed
    sign_in(client, team)
    response = client.get(f"/manage/forums/{forum.id}/results?rule=equal_shares")
    assert response.status_code == 200
    page = text(response)
    assert 'id="form-error"' not in page
    assert 'data-rule="equal_shares"' in page
    # 복지 (its 4 voters, 150,000,000): A-01 is bought, A-02's one supporter
    # cannot pay. The rest, on 300,000,000 less the 100,000,000 spent, buys
    # A-03 (200,000,000) no longer fits. Greedy would fund
    # instead.
    assert funded_on(page) == {"A-01", "A-04", "A-05"}
    greedy = text(client.get(f"/manage/forums/{forum.id}/results?rule=greedy"))
    assert funded_on(greedy) == {"A-03", "A-05"}
    # The outcome per field, against the field's envelope.
    assert 'id="field-use"' in page
    assert "100,000,000원 / 150,000,000원" in page


def test_the_published_result_shows_each_fields_outcome(client, closed):
    forum, team = closed
    results.publish(team, forum.id, "equal_shares")
    page = text(client.get(f"/forums/{forum.id}/results"))
    assert funded_on(page) == {"A-01", "A-04", "A-05"}
    assert 'id="field-use"' in page and "100,000,000원 / 150,000,000원" in page
    assert results.verify_snapshot(forum.id).matches


def test_the_result_is_the_rule_applied_to_the_stored_ballots(closed):
    forum, _team = closed
    result = results.compute_result(forum, "equal_shares")
    items = [tally.Item(i.external_id, i.cost, i.field.name) for i in forum.items]
    ids = [i.external_id for i in forum.items]
    ballots = [[ids[i] for i in picks] for picks in PICKS]
    envelopes = {"복지": 150_000_000}
    expected = equal_shares.equal_shares(ballots, items, forum.envelope, field_envelopes=envelopes)
    assert result.funding == expected


def test_field_envelopes_beyond_the_forum_envelope_are_refused_with_a_message(client, closed):
    """Settings keep the fields within the forum's envelope; should stored data not,
    equal shares says why (a 422 from the service, greedy in the preview)."""
    forum, team = closed
    forum.fields[1].envelope = 200_000_000  # 복지 150,000,000 + 교육 200,000,000
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        results.compute_result(forum, "equal_shares")
    assert refused.value.status == 422 and refused.value.code == "rule"
    sign_in(client, team)
    page = text(client.get(f"/manage/forums/{forum.id}/results?rule=equal_shares"))
    assert 'id="form-error"' in page and "350,000,000원" in page
    assert 'data-rule="greedy"' in page
