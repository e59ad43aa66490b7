"""What became of the funded items: the team's dated updates after publication, shown on
the results and each resident's ballot page and in the open data, and the residents'
evaluation at the end of the cycle, shown on the district's next forum."""

from flask import Flask


def init_app(app: Flask) -> None:
    from voting.followup import api
    from voting.followup import forms
    from voting.followup import models  # noqa: F401  (tables for migrations)
    from voting.followup import services
    from voting.followup import views

    app.jinja_env.globals["followup_status_label"] = forms.followup_status_label
    app.jinja_env.globals["followup_of"] = services.progress_of
    app.jinja_env.globals["previous_cycle"] = services.previous_cycle
    app.register_blueprint(views.bp)
    api.init_app(app)
