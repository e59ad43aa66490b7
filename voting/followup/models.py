"""What became of the funded items: the team's dated status updates, and the residents'
end-of-cycle evaluation."""

from datetime import date
from datetime import datetime

from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import LargeBinary
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from core.extensions import db
from deliberation.models import AgendaItem


class FollowUpUpdate(db.Model):
    """One dated step of a funded item: planned, in progress, completed, or changed or
    cancelled with a reason; with a note and an optional photo (re-encoded JPEG)."""

    __tablename__ = "followup_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    dated: Mapped[date]
    note: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    photo: Mapped[bytes | None] = mapped_column(LargeBinary)
    author: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]

    item: Mapped[AgendaItem] = relationship()


class Evaluation(db.Model):
    """A resident's evaluation of a forum's completed items: one per person."""

    __tablename__ = "evaluations"
    __table_args__ = (UniqueConstraint("forum_id", "voter_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    voter_key: Mapped[str] = mapped_column(String(64))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]

    scores: Mapped[list["EvaluationScore"]] = relationship(cascade="all, delete-orphan")


class EvaluationScore(db.Model):
    """Satisfaction with one completed item, from 1 (very unsatisfied) to 5 (very satisfied)."""

    __tablename__ = "evaluation_scores"
    __table_args__ = (
        UniqueConstraint("evaluation_id", "item_id"),
        CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        ForeignKey("evaluations.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"))
    score: Mapped[int]
