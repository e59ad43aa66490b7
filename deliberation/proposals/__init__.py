"""Residents' proposals for a forum's agenda: submitted during the proposal period,
supported by other residents, decided by the district team."""

from flask import Flask


def init_app(app: Flask) -> None:
    from deliberation.proposals import api
    from deliberation.proposals import forms
    from deliberation.proposals import models  # noqa: F401  (tables for migrations)
    from deliberation.proposals import views

    app.jinja_env.globals["proposal_status_label"] = forms.proposal_status_label
    app.register_blueprint(views.bp)
    api.init_app(app)
