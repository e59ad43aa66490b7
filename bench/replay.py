"""Replaying a generated voting window through the product, to time how soon blocs are flagged.

The electorate's ballots go into a forum's tables at their recorded times while the
app's clock (``app.config["CLOCK"]``) steps through the window; at each tick the
worker's scan job (:func:`voting.oversight.watch.scan_open_forums`) runs as it would
every ``ANOMALY_SCAN_SECONDS``, and the active flags on the operator page are read.
A bloc's *time to flag* is the time from its 25th ballot to the first tick at which a
flag of a flagging tier holds mostly its members.

A scan reads only the ballots stored so far (earlier scans change the flags'
bookkeeping, never what a later scan finds), so ticks far from any bloc's 25th ballot
may be skipped (``around``) without changing the result.
"""

from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from datetime import UTC

from sqlalchemy import insert
from sqlalchemy import select

from core.extensions import db
from deliberation.models import AgendaItem
from deliberation.models import District
from deliberation.models import Field
from deliberation.models import Forum
from voting.models import AnomalyFlag
from voting.models import Ballot
from voting.models import BallotChoice
from voting.oversight import watch
from voting.oversight.thresholds import FLAGGING_TIERS

NTH = 25  # a bloc counts from its 25th ballot
COST = 100


@dataclass
class Replay:
    """When each bloc reached its 25th ballot and when it was first flagged (None: never),
    the share of its first flag's members that were its own, and organic voters flagged."""

    reached: dict[str, datetime] = field(default_factory=dict)
    flagged: dict[str, datetime | None] = field(default_factory=dict)
    precision: dict[str, float] = field(default_factory=dict)
    organic_flagged: int = 0
    organic: int = 0
    scans: int = 0

    def minutes(self, name: str) -> float | None:
        """Minutes from the bloc's 25th ballot to its first flag (at least 0)."""
        when = self.flagged.get(name)
        if when is None:
            return None
        return max(0.0, (when - self.reached[name]).total_seconds() / 60)


def store_forum(electorate, start: datetime, days: int = 7) -> Forum:
    """A forum of the electorate's items, equal costs, funding a third of them."""
    district = db.session.execute(select(District).filter_by(code="11560")).scalar_one_or_none()
    if district is None:
        district = District(code="11560", name_ko="영등포구", name_en="Yeongdeungpo-gu")
    forum = Forum(
        district=district,
        slug=f"replay-{start.timestamp():.0f}-{len(electorate.ballots)}",
        title="Replayed window",
        phase="voting",
        voting_starts_at=start,
        voting_ends_at=start + timedelta(days=days),
        envelope=COST * max(1, len(electorate.items) // 3),
        created_at=start,
    )
    area = Field(forum=forum, name="전체", position=0)
    for position, name in enumerate(electorate.items):
        AgendaItem(
            forum=forum,
            field=area,
            external_id=name,
            title=name,
            cost=COST,
            status="approved",
            position=position,
        )
    db.session.add(forum)
    db.session.commit()
    return forum


def replay(app, electorate, tick=timedelta(minutes=5), around=None) -> Replay:
    """Insert the ballots tick by tick, running the scan job at each tick.

    ``around`` (a timedelta) scans only the ticks within that span after some bloc's
    25th ballot (and the tick before it); None scans every tick.
    """
    ballots = sorted(electorate.ballots, key=lambda b: (b.time, b.voter))
    start = min(b.time for b in ballots).astimezone(UTC).replace(minute=0, second=0)
    forum = store_forum(electorate, start)
    items = {item.external_id: item.id for item in forum.items}
    labels = electorate.labels
    result = Replay(organic=sum(1 for label in labels.values() if label == "organic"))
    seen: dict[str, int] = {}
    for ballot in ballots:
        label = labels[ballot.voter]
        if label.startswith("bloc:"):
            seen[label] = seen.get(label, 0) + 1
            if seen[label] == NTH:
                result.reached[label[5:]] = ballot.time.astimezone(UTC)
    result.flagged = dict.fromkeys(result.reached)
    label_of: dict[int, str] = {}
    moment, k, end = start, 0, forum.voting_ends_at
    while moment <= end + tick:
        rows = []
        while k < len(ballots) and ballots[k].time <= moment:
            rows.append(ballots[k])
            k += 1
        _insert(forum.id, rows, items, label_of, labels, first_id=k - len(rows) + 1)
        if around is None or any(
            reached - tick <= moment <= reached + around for reached in result.reached.values()
        ):
            app.config["CLOCK"] = lambda moment=moment: moment
            watch.scan_open_forums()
            result.scans += 1
            _read_flags(forum.id, moment, label_of, result)
        moment += tick
    return result


def _insert(forum_id, rows, items, label_of, labels, first_id: int) -> None:
    if not rows:
        return
    ballot_rows, choice_rows = [], []
    for offset, b in enumerate(rows):
        ballot_id = first_id + offset
        label_of[ballot_id] = labels[b.voter]
        ballot_rows.append(
            {
                "id": ballot_id,
                "forum_id": forum_id,
                "voter_key": b.voter.rjust(64, "0"),
                "receipt_code": f"R{ballot_id:019d}",
                "channel": b.channel,
                "cast_at": b.time.astimezone(UTC),
                "network_hash": b.network[:16] or None,
                "device_hash": b.device[:16] or None,
                "agent_hash": b.agent[:16] or None,
                "first_seen_at": b.first_seen.astimezone(UTC) if b.first_seen else None,
            }
        )
        choice_rows += [{"ballot_id": ballot_id, "item_id": items[p]} for p in set(b.picks)]
    db.session.execute(insert(Ballot), ballot_rows)
    db.session.execute(insert(BallotChoice), choice_rows)
    db.session.commit()


def _read_flags(forum_id, moment, label_of, result: Replay) -> None:
    """What the operator page lists now: active flags of the flagging tiers."""
    flags = db.session.execute(
        select(AnomalyFlag.members).where(
            AnomalyFlag.forum_id == forum_id,
            AnomalyFlag.active.is_(True),
            AnomalyFlag.tier.in_(FLAGGING_TIERS),
        )
    ).scalars()
    organic = set()
    for members in flags:
        ids = [int(m) for m in members.strip("[]").replace('"', "").split(",") if m.strip()]
        counts: dict[str, int] = {}
        for ballot_id in ids:
            label = label_of.get(ballot_id, "")
            counts[label] = counts.get(label, 0) + 1
            if label == "organic":
                organic.add(ballot_id)
        top = max(counts, key=counts.get, default="")
        name = top[5:] if top.startswith("bloc:") else None
        if name in result.flagged and result.flagged[name] is None:
            result.flagged[name] = moment
            result.precision[name] = counts[top] / len(ids)
    result.organic_flagged = max(result.organic_flagged, len(organic))
