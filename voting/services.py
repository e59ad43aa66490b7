"""Voting use cases: the ballot a resident sees, casting, receipts and results.

Each use case runs its queries here and commits at most once.
"""

from dataclasses import dataclass

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from auth.models import User
from core import clock
from core.errors import DomainError
from core.extensions import db
from core.i18n import localized
from deliberation import services as forums
from deliberation.models import AgendaItem
from deliberation.models import Forum
from deliberation.phases import CLOSED
from deliberation.phases import results_visible
from deliberation.phases import UPCOMING
from voting import receipts
from voting import rules
from voting import tally
from voting.models import Ballot
from voting.models import BallotChoice


class BallotRefused(DomainError):
    """The picks or the moment do not make a valid ballot; nothing was stored."""


class AlreadyVoted(DomainError):
    """This identity has a ballot in this forum already."""

    status = 409

    def __init__(self, receipt_code: str):
        super().__init__(_("You have already voted in this forum."), code="already_voted")
        self.receipt_code = receipt_code


def _ballot_messages(error: rules.BallotError) -> str:
    params = error.params
    messages = {
        "duplicate": _("The same item was picked twice. Pick each item at most once."),
        "unknown_item": _("One of the picked items is not on this forum's ballot."),
        "withdrawn": _("One of the picked items has been withdrawn."),
        "not_on_ballot": _("One of the picked items is not on the ballot yet."),
        "too_few": _(
            "Pick at least %(min)d items (you picked %(count)d).",
            min=params.get("min", 0),
            count=params.get("count", 0),
        ),
        "too_many": _(
            "Pick at most %(max)d items (you picked %(count)d).",
            max=params.get("max", 0),
            count=params.get("count", 0),
        ),
        "over_cost_cap": _("The picked items cost more than this ballot allows."),
    }
    return messages.get(error.code, _("This ballot is not valid."))


@dataclass
class BallotView:
    forum: Forum
    state: str
    eligible: bool
    existing: Ballot | None


def _existing_ballot(forum_id: int, voter_key: str) -> Ballot | None:
    query = select(Ballot).where(Ballot.forum_id == forum_id, Ballot.voter_key == voter_key)
    return db.session.execute(query).scalar_one_or_none()


def ballot_view(forum_id: int, user: User) -> BallotView:
    forum = forums.get_forum(forum_id)
    return BallotView(
        forum=forum,
        state=forums.state_of(forum),
        eligible=rules.is_eligible(forum.district.code, user.district_code),
        existing=_existing_ballot(forum.id, user.voter_key),
    )


def _options(forum: Forum) -> dict[str, rules.Option]:
    return {str(item.id): rules.Option(item.cost, item.status) for item in forum.items}


def _ballot_rules(forum: Forum) -> rules.BallotRules:
    return rules.BallotRules(forum.min_picks, forum.max_picks, forum.cost_cap)


def _require_can_vote(view: BallotView) -> None:
    if view.existing is not None:
        raise AlreadyVoted(view.existing.receipt_code)
    if view.state == UPCOMING:
        raise BallotRefused(_("Voting has not opened yet."), status=403, code="not_open")
    if view.state == CLOSED:
        raise BallotRefused(_("Voting has closed."), status=403, code="closed")
    if not view.eligible:
        raise BallotRefused(
            _(
                "This forum is for residents of %(district)s only.",
                district=localized(view.forum.district.name_ko, view.forum.district.name_en),
            ),
            status=403,
            code="not_eligible",
        )


def _validate(forum: Forum, picks: list[str]) -> list[AgendaItem]:
    try:
        valid = rules.validate_picks(picks, _options(forum), _ballot_rules(forum))
    except rules.BallotError as error:
        raise BallotRefused(_ballot_messages(error), status=422, code=error.code) from None
    by_id = {str(item.id): item for item in forum.items}
    return [by_id[pick] for pick in valid]


def review(forum_id: int, user: User, picks: list[str]) -> tuple[BallotView, list[AgendaItem]]:
    """Check a choice before the resident confirms it; stores nothing."""
    view = ballot_view(forum_id, user)
    _require_can_vote(view)
    return view, _validate(view.forum, picks)


def cast(forum_id: int, user: User, picks: list[str], channel: str = "online") -> str:
    """Store one ballot for this identity and return its receipt code.

    One short transaction: the forum and window are read, the ballot and its choices
    inserted, and the commit is the moment of casting. A second ballot for the same
    (forum, voter key) is refused by the database's unique constraint, whatever the
    concurrency, and answered with the existing receipt.
    """
    view = ballot_view(forum_id, user)
    _require_can_vote(view)
    items = _validate(view.forum, picks)
    ballot = Ballot(
        forum_id=view.forum.id,
        voter_key=user.voter_key,
        receipt_code=receipts.new_code(),
        channel=channel,
        cast_at=clock.now(),
        birth_year=user.birth_year,
        choices=[BallotChoice(item_id=item.id) for item in items],
    )
    db.session.add(ballot)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = _existing_ballot(view.forum.id, user.voter_key)
        if existing is None:
            raise
        raise AlreadyVoted(existing.receipt_code) from None
    return ballot.receipt_code


def my_ballot(forum_id: int, user: User) -> tuple[Forum, Ballot | None, list[AgendaItem]]:
    forum = forums.get_forum(forum_id)
    ballot = _existing_ballot(forum.id, user.voter_key)
    if ballot is None:
        return forum, None, []
    chosen = {choice.item_id for choice in ballot.choices}
    return forum, ballot, [item for item in forum.items if item.id in chosen]


@dataclass
class ReceiptStatus:
    code: str
    found: bool
    counted: bool = False
    forum: Forum | None = None
    cast_at: object = None


def check_receipt(text: str) -> ReceiptStatus:
    """Whether a receipt code names a stored ballot that counts. Reveals no picks."""
    code = receipts.normalize(text)
    if len(code) != 20:
        raise DomainError(
            _("A receipt code has 20 letters and digits, like ABCD-EFGH-IJKL-MNOP-QRST."),
            code="bad_receipt",
        )
    query = select(Ballot).where(Ballot.receipt_code == code)
    ballot = db.session.execute(query).scalar_one_or_none()
    if ballot is None:
        return ReceiptStatus(code=code, found=False)
    forum = db.session.get(Forum, ballot.forum_id)
    return ReceiptStatus(code=code, found=True, counted=True, forum=forum, cast_at=ballot.cast_at)


# --- results -------------------------------------------------------------------------


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


def vote_counts(forum_id: int) -> tuple[int, dict[int, int]]:
    """Ballots cast in a forum and votes per item id, counted by the database."""
    ballots = db.session.execute(
        select(func.count()).select_from(Ballot).where(Ballot.forum_id == forum_id)
    ).scalar_one()
    query = (
        select(BallotChoice.item_id, func.count())
        .join(Ballot, Ballot.id == BallotChoice.ballot_id)
        .where(Ballot.forum_id == forum_id)
        .group_by(BallotChoice.item_id)
    )
    return ballots, dict(db.session.execute(query).all())


def compute_result(forum: Forum) -> Result:
    """Rank the forum's items by votes and fund them in rank order (greedy rule)."""
    ballots, counts = vote_counts(forum.id)
    on_ballot = [item for item in forum.items if item.status == "approved"]
    by_external = {item.external_id: item for item in on_ballot}
    tally_items = [
        tally.Item(
            id=item.external_id, cost=item.cost, field=item.field.name if item.field else None
        )
        for item in on_ballot
    ]
    ranked = tally.rank(
        {item.external_id: counts.get(item.id, 0) for item in on_ballot}, tally_items
    )
    field_envelopes = {f.name: f.envelope for f in forum.fields if f.envelope is not None}
    funding = tally.fund_greedy(
        ranked,
        forum.envelope,
        field_envelopes=field_envelopes,
        skip_misfits=forum.skip_misfits,
        min_votes=forum.min_votes,
    )
    rows = [ResultRow(row=row, item=by_external[row.item.id]) for row in funding.rows]
    return Result(forum=forum, ballots=ballots, funding=funding, rows=rows)


def public_result(forum_id: int) -> tuple[Forum, Result | None]:
    """The forum and its result once voting has closed (None while ballots can be cast)."""
    forum = forums.get_forum(forum_id)
    if not results_visible(forum.phase, forums.window_of(forum), clock.now()):
        return forum, None
    return forum, compute_result(forum)


def result_for_cli(forum_id: int) -> Result:
    """The result for operators at the command line, whatever the phase."""
    query = (
        select(Forum)
        .where(Forum.id == forum_id)
        .options(
            selectinload(Forum.items).selectinload(AgendaItem.field), selectinload(Forum.fields)
        )
    )
    forum = db.session.execute(query).scalar_one_or_none()
    if forum is None:
        abort(404)
    return compute_result(forum)
