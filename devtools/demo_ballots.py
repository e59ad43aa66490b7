"""Generated ballots for the demo's past forums, with the review signals that the casting
path records (reduced and hashed the same way), and optionally one bloc among them."""

import random
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import bindparam

from auth.services import derive_voter_key
from core.extensions import db
from deliberation.models import Forum
from voting.casting import receipts
from voting.casting import services
from voting.counting import bulk
from voting.models import Ballot

SEOUL = ZoneInfo("Asia/Seoul")


@dataclass(frozen=True)
class Electorate:
    """Who votes in a generated past forum: how many, with what seed, how popular each
    item is (by position), under which pseudonymous identities, and whether the bloc
    (:data:`BLOC_SIZE` identities on one device) is among them."""

    seed: int
    ballots: int
    weights: list[float]
    identities: str
    bloc: bool = False


# Where organic ballots come from: home broadband prefixes and the carriers' mobile ones.
NETWORKS = [f"59.{n // 250}.{n % 250}.0" for n in range(900)] + [f"211.234.{n}.0" for n in range(8)]
AGENTS = [
    "Mozilla/5.0 (Linux; Android 14; SM-S921N) AppleWebKit/537.36 SamsungBrowser/25.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 NAVER(inapp; search; 1.0)",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36",
]
# The bloc: 40 identities first seen that morning vote from one phone at a community
# centre within ten minutes, for the youth office and two small items organic voters
# seldom pick together; a quarter vary one pick. Confirming it changes the funded set.
BLOC_SIZE = 40
BLOC_PICKS = (8, 10, 11)
BLOC_VARIANTS = (3, 9)
BLOC_AT = datetime(2020, 7, 9, 14, 5, tzinfo=SEOUL)


def _organic(rng: random.Random, n: int) -> tuple[services.Signals, timedelta]:
    """Resident n's signals at cast time, and how long before voting they first signed in."""
    home = rng.random() < 0.6
    network = NETWORKS[rng.randrange(900)] if home else NETWORKS[900 + rng.randrange(8)]
    address = network.rsplit(".", 1)[0] + f".{rng.randrange(2, 250)}"
    found = services.Signals(address, rng.choice(AGENTS), f"demo-phone-{n}")
    return found, timedelta(days=rng.uniform(1, 400))


def _bloc_ballot(pepper: str, items, n: int, rng: random.Random):
    picks = list(BLOC_PICKS)
    if n % 4 == 3:
        picks[n % 3] = BLOC_VARIANTS[n % 2]
    when = BLOC_AT + timedelta(seconds=14 * n + rng.randrange(5))
    ballot = bulk.NewBallot(
        voter_key=derive_voter_key(pepper, "demo-2020", f"newcomer-{n}"),
        receipt_code=receipts.new_code(),
        cast_at=when,
        item_ids=[items[index].id for index in sorted(picks)],
        channel="online",
        birth_year=rng.randint(1995, 2004),
    )
    found = services.Signals("175.211.40.17", AGENTS[0], "demo-centre-tablet")
    return ballot, found, timedelta(minutes=rng.randint(20, 180))


def past_ballots(forum: Forum, electorate: Electorate) -> None:
    """Generated ballots: three distinct picks drawn by popularity, spread over the week,
    with the review signals the casting path records, and the bloc if asked for."""
    rng = random.Random(electorate.seed)
    pepper = current_app.config["VOTER_KEY_PEPPER"]
    items = sorted(forum.items, key=lambda item: item.position)
    span = (forum.voting_ends_at - forum.voting_starts_at).total_seconds()
    ballots, signals = [], {}
    bloc = BLOC_SIZE if electorate.bloc else 0
    for n in range(electorate.ballots - bloc):
        picks: set[int] = set()
        while len(picks) < 3:
            picks.add(rng.choices(range(len(items)), weights=electorate.weights)[0])
        ballot = bulk.NewBallot(
            voter_key=derive_voter_key(pepper, electorate.identities, f"resident-{n}"),
            receipt_code=receipts.new_code(),
            cast_at=forum.voting_starts_at + timedelta(seconds=rng.random() * span),
            item_ids=[items[index].id for index in sorted(picks)],
            channel="online",
            birth_year=rng.randint(1940, 2006),
        )
        ballots.append(ballot)
        signals[ballot.receipt_code] = (ballot, *_organic(rng, n))
    for n in range(bloc):
        ballot, found, before = _bloc_ballot(pepper, items, n, rng)
        ballots.append(ballot)
        signals[ballot.receipt_code] = (ballot, found, before)
    bulk.insert_ballots(forum.id, ballots)
    rows = [
        {
            "code": code,
            "first_seen": b.cast_at - before,
            **services._signal_columns(found),
        }  # the casting path's reduction
        for code, (b, found, before) in signals.items()
    ]
    table = Ballot.__table__
    db.session.connection().execute(
        table.update()
        .where(table.c.receipt_code == bindparam("code"))
        .values(
            first_seen_at=bindparam("first_seen"),
            network_hash=bindparam("network_hash"),
            agent_hash=bindparam("agent_hash"),
            device_hash=bindparam("device_hash"),
        ),
        rows,
    )
