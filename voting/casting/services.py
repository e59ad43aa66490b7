"""Voting use cases: the ballot a resident sees, casting, receipts and results.

Each use case runs its queries here and commits at most once.
"""

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from auth.models import User
from auth.services import live_session_params
from auth.services import load_user
from auth.services import plausible_token
from auth.services import Resident
from core import audit
from core import clock
from core import hooks
from core.errors import DomainError
from core.extensions import db
from core.i18n import localized
from deliberation import comments
from deliberation import locking
from deliberation import services as forums
from deliberation.models import AgendaItem
from deliberation.models import Forum
from deliberation.phases import CLOSED
from deliberation.phases import UPCOMING
from voting.casting import ballot_cache
from voting.casting import receipts
from voting.casting import rules
from voting.casting import signals
from voting.casting import statements
from voting.casting.refusals import ballot_message
from voting.models import Ballot
from voting.models import BallotChoice
from voting.models import BallotExclusion


class BallotRefused(DomainError):
    """The picks or the moment do not make a valid ballot; nothing was stored."""


class AlreadyVoted(DomainError):
    """This identity has a ballot in this forum already."""

    status = 409

    def __init__(self, receipt_code: str):
        super().__init__(_("You have already voted in this forum."), code="already_voted")
        self.receipt_code = receipt_code


@dataclass
class BallotView:
    forum: Forum
    state: str
    eligible: bool
    existing: Ballot | None
    residence_known: bool = True
    comment_counts: dict[int, int] = field(default_factory=dict)

    @property
    def not_eligible_text(self) -> str:
        return not_eligible_message(self)


def _existing_ballot(forum_id: int, voter_key: str) -> Ballot | None:
    query = select(Ballot).where(Ballot.forum_id == forum_id, Ballot.voter_key == voter_key)
    return db.session.execute(query).scalar_one_or_none()


def ballot_view(forum_id: int, user: User, lock: str | None = None) -> BallotView:
    """What casting needs to decide: the forum, the moment, eligibility, a prior ballot;
    ``lock`` as for ``deliberation.services.load_forum``."""
    forum = forums.get_forum(forum_id, lock)
    return BallotView(
        forum=forum,
        state=forums.state_of(forum),
        eligible=rules.is_eligible(forum.district.code, user.district_code),
        existing=_existing_ballot(forum.id, user.voter_key),
        residence_known=user.district_code is not None,
    )


def ballot_page(forum_id: int, user: User) -> BallotView:
    """The ballot page's view: as for casting, plus comment counts to read before choosing."""
    view = ballot_view(forum_id, user)
    view.comment_counts = comments.counts_by_item(view.forum.id)
    return view


def _require_can_vote(view: BallotView) -> None:
    if view.existing is not None:
        raise AlreadyVoted(view.existing.receipt_code)
    if view.state == UPCOMING:
        raise BallotRefused(_("Voting has not opened yet."), status=403, code="not_open")
    if view.state == CLOSED:
        raise BallotRefused(_("Voting has closed."), status=403, code="closed")
    if not view.eligible:
        raise BallotRefused(not_eligible_message(view), status=403, code="not_eligible")


def not_eligible_message(view: BallotView) -> str:
    """Why this resident cannot vote here: another district, or none known at all (their
    identity provider sent no residence we can read), which says what they can do."""
    district = localized(view.forum.district.name_ko, view.forum.district.name_en)
    if not view.residence_known:
        return _(
            "Your sign-in did not tell us where you live, so we cannot check that you "
            "live in %(district)s. Sign in with a way that confirms your address, or vote "
            "at a support point (주민센터) with your ID card.",
            district=district,
        )
    return _("This forum is for residents of %(district)s only.", district=district)


def _validate(forum: Forum, picks: list[str]) -> list[AgendaItem]:
    try:
        valid = rules.validate_picks(
            picks, ballot_cache.options(forum), ballot_cache.ballot_rules(forum)
        )
    except rules.BallotError as error:
        raise BallotRefused(ballot_message(error), status=422, code=error.code) from None
    by_id = {str(item.id): item for item in forum.items}
    return [by_id[pick] for pick in valid]


def review(forum_id: int, user: User, picks: list[str]) -> tuple[BallotView, list[AgendaItem]]:
    """Check a choice before the resident confirms it; stores nothing."""
    view = ballot_view(forum_id, user)
    _require_can_vote(view)
    return view, _validate(view.forum, picks)


@dataclass(frozen=True)
class Signals:
    """What the request tells about where a ballot came from, before reduction."""

    address: str | None = None
    user_agent: str | None = None
    device: str | None = None


def _signal_hash(kind: str, value: str) -> str | None:
    """A keyed hash of a reduced signal: comparable within the app, useless outside it."""
    if not value:
        return None
    pepper = current_app.config["VOTER_KEY_PEPPER"].encode()
    return hmac.new(pepper, f"signal|{kind}|{value}".encode(), hashlib.sha256).hexdigest()[:16]


def _signal_columns(found: Signals | None) -> dict:
    found = found or Signals()
    return {
        "network_hash": _signal_hash("network", signals.network_prefix(found.address)),
        "agent_hash": _signal_hash("agent", signals.agent_family(found.user_agent)),
        "device_hash": _signal_hash("device", (found.device or "")[:64]),
    }


class SignedOut(DomainError):
    """The browser's session is not a live sign-in (never was, signed out, or expired)."""

    status = 401


def _fast_cast(
    forum_id: int,
    picks: list[str],
    channel: str,
    found: Signals | None,
    session: dict,
    tag: str | None = None,
) -> str | None:
    """Cast with one statement when this process's copy of the ballot accepts the picks.

    ``session`` holds the statement's parameters for the voter's session. Returns the
    receipt code, or None when nothing was stored (a prior ballot, a closed window, a
    changed forum, another district, a dead session) or the picks need the full checks.
    """
    definition = ballot_cache.definition(forum_id)
    item_ids = ballot_cache.checked_picks(definition, picks)
    if item_ids is None:
        return None
    code = receipts.new_code()
    params = session | {
        "forum_id": definition.forum_id,
        "revision": definition.revision,
        "district_code": definition.district_code,
        "receipt_code": code,
        "channel": channel,
        "cast_at": clock.now(),
        "outreach_tag": tag,
        **_signal_columns(found),
    }
    return code if statements.insert_ballot(params, item_ids) else None


def cast_signed_in(
    forum_id: int,
    token,
    picks: list[str],
    channel: str = "online",
    found: Signals | None = None,
    before_full_checks: Callable[[], None] | None = None,
    outreach: object = None,
) -> str:
    """Cast for the browser holding this session token; returns the receipt code.

    ``outreach`` is what the browser's session holds of the outreach link it arrived
    through (``rules.outreach_tag``); the ballot keeps its code only when it names a link
    of this forum (``statements.forum_tag``).

    The common case is one statement: it checks the session (see
    ``auth.services.live_session_clause``), the voter's district, the forum's phase,
    window and revision, and inserts the ballot, so no separate query loads the user or
    the forum. Anything else (a prior ballot, a closed window, wrong picks, a changed
    forum, another district, no live session) goes through the full checks with the
    loaded user, which say why; ``before_full_checks`` runs first (the caller's rate
    limit on attempts that store nothing, which may refuse).
    """
    plausible = plausible_token(token)
    tag = rules.outreach_tag(outreach)
    if plausible:
        code = _fast_cast(forum_id, picks, channel, found, live_session_params(token), tag)
        if code is not None:
            return code
    if before_full_checks is not None:
        before_full_checks()
    user = load_user(token) if plausible else None
    if user is None:
        raise SignedOut(_("Please sign in to continue."), code="signed_out")
    return _cast_checked(forum_id, user, picks, channel, found, tag)


def _cast_checked(
    forum_id: int,
    user: User,
    picks: list[str],
    channel: str,
    found: Signals | None,
    tag: str | None = None,
) -> str:
    """Casting with every check run in order on a freshly loaded forum, each refusal
    explained; refreshes this process's copy of the ballot on the way."""
    view = ballot_view(forum_id, user, locking.CAST)
    ballot_cache.remember(view.forum)
    _require_can_vote(view)
    hooks.require_participation(user)
    items = _validate(view.forum, picks)
    if tag is not None:
        tag = db.session.scalar(select(statements.forum_tag(tag, view.forum.id)))
    extra = _signal_columns(found) | {"first_seen_at": user.first_seen_at, "outreach_tag": tag}
    return _store(view.forum, user.voter_key, items, channel, user.birth_year, extra=extra)


def _store(
    forum: Forum, voter_key: str, items, channel: str, birth_year, audit_entry=None, extra=None
) -> str:
    """Insert the ballot and its choices and commit; returns the receipt code.

    The code is kept before the commit, so nothing is read afterwards: a database lost
    right after a successful commit cannot turn a stored ballot into an error. A
    duplicate becomes AlreadyVoted.
    """
    code = receipts.new_code()
    ballot = Ballot(
        forum_id=forum.id,
        voter_key=voter_key,
        receipt_code=code,
        channel=channel,
        cast_at=clock.now(),
        birth_year=birth_year,
        choices=[BallotChoice(item_id=item.id) for item in items],
        **(extra or {}),
    )
    db.session.add(ballot)
    if audit_entry is not None:
        db.session.flush()
        audit_entry(ballot)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = _existing_ballot(forum.id, voter_key)
        if existing is None:
            raise
        raise AlreadyVoted(existing.receipt_code) from None
    return code


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
    excluded_reason: str | None = None


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
    exclusion = db.session.get(BallotExclusion, ballot.id)
    return ReceiptStatus(
        code=code,
        found=True,
        counted=exclusion is None,
        forum=forum,
        cast_at=ballot.cast_at,
        excluded_reason=exclusion.reason if exclusion else None,
    )


def forum_has_ballots(forum_id: int) -> bool:
    query = select(Ballot.id).where(Ballot.forum_id == forum_id).limit(1)
    return db.session.execute(query).first() is not None


# --- assisted ballots (support points) -------------------------------------------------


def cast_assisted(
    forum_id: int, staff: User, resident: Resident, picks: list[str], residence_checked: bool
) -> str:
    """A district-team member enters the ballot of a resident who verified with the
    identity provider on the support point's device.

    The voter key is the resident's own, derived from the provider's claims exactly as
    at an online sign-in (``auth.services.resident_from_claims``), so one ballot per
    person holds across both channels, in either order. Residence: the provider's, when
    it gave one; otherwise the staff member's check of the ID card in person
    (``residence_checked``). The audit log records who entered which ballot, never its
    picks.
    """
    forum = forums.managed_forum(staff, forum_id, locking.CAST)
    if resident.district_code is not None:
        eligible = rules.is_eligible(forum.district.code, resident.district_code)
    else:
        eligible = residence_checked
    view = BallotView(
        forum=forum,
        state=forums.state_of(forum),
        eligible=eligible,
        existing=_existing_ballot(forum.id, resident.voter_key),
        residence_known=resident.district_code is not None or residence_checked,
    )
    _require_can_vote(view)
    items = _validate(forum, picks)

    def record(ballot: Ballot) -> None:
        audit.record(
            staff.actor, "ballot.assisted", f"ballot:{ballot.id}", after={"forum": forum.id}
        )

    return _store(
        forum, resident.voter_key, items, "assisted", resident.birth_year, audit_entry=record
    )
