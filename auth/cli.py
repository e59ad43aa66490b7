"""Command-line interface: grant and revoke staff roles."""

import click
from flask import Flask
from flask.cli import AppGroup

from auth import services
from core.errors import DomainError

users_cli = AppGroup("users", help="Staff roles.")


@users_cli.command("grant")
@click.argument("role")
@click.argument("subject")
@click.option("--district", default=None, help="District code, for district_team.")
@click.option("--issuer", default=None, help="Identity provider (default: OIDC_ISSUER).")
def grant_command(role, subject, district, issuer):
    """Grant ROLE (district_team, operator, admin) to whoever signs in as SUBJECT."""
    try:
        granted = services.grant_role(subject, role, district, actor="cli", issuer=issuer)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    where = f" for district {granted.district_code}" if granted.district_code else ""
    click.echo(f"Granted {granted.role}{where} (role id {granted.id}).")


@users_cli.command("revoke")
@click.argument("role_id", type=int)
def revoke_command(role_id):
    """Revoke the role with this id (see `users list`)."""
    try:
        services.revoke_role(role_id, actor="cli")
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Revoked role {role_id}.")


@users_cli.command("list")
def list_command():
    """List staff roles by id."""
    for granted in services.list_roles():
        district = granted.district_code or "-"
        click.echo(f"{granted.id}\t{granted.role}\t{district}\t{granted.voter_key[:12]}…")


def init_app(app: Flask) -> None:
    app.cli.add_command(users_cli)
