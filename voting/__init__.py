"""Ballots, casting, results, imports and exports; oversight of bloc voting."""

from flask import Flask


def init_app(app: Flask) -> None:
    from core import hooks
    from voting import api
    from voting import cli
    from voting import downloads
    from voting import labels
    from voting import models  # noqa: F401  (tables for migrations)
    from voting import proof_views
    from voting import publication
    from voting import results
    from voting import services
    from voting import staff
    from voting import views
    from voting.oversight import views as oversight_views

    app.register_blueprint(views.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(oversight_views.bp)
    app.register_blueprint(downloads.bp)
    app.register_blueprint(proof_views.bp)
    api.init_app(app)
    cli.init_app(app)
    labels.init_app(app)
    hooks.answer(app, hooks.FORUM_HAS_BALLOTS, services.forum_has_ballots)
    hooks.answer(app, hooks.AUDIT_ANCHORS, results.audit_anchors)
    hooks.answer(app, hooks.FORUM_PUBLICATION_PROPOSED, publication.is_proposed)
    hooks.require(app, hooks.PARTICIPATION_REFUSAL, "voting")
