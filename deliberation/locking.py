"""Forum changes and casts take turns on the forum's row.

Two rules are checked on a forum as it stands and then relied on: no phase goes back
once a ballot exists, and a forum's settings, fields and items freeze once voting
starts (``deliberation.rules``). A check and what it allows therefore happen with the
forum's row locked, so that no cast and no other change comes between them:

- every use case that changes a forum (its phase, settings, fields or items) loads it
  locked for ``CHANGE`` before checking anything, and holds the lock to its commit;
- every cast locks the row for ``CAST`` in the statement that inserts the ballot
  (``casting``), whose phase, window and revision conditions are evaluated on the
  locked row, or, through the full checks, when it loads the forum to check it.

PostgreSQL (READ COMMITTED): ``CHANGE`` is ``FOR NO KEY UPDATE`` and ``CAST`` is ``FOR
SHARE``; they conflict, so one waits for the other's commit. A cast that waited for a
change has its conditions evaluated again on the changed row and stores nothing if the
forum left voting or changed; a change that waited for a cast sees its ballot, since
every later statement reads what was committed before it started. ``FOR KEY SHARE``,
which the ballot's foreign key takes anyway, would not do: it lets the row's other
columns change meanwhile. ``NO KEY`` lets rows that merely refer to the forum (flags,
exclusions) be inserted during a change. Casts do not wait for one another: share
locks do not conflict, and a cast is still one statement.

SQLite has one writer at a time, holding the database's write lock from its first write
to its commit; a casting statement takes it before reading the forum. A change, or a
cast through the full checks, reads the forum before it writes, so it takes the write
lock first by writing the forum's row unchanged; no other write comes in before its
commit. (Without that write its reads would not even be in its transaction: the
driver opens one only at the first write.)
"""

from sqlalchemy import Select
from sqlalchemy import update

from core.extensions import db
from deliberation.models import Forum

CHANGE = "change"
CAST = "cast"


def locked(query: Select, forum_id: int, purpose: str) -> Select:
    """``query``, which loads forum ``forum_id``, locking its row for ``purpose`` (``CHANGE``
    or ``CAST``) until the commit and refreshing what the session already held of it.

    On SQLite the database's write lock is taken here, before the query runs."""
    if db.session.get_bind().dialect.name == "sqlite":
        table = Forum.__table__
        db.session.execute(
            update(table).where(table.c.id == forum_id).values(revision=table.c.revision)
        )
    mode = {"key_share": True} if purpose == CHANGE else {"read": True}
    return query.with_for_update(of=Forum, **mode).execution_options(populate_existing=True)


def casting(query: Select) -> Select:
    """A casting statement's select of the forum row, locking it ``FOR SHARE`` until the
    statement commits (nothing on SQLite, where the statement holds the write lock)."""
    return query.with_for_update(of=Forum, read=True)
