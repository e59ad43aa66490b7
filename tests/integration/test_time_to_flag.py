"""Time to flag in the product: a generated window replayed through the forum's tables
with the clock injected, the worker's scan job every five minutes. Each bloc of 25 or
more is on the operator page within 30 minutes of its 25th ballot."""

from datetime import timedelta

from bench import replay
from bench.electorate import BlocSpec
from bench.electorate import generate
from tests import factories
from tests.web import sign_in
from tests.web import text

BLOCS = [
    BlocSpec("burst", 40, "10min", "device", 0.0),  # one tablet, ten minutes
    BlocSpec("day", 60, "1day", "prefixes", 1 / 3),  # a day, 1-3 home networks, camouflage
    BlocSpec("drip", 60, "7days", "prefixes", 0.0),  # the whole week, 1-3 home networks
]


def test_each_bloc_is_flagged_within_30_minutes_of_its_25th_ballot(app, client):
    electorate = generate(5, 2000, BLOCS)
    result = replay.replay(app, electorate, tick=timedelta(minutes=5), around=timedelta(minutes=35))
    assert set(result.reached) == {"burst", "day", "drip"}
    for name in result.reached:
        assert result.minutes(name) is not None, f"{name} never flagged"
        assert result.minutes(name) <= 30, (name, result.minutes(name))
        assert result.precision[name] >= 0.9, (name, result.precision[name])
    assert result.organic_flagged <= 1  # of 2,000 organic voters
    sign_in(client, factories.staff("op-replay", "operator"))
    page = text(client.get("/operator/flags"))
    assert page.count('class="card flag') >= 3 and "Replayed window" in page
