"""Ballots, casting, results, imports and exports."""

from flask import Flask


def init_app(app: Flask) -> None:
    from voting import api
    from voting import cli
    from voting import downloads
    from voting import labels
    from voting import models  # noqa: F401  (tables for migrations)
    from voting import operator
    from voting import proof_views
    from voting import publication
    from voting import results
    from voting import services
    from voting import staff
    from voting import views

    app.register_blueprint(views.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(operator.bp)
    app.register_blueprint(downloads.bp)
    app.register_blueprint(proof_views.bp)
    api.init_app(app)
    cli.init_app(app)
    labels.init_app(app)
    app.extensions["forum_has_ballots"] = services.forum_has_ballots
    app.extensions["audit_anchors"] = results.audit_anchors
    app.extensions["forum_publication_proposed"] = publication.is_proposed
