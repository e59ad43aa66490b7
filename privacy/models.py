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
