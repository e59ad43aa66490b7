"""Alembic migrations build exactly the schema the models describe, on each backend."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade
from flask_migrate import upgrade
from sqlalchemy import inspect

from core import PROJECT_ROOT
from core.extensions import db
from tests.conftest import make_app


def test_migrations_match_the_models(backend, tmp_path):
    app = make_app(backend, tmp_path, create_schema=False)
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        tables = set(inspect(db.engine).get_table_names())
        assert {"users", "forums", "agenda_items", "ballots", "ballot_choices"} <= tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.session.remove()


def test_app_knows_the_project_root(app):
    """The factory lives in core/, but templates, static files and migrations are at the root."""
    assert app.root_path == PROJECT_ROOT
    assert app.jinja_env.get_template("base.html") is not None
    assert app.static_folder.startswith(PROJECT_ROOT)
