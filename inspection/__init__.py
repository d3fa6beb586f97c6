"""Service-quality inspection: the application factory."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from flask import Flask, current_app, has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config
from .db import tune_engine
from .extensions import babel, compress, csrf, db, init_media, limiter, login_manager, migrate
from .web.requests import UploadRequest

PROJECT_DIR = Path(__file__).resolve().parent.parent
# Answered without the checklist catalog: files, and probes that must answer while the database does not.
MACHINE_ENDPOINTS = ("static", "main.health", "main.ready", "main.metrics")
# The features' job tasks, registered with inspection.jobs when imported (a worker runs only what it knows).
TASK_MODULES = ("inspection.scorecards.bulk", "inspection.scorecards.tasks", "inspection.exports.tasks",
                "inspection.notifications.sending", "inspection.plans.tasks")


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app: config layers, extensions, blueprints and commands."""
    app = Flask(
        __name__,
        instance_path=str(PROJECT_DIR / "instance"),
        instance_relative_config=True,
        template_folder=str(PROJECT_DIR / "templates"),
        static_folder=str(PROJECT_DIR / "static"),
    )
    app.request_class = UploadRequest
    config.load(app, overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    register_proxy(app)
    register_observability(app)
    register_extensions(app)
    register_converters(app)
    register_blueprints(app)
    register_request_hooks(app)
    register_template_helpers(app)
    register_commands(app)
    register_jobs(app)
    return app


def register_proxy(app: Flask) -> None:
    """Trust the forwarding headers of INSPECTION_PROXY_HOPS proxies, so that limits see each client's address."""
    hops = app.config["PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def register_observability(app: Flask) -> None:
    """Request ids, JSON logs and metrics: first, so that every later hook's records carry the id."""
    from .web.observability import register_observability as register

    register(app)


def register_extensions(app: Flask) -> None:
    init_media(app)
    db.init_app(app)
    with app.app_context():
        tune_engine(db.engine)
    migrate.init_app(app, db, directory=str(PROJECT_DIR / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    compress.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Sign in to see this page.")
    login_manager.needs_refresh_message = _l("Sign in again to see this page.")
    login_manager.localize_callback = str  # a lazy text cannot be stored in the session cookie
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(PROJECT_DIR / "translations"))


def select_locale() -> str:
    """Use the user's chosen language, else (signed out) the page's ?lang=, else the browser's, else Chinese."""
    languages, default = current_app.config["LANGUAGES"], current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():
        return default  # commands (PDFs, imports) speak the default language
    if getattr(current_user, "locale", None) in languages:
        return current_user.locale
    # A customer on a public survey page has no account to remember a choice: ?lang= says it per page.
    if not current_user.is_authenticated and request.args.get("lang") in languages:
        return request.args["lang"]
    return request.accept_languages.best_match(languages) or default


def register_converters(app: Flask) -> None:
    from .web.requests import RowId

    app.url_map.converters["id"] = RowId


def register_blueprints(app: Flask) -> None:
    from .actions.views import bp as actions_bp
    from .admin.views import bp as admin_bp
    from .api.views import bp as api_bp
    from .appeals.views import bp as appeals_bp
    from .audit.views import bp as audit_bp
    from .calibration.views import bp as calibration_bp
    from .checklist_editor.views import bp as checklist_editor_bp
    from .coverage.views import bp as coverage_bp
    from .exports.views import bp as exports_bp
    from .jobs.views import bp as jobs_bp
    from .main.views import bp as main_bp
    from .notifications.views import bp as notifications_bp
    from .offline.views import bp as offline_bp
    from .performance.views import bp as performance_bp
    from .plans.views import bp as plans_bp
    from .review.views import bp as review_bp
    from .scorecards.views import bp as scorecards_bp
    from .signin.views import bp as auth_bp
    from .surveys.views import bp as surveys_bp
    from .users.views import bp as users_bp
    from .visits.views import bp as visits_bp

    blueprints = (auth_bp, main_bp, visits_bp, api_bp, admin_bp, scorecards_bp, review_bp, actions_bp,
                  performance_bp, exports_bp, users_bp, audit_bp, offline_bp, plans_bp, coverage_bp, notifications_bp,
                  checklist_editor_bp, surveys_bp, calibration_bp, appeals_bp, jobs_bp)
    for blueprint in blueprints:
        app.register_blueprint(blueprint)


def register_request_hooks(app: Flask) -> None:
    from .catalog.services import refresh_catalog
    from .web.assets import register_static_fingerprints
    from .web.errors import register_error_handlers
    from .web.headers import register_security_headers
    from .web.inputs import check_request_text

    register_error_handlers(app)
    register_security_headers(app)
    register_static_fingerprints(app)

    app.before_request(check_request_text)

    @app.before_request
    def load_changed_checklists():
        # Before the request's own transactions, so that freezing a new version never waits on them.
        if request.endpoint not in MACHINE_ENDPOINTS:
            refresh_catalog()


def register_template_helpers(app: Flask) -> None:
    """Make the helpers of pages and scorecards available to every template, views loaded or not."""
    from . import access, labels
    from .calibration.views import calibrations_waiting
    from .notifications.views import unread_badge
    from .scorecards.render import scorecard_photo, scorecard_static
    from .web.templating import FILTERS, HELPERS

    app.jinja_env.globals.update(
        HELPERS, role_label=labels.role_label, kind_label=labels.kind_label, html_lang=labels.html_lang,
        status_label=labels.status_label, step_label=labels.step_label, problem_texts=labels.problem_texts,
        can=access.can, steps=access.steps,
        scorecard_static=scorecard_static, scorecard_photo=scorecard_photo, unread_notifications=unread_badge,
        calibrations_waiting=calibrations_waiting)
    app.jinja_env.filters.update(FILTERS)


def register_commands(app: Flask) -> None:
    from .admin.cli import media_cli
    from .api.cli import token_cli
    from .backup.cli import backup_command, restore_command
    from .catalog.cli import checklist_cli
    from .db import init_db_command
    from .demo.cli import demo_command
    from .integrity.cli import integrity_cli
    from .jobs.cli import jobs_cli
    from .notifications.cli import notifications_cli
    from .org.cli import import_cli
    from .performance.cli import performance_cli
    from .reminders.cli import remind_command
    from .scorecards.cli import scorecard_cli
    from .users.cli import user_cli

    commands = (checklist_cli, import_cli, user_cli, token_cli, scorecard_cli, media_cli, init_db_command,
                demo_command, notifications_cli, remind_command, integrity_cli, backup_command, restore_command,
                jobs_cli, performance_cli)
    for command in commands:
        app.cli.add_command(command)


def register_jobs(app: Flask) -> None:
    """Load every feature's job tasks, and report the queue and failed jobs at /metrics."""
    from .jobs.metrics import JobsCollector
    from .web.observability import read_at_scrape

    for name in TASK_MODULES:
        import_module(name)
    read_at_scrape(app, JobsCollector())
