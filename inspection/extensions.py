"""Flask extensions, created unbound and initialised by the app factory."""

from flask import current_app, has_app_context
from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from limits.strategies import STRATEGIES
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from .media.backends import build_store
from .media.store import MediaStore

# Stable constraint names so that Alembic can alter them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


class AppLimiter(Limiter):
    """A Limiter whose counters live in each app's own storage, not in the last app initialised in the process."""

    # Flask-Limiter keeps its storage on the instance: a second app (a test's, with a Redis it later stops) would
    # re-point the first one (a live server's) at it. Each app keeps its (storage, strategy) in its extensions.
    def init_app(self, app):
        super().init_app(app)
        if self.enabled:
            # Made again here: inside init_app, `_storage` may still answer another app's whose context is active.
            storage = self.__dict__["_own_storage"]
            app.extensions[LIMITER_KEY] = (storage, STRATEGIES[self._strategy](storage))

    def _app_state(self, index: int, own: str):
        if has_app_context() and LIMITER_KEY in current_app.extensions:
            return current_app.extensions[LIMITER_KEY][index]
        return self.__dict__.get(own)

    _storage = property(lambda self: self._app_state(0, "_own_storage"),
                        lambda self, value: self.__dict__.__setitem__("_own_storage", value))
    _limiter = property(lambda self: self._app_state(1, "_own_limiter"),
                        lambda self, value: self.__dict__.__setitem__("_own_limiter", value))


LIMITER_KEY = "inspection.limiter"
# Limits are named by the views that need them (sign-in); storage comes from RATELIMIT_STORAGE_URI.
limiter = AppLimiter(get_remote_address)
# Pages, scripts and JSON go compressed: a phone's first form is mostly text.
compress = Compress()


MEDIA_KEY = "inspection.media"


def init_media(app) -> None:
    """Give the app its one media store, chosen by MEDIA_STORAGE; a setting that cannot work stops the start."""
    app.extensions[MEDIA_KEY] = build_store(app.config)


def media_store() -> MediaStore:
    """Return the current app's media store."""
    return current_app.extensions[MEDIA_KEY]
