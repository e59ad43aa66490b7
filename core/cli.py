"""Command-line interface of the core: the audit log and the background worker."""

import re

import click
from flask import current_app
from flask import Flask
from flask.cli import AppGroup
from flask.cli import with_appcontext

from core import audit

audit_cli = AppGroup("audit", help="The authenticated, chained audit log.")
HEAD = re.compile(r"(\d{1,12}):([0-9a-f]{64})")


def _heads(ctx, param, values) -> list[audit.Anchor]:
    anchors = []
    for value in values:
        match = HEAD.fullmatch(value.strip().lower())
        if match is None:
            raise click.BadParameter(f"{value!r} is not SEQ:MAC (a number, a colon, 64 hex digits)")
        anchors.append(audit.Anchor(int(match[1]), match[2], "the head given with --expect-head"))
    return anchors


@audit_cli.command("verify")
@click.option(
    "--expect-head",
    "expected",
    multiple=True,
    metavar="SEQ:MAC",
    callback=_heads,
    help="A head printed by an earlier verify; fail unless it is still in the chain.",
)
def verify_command(expected):
    """Check every entry's MAC and every kept head; exit 1 if any entry was changed, removed
    or reordered. Published snapshots' heads are checked too. Prints the head to keep."""
    result = audit.verify(expected)
    if result.ok:
        click.echo(f"Audit log intact: {result.entries} entries.")
        click.echo(f"Head: {result.head}")
        return
    click.echo(f"Audit log BROKEN at entry {result.broken_at}: {result.problem}.", err=True)
    raise SystemExit(1)


@click.command("worker")
@click.option("--once", is_flag=True, help="Run every interval job once, then exit.")
@with_appcontext
def worker_command(once):
    """Run the background jobs: bloc-voting scans every few minutes, daily jobs at night."""
    from core import jobs

    app = current_app._get_current_object()
    if once:
        for name in jobs.INTERVAL_JOBS:
            jobs.run_interval_job(app, name)
        return
    click.echo(f"Worker started: {', '.join([*jobs.INTERVAL_JOBS, *jobs.DAILY_JOBS])}")
    try:
        jobs.scheduler(app).start()
    except (KeyboardInterrupt, SystemExit):
        pass


def init_app(app: Flask) -> None:
    app.cli.add_command(audit_cli)
    app.cli.add_command(worker_command)
