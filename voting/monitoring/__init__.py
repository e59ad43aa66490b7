"""The district team's live view of a vote in progress: turnout by hour, age band,
channel and outreach tag, and its share of the eligible population."""

from flask import Flask


def init_app(app: Flask) -> None:
    from voting.monitoring import models  # noqa: F401  (tables for migrations)
    from voting.monitoring import views

    app.register_blueprint(views.bp)
