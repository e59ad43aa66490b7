"""What the team's forms give the forum and item use cases, and how a forum or an item
records it: the values, how a forum's are checked against the forum rules, their
application and their audit snapshots."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from deliberation import rules
from deliberation.models import AgendaItem
from deliberation.models import Field
from deliberation.models import Forum
from deliberation.refusals import refuse


@dataclass
class ForumInput:
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    min_picks: int
    max_picks: int
    cost_cap: int | None
    envelope: int
    publication_needs_approval: bool = True
    deliberation_required: bool = True
    deliberation_ends_at: datetime | None = None
    # Optional English forms, shown on English pages when filled.
    title_en: str = ""
    description_en: str = ""


def current_settings(forum: Forum) -> ForumInput:
    """The forum's settings as they stand, to check a change to its fields against or to
    change one of them."""
    return ForumInput(
        title=forum.title,
        description=forum.description,
        starts_at=forum.voting_starts_at,
        ends_at=forum.voting_ends_at,
        min_picks=forum.min_picks,
        max_picks=forum.max_picks,
        cost_cap=forum.cost_cap,
        envelope=forum.envelope,
        publication_needs_approval=forum.publication_needs_approval,
        deliberation_required=forum.deliberation_required,
        deliberation_ends_at=forum.deliberation_ends_at,
        title_en=forum.title_en,
        description_en=forum.description_en,
    )


def forum_values(forum: Forum, moment: Callable[[datetime], object]) -> dict:
    """A forum's settings as plain values, each stored time given through ``moment``: ISO
    text for the audit snapshots, the Seoul wall-clock time for the settings form."""
    return {
        "title": forum.title,
        "title_en": forum.title_en,
        "description": forum.description,
        "description_en": forum.description_en,
        "voting_starts_at": moment(forum.voting_starts_at),
        "voting_ends_at": moment(forum.voting_ends_at),
        "min_picks": forum.min_picks,
        "max_picks": forum.max_picks,
        "cost_cap": forum.cost_cap,
        "envelope": forum.envelope,
        "publication_needs_approval": forum.publication_needs_approval,
        "deliberation_required": forum.deliberation_required,
        "deliberation_ends_at": (
            moment(forum.deliberation_ends_at) if forum.deliberation_ends_at else None
        ),
    }


def forum_snapshot(forum: Forum) -> dict:
    return {**forum_values(forum, datetime.isoformat), "phase": forum.phase}


def check_settings(values: ForumInput, field_envelopes: dict) -> None:
    """Refuse settings that break a forum rule (``rules.check_settings``), in words."""
    settings = rules.Settings(
        values.starts_at,
        values.ends_at,
        values.min_picks,
        values.max_picks,
        values.cost_cap,
        values.envelope,
        values.deliberation_ends_at,
    )
    try:
        rules.check_settings(settings, field_envelopes)
    except rules.RuleError as error:
        raise refuse(error) from None


def apply_settings(forum: Forum, values: ForumInput) -> None:
    forum.title = values.title
    forum.title_en = values.title_en
    forum.description = values.description
    forum.description_en = values.description_en
    forum.voting_starts_at = values.starts_at
    forum.voting_ends_at = values.ends_at
    forum.min_picks = values.min_picks
    forum.max_picks = values.max_picks
    forum.cost_cap = values.cost_cap
    forum.envelope = values.envelope
    forum.publication_needs_approval = values.publication_needs_approval
    forum.deliberation_required = values.deliberation_required
    forum.deliberation_ends_at = values.deliberation_ends_at


@dataclass
class ItemInput:
    external_id: str
    title: str
    summary: str
    proposer: str
    cost: int
    field_id: int | None
    status: str
    title_en: str = ""
    summary_en: str = ""
    # Where it would happen: a neighbourhood (동), as the team writes it; optional.
    location: str = ""


def item_snapshot(item: AgendaItem) -> dict:
    return {
        "external_id": item.external_id,
        "title": item.title,
        "title_en": item.title_en,
        "summary": item.summary,
        "summary_en": item.summary_en,
        "proposer": item.proposer,
        "location": item.location,
        "cost": item.cost,
        "field_id": item.field_id,
        "status": item.status,
    }


def apply_item(item: AgendaItem, values: ItemInput, field: Field | None) -> None:
    item.external_id = values.external_id
    item.title = values.title
    item.title_en = values.title_en
    item.summary = values.summary
    item.summary_en = values.summary_en
    item.proposer = values.proposer
    item.location = values.location
    item.cost = values.cost
    item.field = field
    item.status = values.status
