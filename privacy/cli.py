"""``flask privacy …``: the purge (for drills and tests; the worker calls ``purge.run``)."""

import sys
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask import Flask
from flask.cli import AppGroup

from core.extensions import db
from deliberation.models import Forum
from privacy import purge

privacy_cli = AppGroup(
    "privacy", help="Personal data: the purge, the inventory and the staff access log."
)


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


def _month(text: str) -> tuple[datetime, datetime]:
    """The month YYYY-MM in Korea, as UTC bounds."""
    try:
        first = datetime.strptime(text, "%Y-%m")
    except ValueError:
        _refuse(f"--month {text!r} is not a month YYYY-MM")
    following = (first + timedelta(days=32)).replace(day=1)
    seoul = ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
    return first.replace(tzinfo=seoul), following.replace(tzinfo=seoul)


@privacy_cli.command("access-log")
@click.option("--month", "month", required=True, metavar="YYYY-MM", help="The month to review.")
def access_log_command(month):
    """Print a month of the staff access log (접속기록) for its monthly review: each
    entry (KST), then how many views each staff member made."""
    from privacy import access_log

    start, end = _month(month)
    entries = access_log.month(start, end)
    seoul = start.tzinfo
    counts: dict[str, int] = {}
    for entry in entries:
        at = entry.at.replace(tzinfo=entry.at.tzinfo or UTC).astimezone(seoul)
        who = f"{entry.actor} {entry.actor_name}".strip()
        counts[who] = counts.get(who, 0) + 1
        forum = entry.forum_id if entry.forum_id is not None else "-"
        click.echo(
            f"{at:%Y-%m-%d %H:%M} KST  {who}  forum {forum}  {entry.what}  "
            f"{entry.path}  network {entry.network_hash or '-'}"
        )
    click.echo(f"{len(entries)} entries in {month}")
    for who, count in sorted(counts.items()):
        click.echo(f"  {who}: {count}")


def init_app(app: Flask) -> None:
    app.cli.add_command(privacy_cli)
