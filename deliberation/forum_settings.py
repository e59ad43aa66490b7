"""A forum's settings as the team enters them: the input of the forum use cases, how it
is checked against the forum rules, applied to a forum and recorded in the audit log."""

from dataclasses import dataclass
from datetime import datetime

from deliberation import rules
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


def settings_of(forum: Forum) -> ForumInput:
    """The forum's settings as they stand, to check a change to its fields against or to
    change one of them."""
    return ForumInput(
        forum.title,
        forum.description,
        forum.voting_starts_at,
        forum.voting_ends_at,
        forum.min_picks,
        forum.max_picks,
        forum.cost_cap,
        forum.envelope,
        forum.publication_needs_approval,
        forum.deliberation_required,
        forum.deliberation_ends_at,
    )


def snapshot(forum: Forum) -> dict:
    return {
        "title": forum.title,
        "description": forum.description,
        "phase": forum.phase,
        "voting_starts_at": forum.voting_starts_at.isoformat(),
        "voting_ends_at": forum.voting_ends_at.isoformat(),
        "min_picks": forum.min_picks,
        "max_picks": forum.max_picks,
        "cost_cap": forum.cost_cap,
        "envelope": forum.envelope,
        "publication_needs_approval": forum.publication_needs_approval,
        "deliberation_required": forum.deliberation_required,
        "deliberation_ends_at": (
            forum.deliberation_ends_at.isoformat() if forum.deliberation_ends_at else None
        ),
    }


def check_settings(values: ForumInput, field_envelopes: dict) -> None:
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
    forum.description = values.description
    forum.voting_starts_at = values.starts_at
    forum.voting_ends_at = values.ends_at
    forum.min_picks = values.min_picks
    forum.max_picks = values.max_picks
    forum.cost_cap = values.cost_cap
    forum.envelope = values.envelope
    forum.publication_needs_approval = values.publication_needs_approval
    forum.deliberation_required = values.deliberation_required
    forum.deliberation_ends_at = values.deliberation_ends_at
