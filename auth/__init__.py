"""Sign-in through OpenID Connect and residents' identities (the development provider is
in ``devtools``, loaded only outside production)."""

from flask import Flask
from flask_babel import lazy_gettext

from core.extensions import login_manager


def init_app(app: Flask) -> None:
    from auth import admin
    from auth import cli
    from auth import models  # noqa: F401  (tables for migrations)
    from auth import oidc
    from auth import services
    from auth import views

    login_manager.user_loader(services.load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Please sign in to continue.")
    login_manager.login_message_category = "info"
    oidc.init_app(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(admin.bp)
    cli.init_app(app)
