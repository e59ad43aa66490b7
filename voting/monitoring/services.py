"""Live turnout use cases for the district team: read the board, enter the population."""

from dataclasses import dataclass
from datetime import datetime
from datetime import UTC
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func
from sqlalchemy import select

from auth.models import User
from core import audit
from core import clock
from core.errors import DomainError
from core.extensions import db
from core.i18n import when
from deliberation import services as forums
from deliberation.models import Forum
from voting.counting import results
from voting.counting import turnout
from voting.models import Ballot
from voting.monitoring import rules
from voting.monitoring.models import EligiblePopulation
from voting.outreach import services as outreach


@dataclass
class Board:
    """The live turnout of a forum; every table has its cells under 5 hidden."""

    forum: Forum
    ballots: int
    by_hour: dict[str, int | str]
    age_bands: dict[str, int | str]
    channels: dict[str, int | str]
    by_tag: dict[str, int | str]
    untagged: int | str
    eligible: int | None
    share: float | None
    as_of: datetime

    def as_json(self) -> dict:
        return {
            "forum": self.forum.id,
            "ballots": self.ballots,
            "by_hour": self.by_hour,
            "age_bands": self.age_bands,
            "channels": self.channels,
            "by_tag": self.by_tag,
            "untagged": self.untagged,
            "eligible": self.eligible,
            "share": self.share,
            "as_of": self.as_of.isoformat(),
            "as_of_display": when(self.as_of),
        }


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("DISPLAY_TIMEZONE", "Asia/Seoul"))


def _open_forum(user: User, forum_id: int) -> Forum:
    """The forum for its own district team, once voting has opened (409 before)."""
    forum = forums.managed_forum(user, forum_id)
    if not rules.board_open(forum.phase):
        message = _("Turnout is counted once voting opens.")
        raise DomainError(message, status=409, code="not_voting")
    return forum


def _utc_hour():
    """The SQL expression of a ballot's UTC hour as text, ``YYYY-MM-DD HH``, per dialect
    (``cast_at`` is stored as naive UTC on both)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(Ballot.cast_at, "YYYY-MM-DD HH24")
    return func.strftime("%Y-%m-%d %H", Ballot.cast_at)


def hour_counts(forum_id: int) -> dict[datetime, int]:
    """Counted ballots per UTC hour (aware, on the hour), grouped by the database."""
    hour = _utc_hour().label("hour")
    query = select(hour, func.count()).where(results.counted(forum_id)).group_by(hour)
    return {
        datetime.strptime(text, "%Y-%m-%d %H").replace(tzinfo=UTC): count
        for text, count in db.session.execute(query).all()
    }


def board(user: User, forum_id: int) -> Board:
    """Ballots so far, by hour, age band, channel and outreach link, and their share of
    the eligible population the team entered."""
    forum = _open_forum(user, forum_id)
    hours = rules.hourly(hour_counts(forum.id), _zone())
    by_tag, untagged = outreach.by_link_name(forum.id)
    channels = results.channel_counts(forum.id)
    ballots = sum(channels.values())
    eligible = db.session.get(EligiblePopulation, forum.id)
    population = eligible.population if eligible else None
    return Board(
        forum=forum,
        ballots=ballots,
        by_hour=turnout.protect(hours) if hours else {},
        age_bands=turnout.protect(results.age_bands(forum)),
        channels=turnout.protect(channels),
        by_tag=by_tag,
        untagged=untagged,
        eligible=population,
        share=rules.share(ballots, population),
        as_of=clock.now(),
    )


def set_population(user: User, forum_id: int, population: int | None) -> EligiblePopulation:
    """The team enters (or corrects) the forum's eligible population; the audit log keeps it."""
    forum = forums.managed_forum(user, forum_id)
    if not rules.check_population(population):
        raise DomainError(
            _("Enter the eligible population as a whole number above zero."),
            status=422,
            code="population",
        )
    entry = db.session.get(EligiblePopulation, forum.id)
    before = {"population": entry.population} if entry else None
    if entry is None:
        entry = EligiblePopulation(forum_id=forum.id)
        db.session.add(entry)
    entry.population = population
    entry.entered_by = user.actor
    entry.entered_at = clock.now()
    audit.record(
        user.actor,
        "turnout.population",
        f"forum:{forum.id}",
        before=before,
        after={"population": population},
    )
    db.session.commit()
    return entry
