"""This process's copy of each voting forum's ballot: what checking picks needs, kept
so that the common cast loads nothing.

The copy is only a shortcut: casting inserts only while the forum's revision in the
database is still the copy's (``statements._open_forum_clause``), so a change made
anywhere is never missed; the full checks, which load the forum anyway, refresh it.
"""

from dataclasses import dataclass

from flask import current_app

from deliberation import services as forums
from deliberation.models import Forum
from voting.casting import rules


def options(forum: Forum) -> dict[str, rules.Option]:
    return {str(item.id): rules.Option(item.cost, item.status) for item in forum.items}


def ballot_rules(forum: Forum) -> rules.BallotRules:
    return rules.BallotRules(forum.min_picks, forum.max_picks, forum.cost_cap)


@dataclass(frozen=True)
class BallotDefinition:
    """What checking a ballot needs of a forum in its voting phase, as of one revision."""

    forum_id: int
    revision: int
    district_code: str
    options: dict[str, rules.Option]
    rules: rules.BallotRules


def _definitions() -> dict[int, BallotDefinition]:
    return current_app.extensions.setdefault("ballot_definitions", {})


def remember(forum: Forum) -> BallotDefinition | None:
    """Keep this process's copy of a voting forum's ballot, as just loaded."""
    if forum.phase != "voting":
        _definitions().pop(forum.id, None)
        return None
    found = BallotDefinition(
        forum_id=forum.id,
        revision=forum.revision,
        district_code=forum.district.code,
        options=options(forum),
        rules=ballot_rules(forum),
    )
    _definitions()[forum.id] = found
    return found


def definition(forum_id: int) -> BallotDefinition | None:
    """This process's copy of a voting forum's ballot definition, loaded on first use.
    """
    found = _definitions().get(forum_id)
    if found is None:
        forum = forums.load_forum(forum_id)
        return None if forum is None else remember(forum)
    return found


def checked_picks(definition: BallotDefinition | None, picks: list[str]) -> list[int] | None:
    """The picks as item ids when this process's copy of the ballot accepts them."""
    if definition is None:
        return None
    try:
        return [
            int(pick) for pick in rules.validate_picks(picks, definition.options, definition.rules)
        ]
    except rules.BallotError:
        return None
