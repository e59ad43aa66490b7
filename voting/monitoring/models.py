"""What the team enters for the live turnout board."""

from datetime import datetime

from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from core.extensions import db


class EligiblePopulation(db.Model):
    """The number of residents eligible to vote in a forum, as the team entered it (from
    the district's resident registration statistics), for turnout as a share."""

    __tablename__ = "eligible_populations"
    __table_args__ = (CheckConstraint("population > 0", name="population_positive"),)

    forum_id: Mapped[int] = mapped_column(
        ForeignKey("forums.id", ondelete="CASCADE"), primary_key=True
    )
    population: Mapped[int]
    entered_by: Mapped[str] = mapped_column(String(120))
    entered_at: Mapped[datetime]
