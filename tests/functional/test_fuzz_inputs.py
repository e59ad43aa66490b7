"""Hostile input on every form field and query parameter, generated from the URL map.

For each role, every page is opened and its forms are read (field names and the values
a browser would send); then each field in turn gets each payload of a small fixed set
(NUL, invalid UTF-8, huge integers, odd digits, an over-long string, impossible dates,
invisible controls) while the others keep their valid values. Query parameters are the
ones the views read, found in their source. POST routes a role sees no form for get every
known field name at once. Nothing may answer 5xx; a refused request stores nothing; and
no stored text ends up holding a control character, a bidirectional or a zero-width one.
"""

import inspect
import re
from html.parser import HTMLParser
from urllib.parse import quote
from urllib.parse import urlsplit

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func
from sqlalchemy import select
from wtforms.fields.core import UnboundField

from auth.models import Role
from core.audit import AuditEntry
from core.extensions import db
from deliberation.models import AgendaItem
from deliberation.models import Comment
from deliberation.models import CommentReport
from deliberation.models import Field
from deliberation.models import Forum
from tests import factories
from tests.functional.test_surface import rules
from tests.functional.test_surface import url_for_rule
from tests.functional.test_surface import world  # noqa: F401  (a fixture)
from tests.web import sign_in
from tests.web import text
from voting.models import AnomalyFlag
from voting.models import Ballot

FUZZ_ROLES = ("anonymous", "resident", "team_a", "operator", "admin")

# Each payload as sent on the wire (already percent-encoded), so invalid UTF-8 gets through.
PAYLOADS = {
    "nul": quote("a\x00b"),
    "escape": quote("a\x1b[31mb\x07"),
    "invalid_utf8": "a%FFb",
    "overlong_utf8": "%C0%AE%C0%AE",
    "int_2_31": str(2**31),
    "int_2_63": str(2**63),
    "digits_30": "9" * 30,
    "superscript": quote("²"),
    "arabic_indic": quote("٣"),
    "fullwidth": quote("１"),
    "long": "x" * 100_000,
    "year_1": "0001-01-01T00:00",
    "year_9999": "9999-12-31T23:59",
    "february_30": "2027-02-30T10:00",
    "invisible": quote("a\u202eb\u200bc\u2066d\ufeff"),
    # Paths a redirect target could carry: a newline, a tab before //, a backslash.
    "path_newline": "/%0A",
    "path_tab_slashes": "/%09/evil.example",
    "path_backslash": "/%5Cevil.example",
}
PATH_IDS = (2**31, 2**63)
# Forms each role must find, so a page that stops rendering cannot shrink the test unseen.
MUST_REACH = {
    "anonymous": {"voting.receipt_check"},
    "resident": {"discussion.post", "discussion.report"},
    "team_a": {"manage.new_forum", "manage.update_forum", "manage.save_field", "manage.item"},
    "operator": {"operator.decide"},
    "admin": {"admin.grant"},
}
COUNTED = (Ballot, Comment, Forum, AgendaItem, Field, CommentReport, Role, AuditEntry)
# C0 controls but tab and newline, bidirectional and zero-width characters.
FORBIDDEN = re.compile(
    "[\x00-\x08\x0b-\x1f\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]"
)
STORED_TEXT = (
    (Comment, ("body", "hidden_reason")),
    (CommentReport, ("reason",)),
    (Forum, ("title", "description")),
    (Field, ("name", "name_en")),
    (AgendaItem, ("external_id", "title", "summary", "proposer")),
    (Role, ("district_code",)),
    (AnomalyFlag, ("reason",)),
    (AuditEntry, ("reason",)),
)
# Parameters a library or a helper reads for the view: the OIDC client's on the sign-in
# callback, the OAuth server's on the development identity provider's authorization.
LIBRARY_QUERY_NAMES = {
    "auth.callback": {"code", "state"},
    "devidp.authorize": {"client_id", "redirect_uri", "response_type", "scope", "state"},
}
QUERY_NAMES = re.compile(
    r"request\.(?:args|values)\.get(?:list)?\(\s*\"(\w+)\"|\"(\w+)\" in request\.args"
)


def _same_origin(app, location: str | None) -> bool:
    """A redirect stays on this site (or goes to its configured identity provider)."""
    if not location:
        return True
    parts = urlsplit(location)
    if not parts.scheme and not parts.netloc:
        return location.startswith("/") and not location.startswith("//")
    origins = {app.config["PUBLIC_URL"], app.config["OIDC_ISSUER"]}
    return any(urlsplit(o)[:2] == parts[:2] for o in origins)


class FormReader(HTMLParser):
    """The forms of a page: method, action and the (name, value) pairs a browser sends."""

    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[dict] = []
        self.form: dict | None = None
        self.select: str | None = None
        self.options: list[tuple[str, bool]] = []
        self.textarea: str | None = None
        self.typed = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            action = a.get("action") or self.page_url
            self.form = {"method": (a.get("method") or "get").upper(), "action": action}
            self.form["fields"] = []
            self.forms.append(self.form)
        elif tag == "option" and self.form is not None and self.select:
            self.options.append((a.get("value", ""), "selected" in a))
        elif self.form is None or not a.get("name"):
            return
        elif tag == "input":
            self._input(a)
        elif tag == "textarea":
            self.textarea = a["name"]
            self.form["fields"].append([a["name"], ""])
        elif tag == "select":
            self.select, self.options = a["name"], []

    def _input(self, a):
        kind = a.get("type", "text")
        value = a.get("value") or ""
        if kind in ("checkbox", "radio"):
            if "checked" in a:
                self.form["fields"].append([a["name"], value or "on"])
            else:
                self.form.setdefault("unchecked", set()).add(a["name"])
            return
        if kind in ("submit", "button"):
            return
        if not value:
            value = self._sample(kind)
        self.form["fields"].append([a["name"], value])

    def _sample(self, kind: str) -> str:
        """A valid value for an empty input, so the other fields do not hide the fuzzed one."""
        self.typed += 1
        if kind == "datetime-local":
            return f"2030-03-{self.typed:02d}T10:00"
        if kind == "number":
            return "1000000"
        return f"Sample {self.typed}"

    def handle_data(self, data):
        if self.textarea and self.form:
            self.form["fields"][-1][1] += data or "Sample text"

    def handle_endtag(self, tag):
        if tag == "textarea" and self.form and self.textarea:
            if not self.form["fields"][-1][1]:
                self.form["fields"][-1][1] = "Sample text"
            self.textarea = None
        elif tag == "select" and self.form and self.select:
            chosen = [v for v, selected in self.options if selected] or [
                v for v, _ in self.options[:1]
            ]
            self.form["fields"].extend([self.select, v] for v in chosen)
            self.select = None
        elif tag == "form":
            self.form = None


def merge(into: dict, form: dict) -> None:
    """Forms posting to the same place (a comment and a reply) are fuzzed as one."""
    known = {name for name, _ in into["fields"]}
    into["fields"] += [pair for pair in form["fields"] if pair[0] not in known]
    into["unchecked"] = into.get("unchecked", set()) | form.get("unchecked", set())


def encode(pairs) -> str:
    """Pairs whose values are already on the wire, as a form body or query string."""
    return "&".join(f"{quote(name)}={value}" for name, value in pairs)


def counts() -> tuple[int, ...]:
    db.session.rollback()
    query = select(*(select(func.count()).select_from(m).scalar_subquery() for m in COUNTED))
    return tuple(db.session.execute(query).one())


def form_field_names() -> set[str]:
    """Every field name of every form class the app defines."""
    names, pending = set(), list(FlaskForm.__subclasses__())
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        names |= {n for n in dir(form) if isinstance(getattr(form, n, None), UnboundField)}
    return names - {"csrf_token"}


def query_names(app, endpoint: str) -> set[str]:
    """The query parameters a view reads, found in its source."""
    view = inspect.unwrap(app.view_functions[endpoint])
    try:
        source = inspect.getsource(view)
    except (OSError, TypeError):
        source = ""
    found = {a or b for a, b in QUERY_NAMES.findall(source)}
    return found | LIBRARY_QUERY_NAMES.get(endpoint, set())


class Fuzzer:
    def __init__(self, app, client):
        self.app, self.client = app, client
        self.failures: list[str] = []
        self.sent = 0

    def send(self, method: str, url: str, body: str | None, label: str):
        before = counts()
        self.sent += 1
        try:
            if method == "GET":
                response = self.client.get(url)
            else:
                kind = "application/x-www-form-urlencoded"
                response = self.client.post(url, data=body or "", content_type=kind)
        except Exception as error:  # the testing app propagates what would be a 500
            problem = f"{type(error).__name__}: {str(error).splitlines()[0][:80]}"
            self.failures.append(f"500 {method} {url.split('?')[0]} {label} ({problem})")
            return None
        status = response.status_code
        if status >= 500:
            self.failures.append(f"{status} {method} {url.split('?')[0]} {label}")
        elif status >= 400 and counts() != before:
            self.failures.append(f"{status} stored {method} {url.split('?')[0]} {label}")
        elif not _same_origin(self.app, response.headers.get("Location")):
            where = response.headers["Location"][:60]
            self.failures.append(f"{status} offsite {method} {url.split('?')[0]} {label} {where}")
        return response

    def discover(self, id_sets) -> dict[tuple[str, str], dict]:
        found = {}
        for ids in id_sets:
            for rule in rules(self.app, "GET"):
                url = url_for_rule(rule, ids)
                response = self.client.get(url)
                if response.status_code != 200 or response.mimetype != "text/html":
                    continue
                reader = FormReader(url)
                reader.feed(text(response))
                for form in reader.forms:
                    key = (form["method"], urlsplit(form["action"]).path)
                    merge(found.setdefault(key, {**form, "fields": []}), form)
        return found

    def fuzz_form(self, form: dict) -> None:
        base = [(n, quote(v)) for n, v in form["fields"] if n != "csrf_token"]
        names = {n for n, _ in base} | form.get("unchecked", set())
        action = urlsplit(form["action"])
        for name in sorted(names):
            kept = [(n, v) for n, v in base if n != name]
            for label, payload in PAYLOADS.items():
                pairs = kept + [(name, payload)]
                if form["method"] == "GET":
                    self.send("GET", f"{action.path}?{encode(pairs)}", None, f"{name}={label}")
                else:
                    self.send("POST", form["action"], encode(pairs), f"{name}={label}")

    def fuzz_queries(self, ids) -> None:
        for rule in rules(self.app, "GET"):
            url = url_for_rule(rule, ids)
            for name in sorted(query_names(self.app, rule.endpoint)):
                for label, payload in PAYLOADS.items():
                    self.send("GET", f"{url}?{name}={payload}", None, f"?{name}={label}")

    def sweep_posts(self, ids, reached: set[str]) -> None:
        names = sorted(form_field_names())
        for rule in rules(self.app, "POST"):
            url = url_for_rule(rule, ids)
            if url in reached:
                continue
            for label, payload in PAYLOADS.items():
                self.send("POST", url, encode((n, payload) for n in names), f"all={label}")

    def fuzz_path_ids(self, ids) -> None:
        for method in ("GET", "POST"):
            for rule in rules(self.app, method):
                for name in rule.arguments & {"forum_id", "item_id", "comment_id", "flag_id"}:
                    for big in PATH_IDS:
                        url = url_for_rule(rule, {**ids, name: big})
                        self.send(method, url, "", f"{name}={big}")


def stored_controls() -> list[str]:
    found = []
    db.session.rollback()
    for model, columns in STORED_TEXT:
        for row in db.session.execute(select(model)).scalars():
            for column in columns:
                value = getattr(row, column) or ""
                if FORBIDDEN.search(value):
                    found.append(f"{model.__tablename__}.{column} #{row.id}: {value[:40]!r}")
    return found


@pytest.mark.parametrize("role", FUZZ_ROLES)
def test_hostile_input_never_fails_the_server_nor_stores(app, world, live_server, role):  # noqa: F811
    users, ids = world
    app.config["WTF_CSRF_ENABLED"] = False
    draft = factories.forum(code="11560", phase="draft")
    draft_ids = {
        **ids,
        "forum_id": draft.id,
        "item_id": draft.items[0].id,
        "field_id": draft.fields[0].id,
    }
    client = app.test_client()
    if users[role] is not None:
        sign_in(client, users[role])
    fuzzer = Fuzzer(app, client)
    forms = fuzzer.discover([ids, draft_ids])
    for form in forms.values():
        fuzzer.fuzz_form(form)
    reached = {path for method, path in forms if method == "POST"}
    adapter = app.url_map.bind("localhost")
    endpoints = {adapter.match(path, method)[0] for method, path in forms}
    assert MUST_REACH[role] <= endpoints, MUST_REACH[role] - endpoints
    fuzzer.fuzz_queries(ids)
    fuzzer.sweep_posts(ids, reached)
    fuzzer.fuzz_path_ids(ids)
    assert fuzzer.sent > 100
    assert not fuzzer.failures, "\n".join(sorted(set(fuzzer.failures)))
    assert not stored_controls(), "\n".join(stored_controls())
