"""Casting past capacity: the gate in front of the confirm request and the page a shed
cast gets (503 with Retry-After).

The page keeps the resident's picks: it carries them, with the form's CSRF token, in a
form that sends the same ballot again; its script does so by itself once Retry-After
has passed, and the resident may press the button sooner. Sending it twice is harmless:
one ballot per resident, and a second cast opens the receipt.

The page is rendered once per language (the first time it is needed) with markers where
the request's own parts go; a shed request then costs a cookie lookup, a read of its
small form body and a few string replacements, never the app itself.
"""

import random
import re
import threading
from urllib.parse import parse_qsl

from flask import Flask
from flask import render_template
from markupsafe import escape
from markupsafe import Markup
from werkzeug.http import parse_cookie

from core import security
from core.admission import Admission
from core.admission import Gate
from core.admission import Refusal
from core.i18n import LANG_COOKIE

CONFIRM_PATH = re.compile(r"/forums/[0-9]+/ballot/confirm")
FIELDS = "\x00fields\x00"
ACTION = "\x00action\x00"
SECONDS = "\x00seconds\x00"
# What a confirm form holds: the CSRF token and at most a few item ids.
MAX_BODY = 4096
TOKEN = re.compile(r"[A-Za-z0-9._-]{1,200}")
ITEM_ID = re.compile(r"[0-9]{1,10}")
MAX_PICKS = 20


def kept_fields(body: bytes) -> list[tuple[str, str]]:
    """The confirm form's fields worth sending again: its CSRF token and the item ids
    picked (digits only, at most ``MAX_PICKS``); anything else is left out."""
    kept: list[tuple[str, str]] = []
    picks = 0
    for name, value in parse_qsl(body.decode("latin-1"), keep_blank_values=False):
        if name == "csrf_token" and TOKEN.fullmatch(value):
            kept.append((name, value))
        elif name == "picks" and ITEM_ID.fullmatch(value) and picks < MAX_PICKS:
            kept.append((name, value))
            picks += 1
    return kept


def retry_after(base: int, draw=random.randint) -> int:
    """Seconds a shed cast waits before it is sent again: between ``base`` and twice
    that, drawn anew each time, so residents shed together do not come back together."""
    return draw(base, 2 * base)


def _form_body(environ: dict) -> bytes:
    if not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return b""
    try:
        length = min(int(environ.get("CONTENT_LENGTH") or 0), MAX_BODY)
    except ValueError:
        return b""
    return environ["wsgi.input"].read(length) if length > 0 else b""


class BusyPage:
    """The answer to a shed cast, in the resident's language."""

    def __init__(self, app: Flask):
        self.app = app
        self.headers = security.headers(app.config["APP_ENV"] == "production")
        self._pages: dict[str, str] = {}
        self._rendering = threading.Lock()

    def _page(self, language: str) -> str:
        page = self._pages.get(language)
        if page is None:
            with (
                self._rendering,
                self.app.test_request_context("/", headers={"Cookie": f"{LANG_COOKIE}={language}"}),
            ):
                page = render_template(
                    "voting/busy.html",
                    fields=Markup(FIELDS),
                    action=Markup(ACTION),
                    seconds=Markup(SECONDS),
                    countdown=Markup(f'<strong id="retry-seconds">{SECONDS}</strong>'),
                )
            self._pages[language] = page
        return page

    def __call__(self, environ: dict) -> Refusal:
        config = self.app.config
        chosen = parse_cookie(environ).get(LANG_COOKIE)
        language = chosen if chosen in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]
        seconds = retry_after(config["CAST_RETRY_AFTER"])
        fields = "".join(
            f'<input type="hidden" name="{name}" value="{escape(value)}">'
            for name, value in kept_fields(_form_body(environ))
        )
        page = (
            self._page(language)
            .replace(FIELDS, fields)
            .replace(ACTION, str(escape(environ.get("PATH_INFO", ""))))
            .replace(SECONDS, str(seconds))
        )
        headers = [
            *self.headers.items(),
            ("Content-Type", "text/html; charset=utf-8"),
            ("Retry-After", str(seconds)),
            ("Cache-Control", "no-store"),
        ]
        return "503 Service Unavailable", headers, page.encode()


def init_app(app: Flask) -> None:
    """Put the casting gate in front of the app (``CAST_ADMISSION_*``, README's
    "Performance and scaling")."""
    gate = Gate(
        limit=app.config["CAST_ADMISSION_LIMIT"],
        queue=app.config["CAST_ADMISSION_QUEUE"],
        wait=app.config["CAST_ADMISSION_WAIT_MS"] / 1000,
    )
    app.extensions["cast_gate"] = gate
    app.wsgi_app = Admission(app.wsgi_app, gate, "POST", CONFIRM_PATH, BusyPage(app))
