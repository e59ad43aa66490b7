"""``flask privacy …``: the purge (for drills and tests; the worker calls ``purge.run``)."""

import sys
from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask import Flask
from flask.cli import AppGroup

from core.extensions import db
from deliberation.models import Forum
from privacy import purge

privacy_cli = AppGroup("privacy", help="Personal data: the purge and the inventory.")


def _refuse(message: str) -> None:
    """A one-line error and exit status 2; nothing has been changed."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(2)


def _as_of(text: str | None) -> datetime | None:
    """The end of the given day in Korea (the district's day), as the purge's moment."""
    if text is None:
        return None
    if current_app.config["APP_ENV"] == "production":
        _refuse("--as-of is for drills and tests; production purges as of now")
    try:
        day = datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        _refuse(f"--as-of {text!r} is not a date YYYY-MM-DD")
    seoul = ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
    return (day + timedelta(days=1)).replace(tzinfo=seoul) - timedelta(microseconds=1)


@privacy_cli.command("purge")
@click.option(
    "--as-of", "as_of", metavar="YYYY-MM-DD", help="Purge as at the end of that day (KST)."
)
@click.option("--forum", "forum_id", type=str, help="Only this forum (when it is due).")
def purge_command(as_of, forum_id):
    """Remove voter keys and review signals from the ballots of every forum whose
    objection period after publication has ended (idempotent; run daily)."""
    moment = _as_of(as_of)
    chosen = None
    if forum_id is not None:
        chosen = int(forum_id) if forum_id.isascii() and forum_id.isdigit() else None
        if chosen is None or chosen > 2**31 - 1 or db.session.get(Forum, chosen) is None:
            _refuse(f"no forum with id {forum_id}")
    done = purge.run(moment, chosen)
    for forum in done:
        click.echo(
            f"forum {forum.forum_id}: {forum.keys_removed} voter keys, "
            f"{forum.signals_removed} ballots' review signals removed, "
            f"{forum.kept_by_consent} kept linked by consent"
        )
    if not done:
        click.echo("nothing due")


@privacy_cli.command("inventory")
def inventory_command():
    """List each item of the retention schedule with how many are held now."""
    from privacy.inventory import inventory

    for held in inventory():
        click.echo(f"{held.key:<18} {held.count:>10}  {held.item}")


def init_app(app: Flask) -> None:
    app.cli.add_command(privacy_cli)
