"""The casting statements: a ballot inserted by the statement that checks it may be.

Each statement selects the forum row itself (``_open_forum_clause``: phase, window,
revision) and the live session's user (``auth.services.live_session_clause``), checks
that the voter lives in the forum's district (``rules.is_eligible`` in SQL: a missing
district never equals) and inserts nothing for a voter key that has a ballot already.
On PostgreSQL concurrent casts of one process go to the database together (group
commit, ``voting.casting.batching``): one statement and one commit for all of them.
"""

from functools import cache

from flask import current_app
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

from auth.models import User
from auth.models import UserSession
from auth.services import consented_clause
from auth.services import live_session_clause
from core.extensions import db
from deliberation import locking
from deliberation.models import Forum
from voting.casting.batching import Batcher
from voting.models import Ballot
from voting.models import BallotChoice
from voting.models import OutreachLink

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
    "outreach_tag",
)


def forum_tag(given_tag, forum_id=Forum.id):
    """The outreach tag as stored: the given code when it names a link of the forum being
    cast in, else NULL (a link of another forum, a removed one, or none). Inside a
    casting statement the forum is the statement's own row; the full checks pass its id."""
    return (
        select(OutreachLink.code)
        .where(OutreachLink.code == given_tag, OutreachLink.forum_id == forum_id)
        .correlate(Forum)
        .scalar_subquery()
    )


def _ballot_values(given) -> list:
    """The values of a new ballot row (``forum_id`` and ``BALLOT_COLUMNS``) for a cast by
    session: the voter's columns from ``users``, the outreach tag checked against the
    forum's links (``forum_tag``), the rest from ``given(name)``."""
    from_user = {"voter_key", "birth_year", "first_seen_at"}

    def value(name):
        if name in from_user:
            return getattr(User, name)
        if name == "outreach_tag":
            return forum_tag(given(name))
        return given(name)

    return [Forum.id, *(value(name) for name in BALLOT_COLUMNS)]


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
def _statements(dialect: str) -> dict:
    """The casting statements, built once per process and dialect (binds only).

    On PostgreSQL a cast is a row of ``batch`` (see ``_batch_statement``), which also
    inserts the choices. Elsewhere ``session`` inserts the ballot, reading the voter's
    columns from the live session's user, and ``choices`` follows it.
    """
    if dialect == "postgresql":
        return {"batch": _batch_statement()}
    from sqlalchemy.dialects.sqlite import insert as insert_ignoring

    table = Ballot.__table__

    def param(name):
        return bindparam(name, type_=table.c[name].type)

    source = locking.casting(
        select(*_ballot_values(param))
        .select_from(UserSession)
        .join(User, User.id == UserSession.user_id)
        .join(Forum, _open_forum_clause())
        .where(
            live_session_clause(),
            consented_clause(),
            User.district_code == bindparam("district_code", type_=String),
        )
    )
    ballot = (
        insert_ignoring(table)
        .from_select(["forum_id", *BALLOT_COLUMNS], source)
        .on_conflict_do_nothing(index_elements=["forum_id", "voter_key"])
        .returning(table.c.id)
    )
    return {"session": ballot, "choices": insert(BallotChoice.__table__)}


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
    "outreach_tag": String,  # NULL when the resident came through no outreach link
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


# Fields a cast may leave out (None).
OPTIONAL = {"outreach_tag"}


def write_batch(rows: list[dict]) -> set[str]:
    """Store a batch of casts with one statement, committed on its own; the receipt
    codes of those stored."""
    statement = _statements("postgresql")["batch"]
    arrays = {
        f"{name}_list": [row.get(name) if name in OPTIONAL else row[name] for row in rows]
        for name in BATCH_FIELDS
    }
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        return set(connection.execute(statement, arrays).scalars())


def _batcher() -> Batcher:
    """This process's group commit of casts, for the app in use."""
    found = current_app.extensions.get("cast_batcher")
    if found is None:
        found = current_app.extensions.setdefault(
            "cast_batcher", Batcher(write_batch, key="receipt_code")
        )
    return found


def insert_ballot(params: dict, item_ids: list[int]) -> bool:
    """Insert a ballot and its choices in one transaction, if the forum allows it now.

    ``params`` name the forum (``forum_id``, ``revision``, ``district_code``), the session
    (``live_session_params``) and the ballot's own columns. The inserting statement
    selects the forum row and the session's user itself, so every rule is checked by the
    database in the same statement; a ballot already stored for the voter key makes it
    insert nothing. Returns whether the ballot was stored and committed.

    On PostgreSQL the ballot and its choices are one statement, run as its own
    transaction with the other casts this process has in flight: committed, as durably
    as any commit, when the statement returns.
    """
    statements = _statements(db.session.get_bind().dialect.name)
    params = {"outreach_tag": None} | params
    if "batch" in statements:
        row = {name: params[name] for name in BATCH_FIELDS if name != "item_ids"}
        row["item_ids"] = "{" + ",".join(str(item_id) for item_id in item_ids) + "}"
        return _batcher().submit(row)
    ballot_id = db.session.execute(statements["session"], params).scalar_one_or_none()
    if ballot_id is None:
        db.session.rollback()
        return False
    rows = [{"ballot_id": ballot_id, "item_id": item_id} for item_id in item_ids]
    db.session.execute(statements["choices"], rows)
    db.session.commit()
    return True
