"""Command-line interface: Pabulib import, results and publication."""

import json

import click
from flask import Flask
from flask.cli import AppGroup
from werkzeug.exceptions import NotFound

from core.errors import DomainError
from voting.counting import imports
from voting.counting import pabulib
from voting.counting import results
from voting.counting import rulebook

RULE_OPTION = click.option(
    "--rule", type=click.Choice(list(rulebook.RULES)), default=rulebook.DEFAULT, show_default=True
)

forum_cli = AppGroup("forum", help="Forums: import elections and print results.")


@forum_cli.command("import-pb")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_pb_command(path):
    """Create a forum with its items and ballots from a Pabulib .pb file; print its id."""
    try:
        forum_id = imports.import_pb(path)
    except pabulib.PbError as error:
        raise click.ClickException(f"{path}: {error}") from None
    click.echo(forum_id)


@forum_cli.command("result")
@click.argument("forum_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@RULE_OPTION
def result_command(forum_id, as_json, rule):
    """Rank and fund a forum's items and print the result."""
    try:
        result = results.result_for_cli(forum_id, rule)
    except NotFound:
        raise click.ClickException(f"no forum with id {forum_id}") from None
    except DomainError as error:
        raise click.ClickException(error.message) from None
    data = result.as_json()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    click.echo(f"Forum {data['forum']}: {data['ballots']} ballots, envelope {data['envelope']:,}")
    for item in data["items"]:
        mark = "FUNDED" if item["funded"] else ""
        click.echo(
            f"{item['rank']:>4}  {item['id']:>8}  {item['votes']:>8}  {item['cost']:>14,}  "
            f"{mark:6}  {item['title'][:60]}"
        )
    for field in result.forum.fields:
        spent = result.funding.field_spent.get(field.name, 0)
        envelope = f" / {field.envelope:,}" if field.envelope is not None else ""
        click.echo(f"      {field.name}  {spent:,}{envelope}")


@forum_cli.command("publish")
@click.argument("forum_id", type=int)
@RULE_OPTION
def publish_command(forum_id, rule):
    """Publish a closed forum's result under a rule, as an audited system action.

    The snapshot is stored and hashed as on the results page, and the audit log names
    the actor "system:cli". This BYPASSES the forum's two-person approval (one team
    member proposes, another approves): whoever runs commands on the server is trusted
    with it. Refuses a forum that is unknown, not closed or already published.
    """
    from voting.publishing import publication

    try:
        snapshot = publication.publish_as_system(forum_id, rule)
    except DomainError as error:
        problems = {
            "no_forum": f"no forum with id {forum_id}",
            "published": f"forum {forum_id} is already published",
            "not_closed": f"forum {forum_id} is not closed; close it before publishing",
            "not_voted": f"forum {forum_id} is not closed; close it before publishing",
        }
        raise click.ClickException(problems.get(error.code, error.message)) from None
    click.echo(f"Published forum {forum_id} under {rule}: sha256 {snapshot.sha256}")


@forum_cli.command("verify-snapshot")
@click.argument("forum_id", type=int)
def verify_snapshot_command(forum_id):
    """Recompute a published result from the stored ballots; exit 1 if it differs."""
    try:
        check = results.verify_snapshot(forum_id)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    if check.matches:
        click.echo(f"Snapshot matches: sha256 {check.stored}")
        return
    click.echo(
        f"Snapshot DOES NOT match: stored {check.stored}, recomputed {check.recomputed}", err=True
    )
    raise SystemExit(1)


@forum_cli.command("export-pb")
@click.argument("forum_id", type=int)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the file here instead of printing it.",
)
def export_pb_command(forum_id, output):
    """Export a published forum's counted ballots as a Pabulib .pb file.

    Voter ids are fresh random pseudonyms for every export.
    """
    from voting.publishing import exports

    try:
        text = exports.ballots_pb(exports.published(forum_id, drafts_hidden=False))
    except DomainError as error:
        problems = {
            "no_forum": f"no forum with id {forum_id}",
            "not_published": f"forum {forum_id} has no published result; "
            "only published forums can be exported",
        }
        raise click.ClickException(problems.get(error.code, error.message)) from None
    if output is None:
        click.echo(text, nl=False)
        return
    with open(output, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    click.echo(f"Wrote {output}", err=True)


anomalies_cli = AppGroup("anomalies", help="Bloc-voting detection.")


@anomalies_cli.command("scan")
@click.argument("forum_id", type=int)
def scan_command(forum_id):
    """Scan a forum's ballots and update its flags (safe to run every few minutes)."""
    from voting.oversight import forum_scan

    try:
        report = forum_scan.scan_forum(forum_id)
    except NotFound:
        raise click.ClickException(f"no forum with id {forum_id}") from None
    click.echo(
        f"Forum {forum_id}: {report.ballots} ballots, {report.flags} flags "
        f"({report.new} new, {report.updated} updated, {report.gone} no longer seen)."
    )


@anomalies_cli.command("scan-file")
@click.argument("path", type=click.File("r", encoding="utf-8"))
@click.option("--json", "as_json", is_flag=True, help="Print the flags as JSON.")
def scan_file_command(path, as_json):
    """Scan JSON Lines ballots that never touched the database."""
    from voting.oversight.jsonl import read_jsonl
    from voting.oversight.scan import flags_as_json
    from voting.oversight.scan import scan

    try:
        ballots = read_jsonl(path)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    flags = scan(ballots)
    if as_json:
        click.echo(json.dumps(flags_as_json(flags), ensure_ascii=False))
        return
    for flag in flags:
        click.echo(f"{flag.tier}\t{flag.size}\tp={flag.p_value:.2e}\t{flag.explanation}")


def init_app(app: Flask) -> None:
    app.cli.add_command(forum_cli)
    app.cli.add_command(anomalies_cli)
