"""Command-line interface: grant and revoke staff roles."""

import click
from flask import Flask
from flask.cli import AppGroup
from flask_babel import gettext as _

from auth import services
from core.errors import DomainError

users_cli = AppGroup("users", help="Staff roles.")


@users_cli.command("grant")
@click.argument("role")
@click.argument("subject")
@click.option("--name", default=None, help="The holder's name, shown to staff (required).")
@click.option("--district", default=None, help="District code, for district_team.")
@click.option("--issuer", default=None, help="Identity provider (default: OIDC_ISSUER).")
def grant_command(role, subject, name, district, issuer):
    """Grant ROLE (district_team, operator, admin) to whoever signs in as SUBJECT."""
    try:
        granted = services.grant_role(
            subject, role, district, actor="cli", name=name, issuer=issuer
        )
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(_("Granted: %(role)s.", role=_describe(granted)))


@users_cli.command("revoke")
@click.argument("role_id", type=int)
def revoke_command(role_id):
    """Revoke the role with this id (see `users list`)."""
    try:
        services.revoke_role(role_id, actor="cli")
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(_("Revoked role %(id)d.", id=role_id))


@users_cli.command("list")
def list_command():
    """List staff roles by id, with who holds them."""
    for granted in services.list_roles():
        click.echo(f"{granted.id}\t{_describe(granted)}\t{granted.voter_key[:12]}…")


def _describe(granted) -> str:
    """Who, which role, where: "김담당 · 구 담당 부서 · 영등포구 (11560)"."""
    parts = [granted.name or "-", services.role_label(granted.role)]
    if granted.district_code:
        parts.append(f"{services.district_label(granted.district_code)} ({granted.district_code})")
    return " · ".join(parts)


def init_app(app: Flask) -> None:
    app.cli.add_command(users_cli)
