"""Residents' proposals for a forum's agenda and the supports they gather."""

from datetime import datetime

from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from core.extensions import db
from deliberation.models import AgendaItem
from deliberation.models import Field
from deliberation.models import Forum


class Proposal(db.Model):
    """An agenda item a resident (or a group named by them) proposes during the proposal
    period; the district team accepts, merges or rejects it with a public reason."""

    __tablename__ = "proposals"
    __table_args__ = (CheckConstraint("estimated_cost > 0", name="proposal_cost_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    field_id: Mapped[int | None] = mapped_column(ForeignKey("fields.id", ondelete="SET NULL"))
    proposer_key: Mapped[str] = mapped_column(String(64), index=True)
    # Pseudonymous display name fixed at submission, as for comments; never the identity.
    proposer_name: Mapped[str] = mapped_column(String(40))
    # A civic group the proposer names as the proposing body (optional).
    group_name: Mapped[str] = mapped_column(String(100), default="")
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    estimated_cost: Mapped[int]
    # The 동 where it would happen (optional).
    dong: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    # The public reason of the team's decision (required for a rejection or a merge).
    reason: Mapped[str] = mapped_column(Text, default="")
    # The agenda item it became (accepted) or was merged into (merged).
    item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_items.id", ondelete="SET NULL"))
    # Hidden by moderation: off the public list; the proposer still sees it and why.
    hidden: Mapped[bool] = mapped_column(default=False)
    # The team's reason for hiding it from the moderation queue, shown to the proposer.
    hidden_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]

    forum: Mapped[Forum] = relationship()
    field: Mapped[Field | None] = relationship()
    item: Mapped[AgendaItem | None] = relationship()


class ProposalSupport(db.Model):
    """One resident's support of one proposal: the pair is unique."""

    __tablename__ = "proposal_supports"
    __table_args__ = (UniqueConstraint("proposal_id", "supporter_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    supporter_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
