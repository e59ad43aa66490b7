"""The application's clock: aware UTC now, replaceable in tests via ``app.config["CLOCK"]``."""

from datetime import datetime
from datetime import UTC

from flask import current_app
from flask import has_app_context


def now() -> datetime:
    """Return the current time as an aware UTC datetime."""
    if has_app_context():
        clock = current_app.config.get("CLOCK")
        if clock is not None:
            return clock()
    return datetime.now(UTC)
