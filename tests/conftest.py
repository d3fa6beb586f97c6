"""Fixtures: an app on SQLite and on PostgreSQL, clients, signed-in users per role."""

from __future__ import annotations

import os
import re
import uuid
from contextlib import contextmanager

import flask_migrate
import pytest
from flask import g
from sqlalchemy import create_engine, event, text

from inspection import create_app
from inspection.api.tokens import create_token
from inspection.extensions import db

from . import factories, s3_server

POSTGRES_URL = os.environ.get(
    "INSPECTION_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ("sqlite", "postgresql")
ROLES = ("admin", "manager", "inspector", "shopper")


def _postgres_schema(request) -> tuple[str, dict]:
    """Make a private schema in the test database so that runs never see each other."""
    schema = f"inspection_test_{uuid.uuid4().hex[:10]}"
    engine = create_engine(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as error:  # noqa: BLE001 - any failure to reach the server matters here
        message = f"PostgreSQL at {POSTGRES_URL} is not reachable ({error.__class__.__name__}: {error})"
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must test PostgreSQL", pytrace=False)
        pytest.skip(message + "; set INSPECTION_TEST_DATABASE_URL")

    def drop():
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()

    request.addfinalizer(drop)
    options = {"connect_args": {"options": f"-csearch_path={schema}"}}
    return POSTGRES_URL, options


@pytest.fixture(scope="session", params=BACKENDS)
def database(request, tmp_path_factory) -> dict:
    """Return config for a migrated, empty database of each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        settings = {"DATABASE_URL": url}
    else:
        url, options = _postgres_schema(request)
        settings = {"DATABASE_URL": url, "SQLALCHEMY_ENGINE_OPTIONS": options}
    app = create_app(_test_config(settings, tmp_path_factory.mktemp("media")))
    with app.app_context():
        flask_migrate.upgrade(directory=app.extensions["migrate"].directory)
        db.engine.dispose()
    return settings


def _test_config(settings: dict, media_dir) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "ENV_NAME": "testing",
        "WTF_CSRF_ENABLED": False,
        "MEDIA_DIR": str(media_dir),
        "PASSWORD_HASH_PROFILE": "CHEAPEST",
        **settings,
    }


@pytest.fixture
def media_settings(request) -> dict:
    """Return the media storage settings of the test app: the local folder, unless a test asks for both."""
    return storage_settings(request) if hasattr(request, "param") else {}


# For the tests whose subject is a stored file: each runs on the local folder and on a bucket in moto's S3.
BOTH_STORAGES = pytest.mark.parametrize("media_settings", ["local", "s3"], indirect=True)


@pytest.fixture(scope="session")
def moto_s3(tmp_path_factory):
    """Run moto's S3 server on a free loopback port for the session; yield its address, then kill it by its pid."""
    with s3_server.running(tmp_path_factory.mktemp("moto") / "moto.log") as url, pytest.MonkeyPatch.context() as patch:
        for name, value in s3_server.CREDENTIALS.items():  # dummy credentials, for the test apps' boto3 only
            patch.setenv(name, value)
        patch.delenv("AWS_PROFILE", raising=False)
        yield url


def storage_settings(request) -> dict:
    """Return the settings of the storage a `media_settings` parameter names: local, or a fresh bucket in moto."""
    if request.param == "local":
        return {}
    url = request.getfixturevalue("moto_s3")
    return {"MEDIA_STORAGE": "s3", "S3_ENDPOINT_URL": url, "S3_REGION": s3_server.REGION,
            "S3_BUCKET": s3_server.new_bucket(url)}


@pytest.fixture
def app(database, media_settings, tmp_path):
    """Yield an app bound to an empty database; rows are removed afterwards."""
    app = create_app(_test_config({**database, **media_settings}, tmp_path / "media"))

    @app.before_request
    def fresh_g():
        # Requests reuse the test's app context, so `g` (signed-in user, locale) would outlive a
        # request; in production every request starts with an empty one.
        vars(g).clear()

    with app.app_context():
        yield app
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


# The audit log refuses deletes (migration 0008); only emptying the test database lifts that, for a moment.
AUDIT_NO_DELETE = ("CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
                   "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END")


# Every sequence of the test's schema starts again from 1, as after TRUNCATE ... RESTART IDENTITY.
RESTART_SEQUENCES = ("SELECT setval(c.oid, 1, false) FROM pg_class c "
                     "WHERE c.relkind = 'S' AND c.relnamespace = current_schema()::regnamespace")


def _empty_tables() -> None:
    tables = [table for table in db.metadata.sorted_tables]
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Row deletes with triggers off (foreign keys, the audit log's guard): a twentieth of the time that a
            # TRUNCATE of every table takes, as TRUNCATE makes new files for each table and index (9 vs 165 ms).
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            for table in tables:
                connection.execute(table.delete())
            connection.execute(text(RESTART_SEQUENCES))
        else:
            connection.execute(text("DROP TRIGGER audit_events_no_delete"))
            for table in reversed(tables):
                connection.execute(table.delete())
            connection.execute(text(AUDIT_NO_DELETE))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def org(app):
    """Return a small organisation: two regions, three branches, staff."""
    return factories.make_org()


@pytest.fixture
def users(org):
    """Return one user per role, scoped to the east region (admin: everything)."""
    return {role: factories.make_user(role, regions=("East",) if role != "admin" else ()) for role in ROLES}


@pytest.fixture
def branch_lead(org):
    """Return the branch side's manager of branch E1 (role "branch")."""
    return factories.make_user("branch", branches=("E1",))


@pytest.fixture
def small(app):
    """Serve the test checklists (tests/fixtures) instead of the shipped ones."""
    app.config["CHECKLIST_DIR"] = str(factories.FIXTURES)


@pytest.fixture
def tokens(users):
    """Return an API token per role."""
    secrets = {role: create_token(user)[1] for role, user in users.items()}
    db.session.commit()
    return secrets


@pytest.fixture(params=ROLES)
def role_client(request, app, users):
    """Yield (role, client) signed in as each role in turn."""
    client = app.test_client()
    factories.login(client, users[request.param])
    return request.param, client


# Statements that manage transactions or connections, not queries a page asks for.
NOT_A_QUERY = re.compile(r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|PRAGMA)\b", re.IGNORECASE)


@pytest.fixture
def count_queries(app):
    """Return a context manager that counts the SQL queries run inside it (as Indico's fixture does).

    with count_queries() as queries: ...; then len(queries) and the statements themselves.
    """
    @contextmanager
    def counter():
        statements: list[str] = []

        def record(_conn, _cursor, statement, *_args):
            if not NOT_A_QUERY.match(statement):
                statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
    return counter
