"""Districts, forums, fields and agenda items; the pages residents read before voting."""

from flask import Flask


def init_app(app: Flask) -> None:
    from core import hooks
    from deliberation import api
    from deliberation import discussion
    from deliberation import forms
    from deliberation import image_views
    from deliberation import manage
    from deliberation import models  # noqa: F401  (tables for migrations)
    from deliberation import views
    from deliberation.proposals import init_app as init_proposals

    app.jinja_env.globals["phase_label"] = forms.phase_label
    app.jinja_env.globals["item_status_label"] = forms.item_status_label
    app.register_blueprint(views.bp)
    app.register_blueprint(discussion.bp)
    app.register_blueprint(manage.bp)
    image_views.init_app(app)
    api.init_app(app)
    init_proposals(app)
    app.add_url_rule("/", "index", views.index)
    # Answered by the voting feature, which owns ballots and publication.
    hooks.require(app, hooks.FORUM_HAS_BALLOTS, "deliberation")
    hooks.require(app, hooks.FORUM_PUBLICATION_PROPOSED, "deliberation")
    hooks.require(app, hooks.RESIDENT_BALLOT, "deliberation")
    # Answered by the privacy feature, which owns consent.
    hooks.require(app, hooks.PARTICIPATION_REFUSAL, "deliberation")
