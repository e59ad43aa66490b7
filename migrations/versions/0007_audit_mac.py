"""audit entries authenticated with HMAC under AUDIT_KEY

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 11:40:00.000000

Entries written before this revision carry a plain SHA-256 chain, which anyone who can
write to the database can recompute. The upgrade checks that chain first and refuses
to go on if it is broken (nothing is signed over a tampered log); otherwise it signs
every entry once with the ``AUDIT_KEY`` of the upgrading process and appends an
``audit.sign_legacy`` entry naming how many entries were signed this way and the old
chain's last hash. From then on the old entries are as protected as new ones, but only
as trustworthy as the plain chain was at the upgrade.

"""
import hashlib
from datetime import datetime
from datetime import UTC

from alembic import op
import sqlalchemy as sa
from flask import current_app

from core.audit import canonical
from core.audit import entry_mac
from core.audit import GENESIS
from core.audit import key_id
from core.models import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

FIELDS = ("seq", "at", "actor", "action", "target", "before", "after", "reason")


def _entries(links):
    return sa.table(
        'audit_entries',
        sa.column('id', sa.Integer()),
        sa.column('seq', sa.Integer()),
        sa.column('at', UTCDateTime()),
        sa.column('actor', sa.String()),
        sa.column('action', sa.String()),
        sa.column('target', sa.String()),
        sa.column('before', sa.Text()),
        sa.column('after', sa.Text()),
        sa.column('reason', sa.Text()),
        *(sa.column(name, sa.String()) for name in links),
    )


def _fields(row, key=None):
    fields = {name: getattr(row, name) for name in FIELDS}
    fields["at"] = row.at.isoformat()
    if key is not None:
        fields["key_id"] = key_id(key)
    return fields


def _plain_hash(prev, row):
    return hashlib.sha256((prev + canonical(_fields(row))).encode()).hexdigest()


def _check_plain_chain(rows, head):
    """Stop the upgrade if the plain chain is already broken: never sign over it."""
    prev = GENESIS
    for n, row in enumerate(rows, start=1):
        if row.seq != n or row.prev_hash != prev or _plain_hash(prev, row) != row.hash:
            raise RuntimeError(
                f"audit log broken at entry {n} before signing; run `audit verify` on the "
                "previous release and investigate before upgrading"
            )
        prev = row.hash
    if head is not None and (head.seq != len(rows) or head.last_hash != prev):
        raise RuntimeError("audit log lost its newest entries before signing; investigate")
    return prev


def _read_legacy(bind):
    """The entries and head as the plain chain left them, after checking that chain."""
    old = _entries(("prev_hash", "hash"))
    rows = bind.execute(sa.select(old).order_by(old.c.seq)).all()
    heads = sa.table('audit_head', sa.column('id'), sa.column('seq'), sa.column('last_hash'))
    head = bind.execute(sa.select(heads).where(heads.c.id == 1)).one_or_none()
    return rows, head, _check_plain_chain(rows, head)


def _sign(bind, rows, key):
    """Each legacy entry's MAC under ``key``; returns the last one."""
    new = _entries(("key_id", "prev_mac", "mac"))
    prev = GENESIS
    for row in rows:
        mac = entry_mac(key, prev, _fields(row, key))
        bind.execute(
            new.update().where(new.c.id == row.id).values(key_id=key_id(key), prev_mac=prev, mac=mac)
        )
        prev = mac
    return prev


def _note_signing(bind, count, legacy_head, prev, key):
    """Append the entry that says how many entries were signed at the upgrade."""
    note = {
        "seq": count + 1,
        "at": datetime.now(UTC).replace(microsecond=0),
        "actor": "system:upgrade",
        "action": "audit.sign_legacy",
        "target": f"audit:1-{count}",
        "before": canonical({"legacy_head": legacy_head}),
        "after": canonical({"signed_entries": count, "key_id": key_id(key)}),
        "reason": None,
    }
    fields = dict(note, at=note["at"].isoformat(), key_id=key_id(key))
    mac = entry_mac(key, prev, fields)
    new = _entries(("key_id", "prev_mac", "mac"))
    bind.execute(new.insert().values(**note, key_id=key_id(key), prev_mac=prev, mac=mac))
    heads = sa.table('audit_head', sa.column('id'), sa.column('seq'), sa.column('last_mac'))
    values = {"seq": note["seq"], "last_mac": mac}
    if bind.execute(sa.select(heads.c.id).where(heads.c.id == 1)).first() is None:
        bind.execute(heads.insert().values(id=1, **values))
    else:
        bind.execute(heads.update().where(heads.c.id == 1).values(**values))


def upgrade():
    bind = op.get_bind()
    # Check the plain chain before any change, so a refused upgrade leaves nothing behind.
    rows, _, legacy_head = _read_legacy(bind)
    key = current_app.config["AUDIT_KEY"]
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key_id', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('prev_mac', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('mac', sa.String(length=64), nullable=True))
    prev = _sign(bind, rows, key)
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.alter_column('key_id', existing_type=sa.String(length=8), nullable=False)
        batch_op.alter_column('prev_mac', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('mac', existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('hash')
    with op.batch_alter_table('audit_head', schema=None) as batch_op:
        batch_op.alter_column('last_hash', new_column_name='last_mac',
                              existing_type=sa.String(length=64), existing_nullable=False)
    if rows:
        _note_signing(bind, len(rows), legacy_head, prev, key)


def downgrade():
    """Back to the plain SHA-256 chain, recomputed over the entries as they are now."""
    bind = op.get_bind()
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
    table = _entries(("prev_hash", "hash"))
    prev = GENESIS
    for row in bind.execute(sa.select(table).order_by(table.c.seq)).all():
        digest = _plain_hash(prev, row)
        bind.execute(table.update().where(table.c.id == row.id).values(prev_hash=prev, hash=digest))
        prev = digest
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_column('mac')
        batch_op.drop_column('prev_mac')
        batch_op.drop_column('key_id')
    with op.batch_alter_table('audit_head', schema=None) as batch_op:
        batch_op.alter_column('last_mac', new_column_name='last_hash',
                              existing_type=sa.String(length=64), existing_nullable=False)
    heads = sa.table('audit_head', sa.column('id'), sa.column('last_hash'))
    bind.execute(heads.update().where(heads.c.id == 1).values(last_hash=prev))
