"""The audit log: append-only, chained, authenticated, written in the same commit as the change.

Each entry's MAC is HMAC-SHA256, under ``AUDIT_KEY`` (from the environment; the database
never holds it), over the previous entry's MAC and the entry's canonical JSON. Editing,
removing or reordering an entry breaks the chain from there on, and someone who can
write to the database but lacks the key cannot compute a chain that verifies.

Removing the newest entries and rewinding the head leaves a shorter chain that is still
valid; anchors kept outside the table catch it. ``audit verify`` prints the head
(``SEQ:MAC``) for a team to keep and checks heads given back to it, and every published
result snapshot records the head at publication (``audit_anchors`` in
``app.extensions`` lists them; ``verify`` checks each is still in the chain).

Each entry names its key by id (:func:`key_id`), so an entry signed with a rotated or
foreign key is reported as such; ``AUDIT_PREVIOUS_KEYS`` are retired keys that
verification still accepts. Entries written before MACs existed were checked against
their plain SHA-256 chain and signed once, at the upgrade (migration 0007).

A one-row head table serialises writers: the row is updated first in the transaction,
which takes a row lock on PostgreSQL and the write lock on SQLite.
"""

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from datetime import UTC

from flask import current_app
from sqlalchemy import select
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from core import clock
from core import hooks
from core.extensions import db

GENESIS = "0" * 64


class AuditHead(db.Model):
    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    last_mac: Mapped[str] = mapped_column(String(64), default=GENESIS)


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(80), index=True)
    target: Mapped[str] = mapped_column(String(120), index=True)
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    key_id: Mapped[str] = mapped_column(String(8))
    prev_mac: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))


def canonical(value) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 kept, for hashing and storage."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def key_id(key: str) -> str:
    """A key's public name: the first 8 hex digits of its SHA-256."""
    return hashlib.sha256(key.encode()).hexdigest()[:8]


def entry_mac(key: str, prev_mac: str, fields: dict) -> str:
    """HMAC-SHA256 under ``key`` of the previous MAC followed by the canonical fields."""
    message = (prev_mac + canonical(fields)).encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def fields_of(entry) -> dict:
    """What an entry's MAC covers: everything but its own links."""
    return {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "target": entry.target,
        "before": entry.before,
        "after": entry.after,
        "reason": entry.reason,
        "key_id": entry.key_id,
    }


def _keys() -> dict[str, str]:
    """Key id -> key: the current ``AUDIT_KEY`` and the retired ones still accepted."""
    keys = {key_id(key): key for key in current_app.config.get("AUDIT_PREVIOUS_KEYS") or ()}
    current = current_app.config["AUDIT_KEY"]
    keys[key_id(current)] = current
    return keys


def record(
    actor: str,
    action: str,
    target: str,
    before=None,
    after=None,
    reason: str | None = None,
) -> AuditEntry:
    """Append an entry to the caller's transaction; the caller commits with its change."""
    bumped = db.session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + 1)
    )
    if bumped.rowcount == 0:
        # The first entry ever: writers that find no head at once all try to create it;
        # one does, the others wait for its commit and do nothing, then bump it in turn.
        _create_head()
        db.session.execute(
            update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + 1)
        )
    head = db.session.execute(
        select(AuditHead.seq, AuditHead.last_mac).where(AuditHead.id == 1)
    ).one()
    key = current_app.config["AUDIT_KEY"]
    entry = AuditEntry(
        seq=head.seq,
        at=clock.now().astimezone(UTC).replace(microsecond=0),
        actor=actor[:120],
        action=action,
        target=target[:120],
        before=None if before is None else canonical(before),
        after=None if after is None else canonical(after),
        reason=reason,
        key_id=key_id(key),
        prev_mac=head.last_mac,
    )
    entry.mac = entry_mac(key, entry.prev_mac, fields_of(entry))
    db.session.add(entry)
    db.session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_mac=entry.mac))
    return entry


def _create_head() -> None:
    """Insert the head row (sequence 0) unless it exists, without failing on a race."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(
        insert(AuditHead).values(id=1, seq=0, last_mac=GENESIS).on_conflict_do_nothing()
    )


def head() -> dict:
    """The chain's head as the table has it now, ``{"seq": n, "mac": hex}``, for anchoring."""
    row = db.session.execute(
        select(AuditHead.seq, AuditHead.last_mac).where(AuditHead.id == 1)
    ).one_or_none()
    if row is None:
        return {"seq": 0, "mac": GENESIS}
    return {"seq": row.seq, "mac": row.last_mac}


@dataclass(frozen=True)
class Anchor:
    """A head kept outside the table: entry ``seq`` had MAC ``mac`` (seq 0: the empty chain)."""

    seq: int
    mac: str
    source: str


@dataclass
class Verification:
    ok: bool
    entries: int
    broken_at: int | None = None
    problem: str = ""
    # A short code for the problem, for pages to explain it in their own language.
    code: str = ""
    head_seq: int = 0
    head_mac: str = GENESIS

    @property
    def head(self) -> str:
        return f"{self.head_seq}:{self.head_mac}"


def published_anchors() -> list[Anchor]:
    """Heads recorded outside the table by higher packages (published snapshots)."""
    return list(hooks.ask(hooks.AUDIT_ANCHORS)())


def _entry_problem(entry: AuditEntry, prev: str, keys: dict[str, str]) -> tuple[str, str] | None:
    """Why an entry does not verify after ``prev``, as (code, text), or None."""
    if entry.prev_mac != prev:
        return "order", "does not follow the previous entry"
    key = keys.get(entry.key_id)
    if key is None:
        return "other_key", f"signed with another key (id {entry.key_id}), not AUDIT_KEY"
    if not hmac.compare_digest(entry_mac(key, prev, fields_of(entry)), entry.mac):
        return "changed", "its content was changed (its MAC does not match)"
    return None


def verify(expected: Iterable[Anchor] = ()) -> Verification:
    """Walk the chain in order, check every MAC, then every anchor.

    Anchors are the heads given (``expected``) and those of published snapshots: each
    must name an entry still in the chain with the same MAC.
    """
    anchors = list(expected) + published_anchors()
    keys = _keys()
    prev, count, seen = GENESIS, 0, {0: GENESIS}
    wanted = {anchor.seq for anchor in anchors}
    query = select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=1000)
    for entry in db.session.execute(query).scalars():
        count += 1
        if entry.seq != count:
            return Verification(False, count, entry.seq, f"entry {count} is missing", "missing")
        problem = _entry_problem(entry, prev, keys)
        if problem:
            return Verification(False, count, entry.seq, problem[1], problem[0])
        prev = entry.mac
        if entry.seq in wanted:
            seen[entry.seq] = entry.mac
    table = db.session.get(AuditHead, 1)
    if table is not None and (table.seq != count or table.last_mac != prev):
        return Verification(False, count, count, "entries after it were removed", "removed")
    for anchor in anchors:
        if anchor.seq > count:
            text = f"entries after it were removed ({anchor.source} names entry {anchor.seq})"
            return Verification(False, count, count, text, "removed")
        if seen.get(anchor.seq) != anchor.mac:
            text = f"it differs from {anchor.source}"
            return Verification(False, count, anchor.seq, text, "anchor")
    return Verification(True, count, head_seq=count, head_mac=prev)


def latest(limit: int = 200) -> list[AuditEntry]:
    """The most recent entries, newest first."""
    query = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
    return list(db.session.execute(query).scalars())
