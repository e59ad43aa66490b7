"""Districts, forums, fields and agenda items."""

from datetime import datetime
from itertools import chain

from sqlalchemy import CheckConstraint
from sqlalchemy import event
from sqlalchemy import ForeignKey
from sqlalchemy import LargeBinary
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import true
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship
from sqlalchemy.orm import Session

from core.extensions import db

PHASES = ("draft", "proposals", "deliberation", "voting", "closed", "published")
ITEM_STATUSES = ("proposed", "approved", "withdrawn")


class District(db.Model):
    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_ko: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))

    forums: Mapped[list["Forum"]] = relationship(back_populates="district")


class Forum(db.Model):
    __tablename__ = "forums"
    __table_args__ = (
        CheckConstraint("envelope > 0", name="envelope_positive"),
        CheckConstraint("min_picks >= 1 AND max_picks >= min_picks", name="picks_range"),
        CheckConstraint("voting_ends_at > voting_starts_at", name="window_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"))
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # Optional English forms, shown on English pages when filled.
    title_en: Mapped[str] = mapped_column(String(200), default="", server_default="")
    description_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    phase: Mapped[str] = mapped_column(String(16), default="draft")
    voting_starts_at: Mapped[datetime]
    voting_ends_at: Mapped[datetime]
    min_picks: Mapped[int] = mapped_column(default=3)
    max_picks: Mapped[int] = mapped_column(default=3)
    # Optional cap on the summed cost of one ballot's picks (a budget-limited ballot).
    cost_cap: Mapped[int | None]
    envelope: Mapped[int]
    # Funding options: skip an item that does not fit and go on, or stop at the first
    # misfit; and a minimum number of votes below which an item is not funded.
    skip_misfits: Mapped[bool] = mapped_column(default=True)
    min_votes: Mapped[int] = mapped_column(default=0)
    currency: Mapped[str] = mapped_column(String(8), default="KRW")
    created_at: Mapped[datetime]
    # Raised whenever the forum, its fields or its items change (see _revise_forums): a
    # process may keep its own copy of the ballot's definition while this number holds.
    revision: Mapped[int] = mapped_column(default=0, server_default="0")
    # Publication needs a second team member's approval of one member's proposal, as a
    # council approves; off, one member publishes after a confirmation page.
    publication_needs_approval: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Deliberation is a required step before voting (공론・숙의 절차 필수화) unless the team
    # turns it off; the vote then opens only once the deliberation period has ended.
    deliberation_required: Mapped[bool] = mapped_column(default=True, server_default=true())
    deliberation_ends_at: Mapped[datetime | None]

    district: Mapped[District] = relationship(back_populates="forums")
    fields: Mapped[list["Field"]] = relationship(
        back_populates="forum", order_by="Field.position", cascade="all, delete-orphan"
    )
    items: Mapped[list["AgendaItem"]] = relationship(
        back_populates="forum", order_by="AgendaItem.position", cascade="all, delete-orphan"
    )


class Field(db.Model):
    __tablename__ = "fields"
    __table_args__ = (UniqueConstraint("forum_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    # Optional share of the forum envelope reserved for this field.
    envelope: Mapped[int | None]
    position: Mapped[int] = mapped_column(default=0)

    forum: Mapped[Forum] = relationship(back_populates="fields")
    items: Mapped[list["AgendaItem"]] = relationship(back_populates="field")


class AgendaItem(db.Model):
    __tablename__ = "agenda_items"
    __table_args__ = (
        UniqueConstraint("forum_id", "external_id"),
        CheckConstraint("cost > 0", name="cost_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id", ondelete="CASCADE"), index=True)
    field_id: Mapped[int | None] = mapped_column(ForeignKey("fields.id"))
    # Stable public id: the item number shown to residents, or a Pabulib project_id.
    external_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(500))
    summary: Mapped[str] = mapped_column(Text, default="")
    title_en: Mapped[str] = mapped_column(String(500), default="", server_default="")
    summary_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    proposer: Mapped[str] = mapped_column(String(200), default="")
    # Where the item would happen, a neighbourhood (동) as the team writes it.
    location: Mapped[str] = mapped_column(String(100), default="", server_default="")
    cost: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="approved")
    position: Mapped[int] = mapped_column(default=0)

    forum: Mapped[Forum] = relationship(back_populates="items")
    field: Mapped[Field | None] = relationship(back_populates="items")
    image: Mapped["ItemImage | None"] = relationship(
        back_populates="item", cascade="all, delete-orphan", passive_deletes=True
    )


class ItemImage(db.Model):
    """The team's picture of an agenda item, resized and re-encoded when uploaded.

    Stored in the database, beside the item it shows: app servers keep nothing on
    disk, so any instance serves it, and a backup of the database holds it too. The
    bytes are deferred: reading items never loads them.
    """

    __tablename__ = "item_images"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="CASCADE"), primary_key=True
    )
    media_type: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    width: Mapped[int]
    height: Mapped[int]
    # SHA-256 of the stored bytes: the image's version in its URL and its ETag.
    digest: Mapped[str] = mapped_column(String(64))
    # What the picture shows, read aloud by screen readers (the item's title if empty).
    alt: Mapped[str] = mapped_column(String(300), default="")
    uploaded_at: Mapped[datetime]

    item: Mapped[AgendaItem] = relationship(back_populates="image")


STANCES = ("support", "concern", "suggestion")


class Comment(db.Model):
    """A resident's comment on an agenda item; replies go one level deep."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    author_key: Mapped[str] = mapped_column(String(64), index=True)
    # Pseudonymous display name fixed at posting time; never the identity.
    author_name: Mapped[str] = mapped_column(String(40))
    stance: Mapped[str | None] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    hidden: Mapped[bool] = mapped_column(default=False)
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    hidden_at: Mapped[datetime | None]
    # The author's own changes: the last edit, and the deletion (the body is then
    # emptied; a deleted comment with replies shows as deleted, otherwise not at all).
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]

    item: Mapped[AgendaItem] = relationship()
    replies: Mapped[list["Comment"]] = relationship(order_by="Comment.id")


class CommentReport(db.Model):
    """A resident's report of a comment for the district team to review."""

    __tablename__ = "comment_reports"
    __table_args__ = (UniqueConstraint("comment_id", "reporter_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    reporter_key: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    resolved: Mapped[bool] = mapped_column(default=False)


@event.listens_for(Session, "before_flush")
def _revise_forums(session: Session, _context, _instances) -> None:
    """Every flush that changes a forum, a field or an agenda item raises its forum's revision.

    One place for the rule, whichever code makes the change (staff pages, the command
    line, an import): casting compares revisions inside its transaction.
    """
    forums: dict[int, Forum] = {}
    for instance in chain(session.dirty, session.new, session.deleted):
        if isinstance(instance, Forum):
            if instance in session.dirty and session.is_modified(
                instance, include_collections=False
            ):
                forums[id(instance)] = instance
        elif isinstance(instance, Field | AgendaItem):
            if instance in session.dirty and not session.is_modified(
                instance, include_collections=False
            ):
                continue
            forum = instance.forum
            if forum is None and instance.forum_id is not None:
                forum = session.get(Forum, instance.forum_id)
            if forum is not None and forum not in session.new:
                forums[id(forum)] = forum
    for forum in forums.values():
        if forum not in session.deleted:
            forum.revision = (forum.revision or 0) + 1
