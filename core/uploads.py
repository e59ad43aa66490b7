"""A larger request body for the few endpoints that take a file.

Every other request keeps ``MAX_CONTENT_LENGTH`` (a 413 before the body is read). An
endpoint that takes a file names its own ceiling in ``UPLOAD_LIMITS``; the limit is
known from the matched route, before the CSRF check reads the form.
"""

from flask import current_app
from flask import Flask
from flask import has_app_context
from flask import Request


class UploadRequest(Request):
    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is None and self.url_rule is not None and has_app_context():
            limit = current_app.config["UPLOAD_LIMITS"].get(self.url_rule.endpoint)
            if limit is not None:
                return limit
        return Request.max_content_length.fget(self)

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value


def allow_upload(app: Flask, endpoint: str, limit: int) -> None:
    """Let ``endpoint`` take a request body of up to ``limit`` bytes."""
    app.config["UPLOAD_LIMITS"][endpoint] = limit


def init_app(app: Flask) -> None:
    app.request_class = UploadRequest
    app.config.setdefault("UPLOAD_LIMITS", {})
