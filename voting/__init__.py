"""Ballots, casting, results, imports and exports."""

from flask import Flask


def init_app(app: Flask) -> None:
    from voting import api
    from voting import cli
    from voting import models  # noqa: F401  (tables for migrations)
    from voting import views

    app.register_blueprint(views.bp)
    api.init_app(app)
    cli.init_app(app)
