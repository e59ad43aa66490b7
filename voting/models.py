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
    # Review signals, each a keyed hash (never the address, agent or cookie itself).
    network_hash: Mapped[str | None] = mapped_column(String(16))
    agent_hash: Mapped[str | None] = mapped_column(String(16))
    device_hash: Mapped[str | None] = mapped_column(String(16))
    # When this identity was first seen by the app (sign-in), for new-identity bursts.
    first_seen_at: Mapped[datetime | None]
    # The code of the forum's outreach link the resident arrived through: a tag of the
    # link (a 동 office, an organisation), never of a person.
    outreach_tag: Mapped[str | None] = mapped_column(String(16))

    choices: Mapped[list["BallotChoice"]] = relationship(
        back_populates="ballot", cascade="all, delete-orphan"
    )


OUTREACH_KINDS = ("dong_office", "organisation", "target_group", "other")
# Where the browser's session keeps the code of the outreach link it arrived through.
OUTREACH_SESSION_KEY = "outreach"


class OutreachLink(db.Model):
    """A named link (and its QR code) the district team hands out for a forum; ballots
    cast after arriving through it carry its ``code`` as their ``outreach_tag``."""

    __tablename__ = "outreach_links"
    __table_args__ = (UniqueConstraint("forum_id", "name", name="uq_outreach_links_forum_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20), default="other")
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]


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


FLAG_STATUSES = ("open", "pending_approval", "confirmed", "cleared")


class AnomalyFlag(db.Model):
    """A group of ballots that looks coordinated: a question for operators, not a verdict.

    ``key`` is stable across rescans, so a rescan updates the same flag.
    """

    __tablename__ = "anomaly_flags"
    __table_args__ = (UniqueConstraint("forum_id", "key", name="uq_anomaly_flags_forum_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(120))
    tier: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(20), default="open")
    size: Mapped[int]
    log10_p: Mapped[float]
    # The detector's evidence (JSON) and the members as ballot ids (JSON list).
    details: Mapped[str] = mapped_column(Text)
    members: Mapped[str] = mapped_column(Text)
    # Whether removing the members changes the funded set, and how (JSON).
    impact: Mapped[str] = mapped_column(Text, default="{}")
    changes_outcome: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    first_seen_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)
    approved_by: Mapped[str | None] = mapped_column(String(120))
    # When operators were told that this flag changes the funded set (e-mail and badge).
    alerted_at: Mapped[datetime | None]


class BallotExclusion(db.Model):
    """A ballot left out of the tally because an operator confirmed a flag, with the reason."""

    __tablename__ = "ballot_exclusions"

    ballot_id: Mapped[int] = mapped_column(
        ForeignKey("ballots.id", ondelete="CASCADE"), primary_key=True
    )
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    flag_id: Mapped[int] = mapped_column(
        ForeignKey("anomaly_flags.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class PublicationProposal(db.Model):
    """A team member's proposal to publish a forum under a rule, awaiting another's approval.

    At most one per forum; withdrawing or approving it removes it (the audit log keeps
    the history).
    """

    __tablename__ = "publication_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), unique=True)
    rule: Mapped[str] = mapped_column(String(32))
    proposed_by: Mapped[str] = mapped_column(String(120))
    proposed_at: Mapped[datetime]


class AnomalyScan(db.Model):
    """The latest bloc-voting scan of a forum: when it ran and which ballots it covered.

    ``high_water`` is the largest ballot id the scan covered and ``ballots`` how many
    ballots it covered; a scheduled scan with nothing new past them only moves
    ``checked_at``.
    """

    __tablename__ = "anomaly_scans"

    forum_id: Mapped[int] = mapped_column(
        ForeignKey("forums.id", ondelete="CASCADE"), primary_key=True
    )
    scanned_at: Mapped[datetime]
    checked_at: Mapped[datetime]
    ballots: Mapped[int]
    high_water: Mapped[int]
    flags: Mapped[int]
    new_flags: Mapped[int]
    seconds: Mapped[float]
