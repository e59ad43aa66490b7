"""Command-line interface of the core: the audit log."""

import click
from flask import Flask
from flask.cli import AppGroup

from core import audit

audit_cli = AppGroup("audit", help="The hash-chained audit log.")


@audit_cli.command("verify")
def verify_command():
    """Recompute the audit chain; exit 1 if any entry was changed, removed or reordered."""
    result = audit.verify()
    if result.ok:
        click.echo(f"Audit log intact: {result.entries} entries.")
        return
    click.echo(f"Audit log BROKEN at entry {result.broken_at}: {result.problem}.", err=True)
    raise SystemExit(1)


def init_app(app: Flask) -> None:
    app.cli.add_command(audit_cli)
