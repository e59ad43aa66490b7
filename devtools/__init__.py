"""Development only: the identity provider anyone can sign in with as anyone, and the
demo data. The factory loads this package only outside production (``FEATURES`` in
``core.config``), so a production server never imports it; ``config.check`` refuses a
production configuration that names it.
"""

import click
from flask import Flask
from flask.cli import with_appcontext


@click.command("demo")
@with_appcontext
def demo_command():
    """Seed the demo forums and staff (idempotent)."""
    from devtools import demo

    created = demo.seed_demo()
    if created:
        click.echo("Seeded: " + ", ".join(created))
    else:
        click.echo("Demo forums already present; nothing changed.")


def init_app(app: Flask) -> None:
    from devtools import idp

    if app.config["DEV_IDP"]:
        idp.init_app(app)
    app.cli.add_command(demo_command)
