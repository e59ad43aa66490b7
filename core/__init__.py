"""Application factory. Imports no feature package by name: ``FEATURES`` lists them."""

import importlib
import os

from flask import Flask
from werkzeug.routing import IntegerConverter

from core import api
from core import cli
from core import config as config_module
from core import errors
from core import hooks
from core import i18n
from core import pool
from core import security
from core import uploads
from core.api import ID_MAX
from core.extensions import babel
from core.extensions import csrf
from core.extensions import db
from core.extensions import limiter
from core.extensions import login_manager
from core.extensions import migrate

DEV_ONLY = "devtools"
PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class IdConverter(IntegerConverter):
    """``<int:...>`` in routes. Ids are 32-bit database integers, so a larger number
    matches no route (404) rather than failing in the database."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)


def create_app(overrides: dict | None = None) -> Flask:
    """Create the app: config, extensions, core pages, then each feature's ``init_app``."""
    app = Flask(
        "core",
        root_path=PROJECT_ROOT,
        instance_path=os.path.join(PROJECT_ROOT, "instance"),
        template_folder="templates",
        static_folder="static",
    )
    app.url_map.converters["int"] = IdConverter
    register_config(app, overrides or {})
    register_extensions(app)
    register_core(app)
    register_features(app)
    return app


def register_config(app: Flask, overrides: dict) -> None:
    app.config.update(config_module.from_environment(app.instance_path))
    app.config.update(overrides)
    config_module.check(app.config)
    os.makedirs(app.instance_path, exist_ok=True)
    if app.config["APP_ENV"] == "production":
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(os.environ.get("TRUSTED_PROXIES", "0"))
        if hops:
            app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    pool.init_app(app)
    migrate.init_app(
        app, db, directory=os.path.join(PROJECT_ROOT, "migrations"), render_as_batch=True
    )
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)


def register_core(app: Flask) -> None:
    i18n.init_app(app)
    uploads.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    api.init_app(app)
    cli.init_app(app)
    from core import audit  # noqa: F401  (tables for migrations)
    from core.views import bp

    hooks.require(app, hooks.AUDIT_ANCHORS, "core.audit")

    app.register_blueprint(bp)


def register_features(app: Flask) -> None:
    names = list(app.config["FEATURES"])
    if app.config["APP_ENV"] != "production":
        names.append(DEV_ONLY)  # never imported by a production server
    for name in dict.fromkeys(names):
        importlib.import_module(name).init_app(app)
    hooks.check(app)
