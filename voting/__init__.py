"""Ballots, casting, results, imports and exports; oversight of bloc voting."""

from flask import Flask


def init_app(app: Flask) -> None:
    from core import hooks
    from voting import api
    from voting import cli
    from voting import labels
    from voting import models  # noqa: F401  (tables for migrations)
    from voting.casting import assisted
    from voting.casting import busy
    from voting.casting import my_ballots
    from voting.casting import services
    from voting.casting import views
    from voting.followup import init_app as init_followup
    from voting.monitoring import init_app as init_monitoring
    from voting.outreach import init_app as init_outreach
    from voting.oversight import views as oversight_views
    from voting.publishing import downloads
    from voting.publishing import proof_views
    from voting.publishing import publication
    from voting.publishing import snapshots
    from voting.publishing import staff
    from voting.publishing import views as results_views

    app.register_blueprint(views.bp)
    app.register_blueprint(assisted.bp)
    app.register_blueprint(results_views.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(oversight_views.bp)
    app.register_blueprint(downloads.bp)
    app.register_blueprint(proof_views.bp)
    api.init_app(app)
    cli.init_app(app)
    labels.init_app(app)
    init_monitoring(app)
    init_followup(app)
    busy.init_app(app)
    init_outreach(app)
    hooks.answer(app, hooks.FORUM_HAS_BALLOTS, services.forum_has_ballots)
    hooks.answer(app, hooks.AUDIT_ANCHORS, snapshots.audit_anchors)
    hooks.answer(app, hooks.FORUM_PUBLICATION_PROPOSED, publication.is_proposed)
    hooks.answer(app, hooks.RESIDENT_BALLOT, my_ballots.in_forum)
    hooks.require(app, hooks.PARTICIPATION_REFUSAL, "voting")
