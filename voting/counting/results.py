"""Results counted from the database: votes, ballots and exclusions, a forum's result
under a rule, and the turnout figures; publishing them is ``voting.publishing.snapshots``."""

from collections import Counter
from dataclasses import dataclass

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import func
from sqlalchemy import select

from core.errors import DomainError
from core.extensions import db
from core.i18n import krw
from deliberation import services as forums
from deliberation.models import AgendaItem
from deliberation.models import Forum
from voting.counting import rulebook
from voting.counting import tally
from voting.counting import turnout
from voting.models import Ballot
from voting.models import BallotChoice
from voting.models import BallotExclusion
from voting.models import CHANNELS


def _rule_refusal(options: tally.Options) -> str:
    """Why a rule refused a forum's options, in the team's words.

    Equal shares funds each field on its envelope and the rest on what remains,
    so it needs the fields' envelopes within the forum's (settings keep them so).
    """
    total = sum((options.field_envelopes or {}).values())
    if total > options.envelope:
        return _(
            "The fields' envelopes add up to %(total)s, more than the forum's %(envelope)s.",
            total=krw(total),
            envelope=krw(options.envelope),
        )
    return _("This rule cannot be applied to this forum.")


@dataclass
class ResultRow:
    row: tally.Row
    item: AgendaItem


@dataclass
class Result:
    forum: Forum
    ballots: int
    funding: tally.Funding
    rows: list[ResultRow]
    rule: str = "greedy"

    @property
    def funded_rows(self) -> list[ResultRow]:
        return [r for r in self.rows if r.row.funded]

    def as_json(self) -> dict:
        return {
            "forum": self.forum.id,
            "envelope": self.forum.envelope,
            "rule": self.rule,
            "ballots": self.ballots,
            "items": [
                {
                    "rank": r.row.rank,
                    "id": r.item.external_id,
                    "title": r.item.title,
                    "cost": r.item.cost,
                    "votes": r.row.votes,
                    "funded": r.row.funded,
                }
                for r in self.rows
            ],
        }


def counted(forum_id: int, exclusions: bool = True):
    """The SQL condition for the ballots a forum's tally counts.

    Every ballot of the forum counts, except those excluded because an operator
    confirmed a flag on them (unless ``exclusions`` is False, for the comparison).
    """
    condition = Ballot.forum_id == forum_id
    if exclusions:
        excluded = select(BallotExclusion.ballot_id).where(BallotExclusion.forum_id == forum_id)
        condition = condition & Ballot.id.not_in(excluded)
    return condition


def excluded_count(forum_id: int) -> int:
    query = (
        select(func.count())
        .select_from(BallotExclusion)
        .where(BallotExclusion.forum_id == forum_id)
    )
    return db.session.execute(query).scalar_one()


def _excluded(forum_id: int):
    """The forum's ballots that confirmed exclusions leave out of its tally."""
    return (
        select(BallotExclusion.ballot_id)
        .join(Ballot, Ballot.id == BallotExclusion.ballot_id)
        .where(BallotExclusion.forum_id == forum_id, Ballot.forum_id == forum_id)
    )


def ballot_count(forum_id: int, exclusions: bool = True) -> int:
    """Ballots counted in a forum: all of its ballots less the (few) excluded ones."""
    ballots = db.session.execute(
        select(func.count()).select_from(Ballot).where(Ballot.forum_id == forum_id)
    ).scalar_one()
    if exclusions:
        excluded = _excluded(forum_id).subquery()
        ballots -= db.session.execute(select(func.count()).select_from(excluded)).scalar_one()
    return ballots


def vote_counts(forum_id: int, exclusions: bool = True) -> tuple[int, dict[int, int]]:
    """Ballots counted in a forum and votes per item id, counted by the database.

    A ballot only names items of its own forum (casting and imports check it), so an
    item's votes are its choices, counted on the ``item_id`` index alone (an
    index-only scan per item, no join to the ballots), less the choices of the
    forum's excluded ballots, which a second, small query counts. Items without
    votes are left out of the mapping.
    """
    ballots = ballot_count(forum_id, exclusions)
    choices = (
        select(func.count())
        .select_from(BallotChoice)
        .where(BallotChoice.item_id == AgendaItem.id)
        .correlate(AgendaItem)
        .scalar_subquery()
    )
    query = select(AgendaItem.id, choices).where(AgendaItem.forum_id == forum_id)
    counts: dict[int, int] = dict(db.session.execute(query).all())
    if exclusions:
        excluded = (
            select(BallotChoice.item_id, func.count())
            .where(BallotChoice.ballot_id.in_(_excluded(forum_id)))
            .group_by(BallotChoice.item_id)
        )
        for item_id, votes in db.session.execute(excluded):
            if item_id in counts:
                counts[item_id] -= votes
    return ballots, {item_id: votes for item_id, votes in counts.items() if votes}


def approval_profile(forum_id: int, external: dict[int, str], exclusions: bool = True) -> Counter:
    """Identical ballots grouped: approval set (external ids) -> number of ballots."""
    query = (
        select(BallotChoice.ballot_id, BallotChoice.item_id)
        .join(Ballot, Ballot.id == BallotChoice.ballot_id)
        .where(counted(forum_id, exclusions))
        .order_by(BallotChoice.ballot_id)
    )
    sets: dict[int, list[str]] = {}
    for ballot_id, item_id in db.session.execute(query):
        if item_id in external:
            sets.setdefault(ballot_id, []).append(external[item_id])
    profile = Counter(frozenset(picks) for picks in sets.values())
    # Ballots that approve nothing on the ballot still count as voters (equal shares).
    ballots = ballot_count(forum_id, exclusions)
    if ballots > len(sets):
        profile[frozenset()] = ballots - len(sets)
    return profile


def _options(forum: Forum) -> tally.Options:
    return tally.Options(
        envelope=forum.envelope,
        field_envelopes={f.name: f.envelope for f in forum.fields if f.envelope is not None},
        skip_misfits=forum.skip_misfits,
        min_votes=forum.min_votes,
    )


def tally_items(forum: Forum) -> list[tally.Item]:
    """The forum's approved items as the tally counts them: external id, cost, field."""
    return [
        tally.Item(id=i.external_id, cost=i.cost, field=i.field.name if i.field else None)
        for i in forum.items
        if i.status == "approved"
    ]


def fund_greedy(forum: Forum, items: list[tally.Item], votes: dict[str, int]) -> tally.Funding:
    """Greedy funding of ``votes`` (external item id -> votes) under the forum's options."""
    return rulebook.GREEDY.from_counts(votes, items, _options(forum))


def compute_result(forum: Forum, rule: str = rulebook.DEFAULT, exclusions: bool = True) -> Result:
    """Rank the forum's approved items by votes and fund them by the named rule.

    Confirmed exclusions are applied unless ``exclusions`` is False.
    """
    chosen = rulebook.RULES.get(rule)
    if chosen is None:
        raise DomainError(_("Unknown rule %(rule)s.", rule=rule), status=422, code="unknown_rule")
    ballots, counts = vote_counts(forum.id, exclusions)
    on_ballot = [item for item in forum.items if item.status == "approved"]
    by_external = {item.external_id: item for item in on_ballot}
    items = tally_items(forum)
    votes = {i.external_id: counts.get(i.id, 0) for i in on_ballot}
    external = {i.id: i.external_id for i in on_ballot}
    options = _options(forum)
    if chosen.ranks_by_votes:
        # The counts the database summed are enough: no ballot is loaded.
        funding = chosen.from_counts(votes, items, options)
    else:
        profile = approval_profile(forum.id, external, exclusions)
        try:
            funding = chosen.fund(tally.Election.from_ballots(profile, items), options)
        except ValueError:
            raise DomainError(_rule_refusal(options), status=422, code="rule") from None
    rows = [ResultRow(row=row, item=by_external[row.item.id]) for row in funding.rows]
    return Result(forum=forum, ballots=ballots, funding=funding, rows=rows, rule=rule)


def forum_with_items(forum_id: int) -> Forum:
    forum = forums.load_forum(forum_id)
    if forum is None:
        abort(404)
    return forum


def result_for_cli(forum_id: int, rule: str = rulebook.DEFAULT) -> Result:
    """The result for operators at the command line, whatever the phase."""
    return compute_result(forum_with_items(forum_id), rule)


# --- statistics ----------------------------------------------------------------------


def channel_counts(forum_id: int) -> dict[str, int]:
    """Counted ballots per channel, every channel present (0 when none)."""
    query = (
        select(Ballot.channel, func.count())
        .where(counted(forum_id))
        .group_by(Ballot.channel)
        .order_by(Ballot.channel)
    )
    return {**dict.fromkeys(CHANNELS, 0), **dict(db.session.execute(query).all())}


def age_bands(forum: Forum) -> dict[str, int]:
    query = (
        select(Ballot.birth_year, func.count()).where(counted(forum.id)).group_by(Ballot.birth_year)
    )
    per_year = dict(db.session.execute(query).all())
    return turnout.by_age_band(per_year, forum.voting_starts_at.year)
