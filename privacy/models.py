"""Consent as given: one row per time a resident agreed to a version of the texts."""

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from core.extensions import db


class ConsentRecord(db.Model):
    """A resident's consent to one version of the texts, with the optional items ticked.

    The user's current version is also kept on ``users.consent_version``, so casting
    checks it in the statement that stores the ballot, without another query.
    """

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    version: Mapped[str] = mapped_column(String(20))
    given_at: Mapped[datetime]
    # The optional items ticked, as a JSON list of their keys (the required ones always are).
    optional: Mapped[str] = mapped_column(Text, default="[]")


class StaffAccess(db.Model):
    """접속기록: a staff member viewed or downloaded personal data (flags, their evidence,
    turnout, assisted ballots, comments and proposals under moderation). Kept per the
    schedule's ``staff_access_log`` item; reviewed monthly with ``flask privacy access-log``."""

    __tablename__ = "staff_access"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    # "user:ID" as the audit log names staff, and the name their role was granted under.
    actor: Mapped[str] = mapped_column(String(120))
    actor_name: Mapped[str] = mapped_column(String(80), default="")
    # A keyed hash of the network prefix, never the address.
    network_hash: Mapped[str | None] = mapped_column(String(16))
    forum_id: Mapped[int | None]
    what: Mapped[str] = mapped_column(String(40))
    path: Mapped[str] = mapped_column(String(200))
