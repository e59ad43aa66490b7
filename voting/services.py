"""Voting use cases: the ballot a resident sees, casting, receipts and results.

Each use case runs its queries here and commits at most once.
"""

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from functools import cache

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_
from sqlalchemy import bindparam
from sqlalchemy import cast as sql_cast
from sqlalchemy import column
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import Integer
from sqlalchemy import select
from sqlalchemy import String
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError

from auth.models import User
from auth.models import UserSession
from auth.services import consented_clause
from auth.services import live_session_clause
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
from voting import receipts
from voting import rules
from voting import signals
from voting.batching import Batcher
from voting.models import Ballot
from voting.models import BallotChoice
from voting.models import BallotExclusion
from voting.refusals import ballot_message


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
        valid = rules.validate_picks(picks, _options(forum), _ballot_rules(forum))
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


def _remember(forum: Forum) -> BallotDefinition | None:
    """Keep this process's copy of a voting forum's ballot, as just loaded."""
    if forum.phase != "voting":
        _definitions().pop(forum.id, None)
        return None
    found = BallotDefinition(
        forum_id=forum.id,
        revision=forum.revision,
        district_code=forum.district.code,
        options=_options(forum),
        rules=_ballot_rules(forum),
    )
    _definitions()[forum.id] = found
    return found


def _definition(forum_id: int) -> BallotDefinition | None:
    """This process's copy of a voting forum's ballot definition, loaded on first use.

    The copy is only a shortcut: casting inserts only while the forum's revision in the
    database is still the copy's, so a change made anywhere is never missed; the full
    checks, which load the forum anyway, refresh the copy.
    """
    found = _definitions().get(forum_id)
    if found is None:
        forum = forums.load_forum(forum_id)
        return None if forum is None else _remember(forum)
    return found


BALLOT_COLUMNS = (
    "voter_key",
    "receipt_code",
    "channel",
    "cast_at",
    "birth_year",
    "first_seen_at",
    "network_hash",
    "agent_hash",
    "device_hash",
)


def _ballot_values(given) -> list:
    """The values of a new ballot row (``forum_id`` and ``BALLOT_COLUMNS``) for a cast by
    session: the voter's columns from ``users``, the rest from ``given(name)``."""
    from_user = {"voter_key", "birth_year", "first_seen_at"}
    return [
        Forum.id,
        *(getattr(User, name) if name in from_user else given(name) for name in BALLOT_COLUMNS),
    ]


class SignedOut(DomainError):
    """The browser's session is not a live sign-in (never was, signed out, or expired)."""

    status = 401


def _open_forum_clause(forum_id=None, now=None, revision=None):
    """The forum row that may take a ballot now: in its voting phase, within its window
    (``cast_at`` from the injectable clock) and still at the revision the checks used.

    By default bound parameters ``forum_id``, ``cast_at`` and ``revision``; a statement
    casting many ballots passes its own expressions for them."""
    if forum_id is None:
        forum_id = bindparam("forum_id")
    if now is None:
        now = bindparam("cast_at", type_=Ballot.__table__.c.cast_at.type)
    if revision is None:
        revision = bindparam("revision")
    return and_(
        Forum.id == forum_id,
        Forum.phase == "voting",
        Forum.voting_starts_at <= now,
        Forum.voting_ends_at > now,
        Forum.revision == revision,
    )


@cache
def _insert_statements(dialect: str) -> dict:
    """The casting statements, built once per process and dialect (binds only).

    ``user`` takes the voter's columns (and ``voter_district``) as parameters;
    ``session`` reads them from the live session's user in the same statement. Both
    check that the voter lives in the forum's district (``rules.is_eligible`` in SQL:
    a missing district never equals). On PostgreSQL ``user`` also inserts the choices
    (``item_ids``), so a cast is one statement, and casts by session take ``batch``
    (see ``_batch_statement``) instead of ``session``; elsewhere ``choices`` follows
    the ballot.
    """
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as insert_ignoring
    else:
        from sqlalchemy.dialects.sqlite import insert as insert_ignoring
    table = Ballot.__table__
    choices = BallotChoice.__table__

    def param(name):
        return bindparam(name, type_=table.c[name].type)

    def ignoring_duplicates(source):
        ballot = (
            insert_ignoring(table)
            .from_select(["forum_id", *BALLOT_COLUMNS], source)
            .on_conflict_do_nothing(index_elements=["forum_id", "voter_key"])
            .returning(table.c.id)
        )
        if dialect != "postgresql":
            return ballot
        new = ballot.cte("new_ballot")
        picked = func.unnest(bindparam("item_ids", type_=postgresql.ARRAY(Integer)))
        return (
            insert(choices)
            .from_select(["ballot_id", "item_id"], select(new.c.id, picked))
            .returning(choices.c.ballot_id)
        )

    district = bindparam("district_code", type_=String)
    for_user = locking.casting(
        select(Forum.id, *(param(name) for name in BALLOT_COLUMNS)).where(
            _open_forum_clause(), bindparam("voter_district", type_=String) == district
        )
    )
    if dialect == "postgresql":
        return {"user": ignoring_duplicates(for_user), "batch": _batch_statement()}
    for_session = locking.casting(
        select(*_ballot_values(param))
        .select_from(UserSession)
        .join(User, User.id == UserSession.user_id)
        .join(Forum, _open_forum_clause())
        .where(live_session_clause(), consented_clause(), User.district_code == district)
    )
    return {
        "user": ignoring_duplicates(for_user),
        "session": ignoring_duplicates(for_session),
        "choices": insert(choices),
    }


# What each cast of a batch brings (PostgreSQL), as parallel arrays ``<name>_list``.
BATCH_FIELDS = {
    "forum_id": Integer,
    "revision": Integer,
    "district_code": String,
    "session_digest": String,
    "session_after": Ballot.__table__.c.cast_at.type,
    "consent_version": String,
    "receipt_code": String,
    "channel": String,
    "cast_at": Ballot.__table__.c.cast_at.type,
    "network_hash": String,
    "agent_hash": String,
    "device_hash": String,
    "item_ids": String,  # an array literal such as "{4,9,12}"
}


def _batch_statement():
    """The ``session`` casting statement for many casts at once (group commit).

    The same rules as one cast, each request row checked on its own: its session
    (``live_session_clause``), its voter's district, its forum's phase, window and
    revision (``_open_forum_clause``), one ballot per voter (``ON CONFLICT DO
    NOTHING``, also between two rows of the batch). Returns the receipt codes of the
    ballots stored, each with its choices.
    """
    from sqlalchemy.dialects.postgresql import insert as insert_ignoring

    table = Ballot.__table__
    rows = (
        func.unnest(
            *(
                bindparam(f"{name}_list", type_=postgresql.ARRAY(kind))
                for name, kind in BATCH_FIELDS.items()
            )
        )
        .table_valued(*(column(name, kind) for name, kind in BATCH_FIELDS.items()))
        .render_derived(name="cast_row")
    )
    request = select(*rows.c).cte("cast_request")
    source = locking.casting(
        select(*_ballot_values(lambda name: request.c[name]))
        .select_from(request)
        .join(UserSession, live_session_clause(request.c.session_digest, request.c.session_after))
        .join(
            User,
            and_(
                User.id == UserSession.user_id,
                User.district_code == request.c.district_code,
                consented_clause(request.c.consent_version),
            ),
        )
        .join(Forum, _open_forum_clause(request.c.forum_id, request.c.cast_at, request.c.revision))
    )
    new = (
        insert_ignoring(table)
        .from_select(["forum_id", *BALLOT_COLUMNS], source)
        .on_conflict_do_nothing(index_elements=["forum_id", "voter_key"])
        .returning(table.c.id, table.c.receipt_code)
        .cte("new_ballot")
    )
    picked = select(
        new.c.id, func.unnest(sql_cast(request.c.item_ids, postgresql.ARRAY(Integer)))
    ).join_from(new, request, request.c.receipt_code == new.c.receipt_code)
    choices = BallotChoice.__table__
    chosen = (
        insert(choices)
        .from_select(["ballot_id", "item_id"], picked)
        .returning(choices.c.ballot_id)
        .cte("new_choice")
    )
    return select(new.c.receipt_code).where(new.c.id.in_(select(chosen.c.ballot_id)))


def _write_batch(rows: list[dict]) -> set[str]:
    """Store a batch of casts with one statement, committed on its own; the receipt
    codes of those stored."""
    statement = _insert_statements("postgresql")["batch"]
    arrays = {f"{name}_list": [row[name] for row in rows] for name in BATCH_FIELDS}
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        return set(connection.execute(statement, arrays).scalars())


def _batcher() -> Batcher:
    """This process's group commit of casts, for the app in use."""
    found = current_app.extensions.get("cast_batcher")
    if found is None:
        found = current_app.extensions.setdefault(
            "cast_batcher", Batcher(_write_batch, key="receipt_code")
        )
    return found


def _insert_ballot(kind: str, params: dict, item_ids: list[int]) -> bool:
    """Insert a ballot and its choices in one transaction, if the forum allows it now.

    The inserting statement selects the forum row itself, so phase, window and revision
    are checked by the database in the same statement; a ballot already stored for the
    voter key makes it insert nothing. Returns whether the ballot was stored and
    committed.

    On PostgreSQL the ballot and its choices are one statement, which runs as its own
    transaction: it is committed, as durably as any commit, when the statement returns,
    in one round trip instead of BEGIN, the statement and COMMIT. Casts by session are
    written together with the others this process has in flight (``voting.batching``):
    one statement and one commit for all of them.
    """
    statements = _insert_statements(db.session.get_bind().dialect.name)
    if kind == "session" and "batch" in statements:  # written with the others in flight
        row = {name: params[name] for name in BATCH_FIELDS if name != "item_ids"}
        row["item_ids"] = "{" + ",".join(str(item_id) for item_id in item_ids) + "}"
        return _batcher().submit(row)
    if "choices" not in statements:
        params = params | {"item_ids": item_ids}
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            return connection.execute(statements[kind], params).first() is not None
    ballot_id = db.session.execute(statements[kind], params).scalar_one_or_none()
    if ballot_id is None:
        db.session.rollback()
        return False
    rows = [{"ballot_id": ballot_id, "item_id": item_id} for item_id in item_ids]
    db.session.execute(statements["choices"], rows)
    db.session.commit()
    return True


def _checked_picks(definition: BallotDefinition | None, picks: list[str]) -> list[int] | None:
    """The picks as item ids when this process's copy of the ballot accepts them."""
    if definition is None:
        return None
    try:
        return [
            int(pick) for pick in rules.validate_picks(picks, definition.options, definition.rules)
        ]
    except rules.BallotError:
        return None


def _fast_cast(
    forum_id: int, picks: list[str], channel: str, found: Signals | None, kind: str, voter: dict
) -> str | None:
    """Cast with one statement when this process's copy of the ballot accepts the picks.

    ``kind`` names the statement (``user`` or ``session``), ``voter`` its parameters for
    the voter. Returns the receipt code, or None when nothing was stored (a prior
    ballot, a closed window, a changed forum, another district, a dead session) or the
    picks need the full checks.
    """
    definition = _definition(forum_id)
    item_ids = _checked_picks(definition, picks)
    if item_ids is None:
        return None
    code = receipts.new_code()
    params = voter | {
        "forum_id": definition.forum_id,
        "revision": definition.revision,
        "district_code": definition.district_code,
        "receipt_code": code,
        "channel": channel,
        "cast_at": clock.now(),
        **_signal_columns(found),
    }
    return code if _insert_ballot(kind, params, item_ids) else None


def cast_signed_in(
    forum_id: int,
    token,
    picks: list[str],
    channel: str = "online",
    found: Signals | None = None,
    before_full_checks: Callable[[], None] | None = None,
) -> str:
    """Cast for the browser holding this session token; returns the receipt code.

    The common case is one statement: it checks the session (see
    ``auth.services.live_session_clause``), the voter's district, the forum's phase,
    window and revision, and inserts the ballot, so no separate query loads the user or
    the forum. Anything else (a prior ballot, a closed window, wrong picks, a changed
    forum, another district, no live session) goes through the full checks with the
    loaded user, which say why; ``before_full_checks`` runs first (the caller's rate
    limit on attempts that store nothing, which may refuse).
    """
    plausible = plausible_token(token)
    if plausible:
        code = _fast_cast(forum_id, picks, channel, found, "session", live_session_params(token))
        if code is not None:
            return code
    if before_full_checks is not None:
        before_full_checks()
    user = load_user(token) if plausible else None
    if user is None:
        raise SignedOut(_("Please sign in to continue."), code="signed_out")
    return _cast_checked(forum_id, user, picks, channel, found)


def cast(
    forum_id: int,
    user: User,
    picks: list[str],
    channel: str = "online",
    found: Signals | None = None,
) -> str:
    """Store one ballot for this identity and return its receipt code.

    One short transaction, committed before the receipt is shown: the ballot and its
    choices are inserted only while the forum is in its voting window (checked by the
    database in the inserting statement), and a second ballot for the same
    (forum, voter key) is refused by the unique constraint, whatever the concurrency,
    and answered with the existing receipt.

    The picks are checked against this process's copy of the forum's ballot; when the
    fast insert stores nothing (a prior ballot, a closed window, a changed forum) or the
    picks look wrong, the full checks run to say why, in their order.
    """
    hooks.require_participation(user)
    voter = {
        "voter_key": user.voter_key,
        "voter_district": user.district_code,
        "birth_year": user.birth_year,
        "first_seen_at": user.first_seen_at,
    }
    code = _fast_cast(forum_id, picks, channel, found, "user", voter)
    if code is not None:
        return code
    return _cast_checked(forum_id, user, picks, channel, found)


def _cast_checked(
    forum_id: int, user: User, picks: list[str], channel: str, found: Signals | None
) -> str:
    """Casting with every check run in order on a freshly loaded forum, each refusal
    explained; refreshes this process's copy of the ballot on the way."""
    view = ballot_view(forum_id, user, locking.CAST)
    _remember(view.forum)
    _require_can_vote(view)
    hooks.require_participation(user)
    items = _validate(view.forum, picks)
    extra = _signal_columns(found) | {"first_seen_at": user.first_seen_at}
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
