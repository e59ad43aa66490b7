"""Ballots and their choices. ``UNIQUE (forum_id, voter_key)`` is the one-ballot rule."""

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from core.extensions import db

CHANNELS = ("online", "assisted", "import")


class Ballot(db.Model):
    __tablename__ = "ballots"
    __table_args__ = (UniqueConstraint("forum_id", "voter_key", name="uq_ballots_forum_voter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"))
    voter_key: Mapped[str] = mapped_column(String(64))
    receipt_code: Mapped[str] = mapped_column(String(32), unique=True)
    channel: Mapped[str] = mapped_column(String(16), default="online")
    cast_at: Mapped[datetime]
    # Recorded at voting time for turnout by age band; never the exact birth date.
    birth_year: Mapped[int | None]

    choices: Mapped[list["BallotChoice"]] = relationship(
        back_populates="ballot", cascade="all, delete-orphan"
    )


class BallotChoice(db.Model):
    __tablename__ = "ballot_choices"

    ballot_id: Mapped[int] = mapped_column(
        ForeignKey("ballots.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_items.id"), primary_key=True, index=True
    )

    ballot: Mapped[Ballot] = relationship(back_populates="choices")


class ResultSnapshot(db.Model):
    """The published result of a forum: immutable, one per forum, hashed."""

    __tablename__ = "result_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), unique=True)
    rule: Mapped[str] = mapped_column(String(32))
    # Canonical JSON (sorted keys, no spaces); sha256 is over exactly these bytes.
    payload: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime]
    published_by: Mapped[str] = mapped_column(String(120))
