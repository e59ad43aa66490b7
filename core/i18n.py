"""Locale choice and display helpers: Korean by default, English on request, Seoul time."""

from datetime import datetime

from flask import current_app
from flask import Flask
from flask import has_request_context
from flask import request
from flask_babel import Domain
from flask_babel import format_datetime
from flask_babel import format_decimal
from flask_babel import get_locale
from flask_babel import get_translations
from flask_babel import gettext
from flask_babel import ngettext
from jinja2 import pass_context
from markupsafe import Markup

from core import money
from core import particles
from core.districts import district_names
from core.extensions import babel

LANG_COOKIE = "lang"


def select_locale() -> str:
    """The language cookie wins; otherwise Korean, the product's default."""
    languages = current_app.config["LANGUAGES"]
    chosen = request.cookies.get(LANG_COOKIE) if has_request_context() else None
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def krw(amount: int | None) -> str:
    """Format a whole-KRW amount for the current locale: 500,000,000원 / ₩500,000,000."""
    if amount is None:
        return ""
    number = format_decimal(int(amount), format="#,##0")
    if str(get_locale()) == "ko":
        return f"{number}원"
    return f"₩{number}"


def spoken_krw(amount: int | None) -> str:
    """An amount as people read it on the current page's language: 5억 원, KRW 500 million."""
    return money.spoken_krw(amount, str(get_locale()))


def when(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    """Format an aware UTC datetime in Asia/Seoul."""
    if value is None:
        return ""
    return format_datetime(value, fmt)


def duration(seconds: float) -> str:
    """Human time left: days and hours, or hours and minutes when under a day."""
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return gettext("%(days)d days %(hours)d hours", days=days, hours=hours)
    if hours:
        return gettext("%(hours)d hours %(minutes)d minutes", hours=hours, minutes=minutes)
    return ngettext("%(num)d minute", "%(num)d minutes", minutes)


def localized(korean: str, english: str | None) -> str:
    """Pick the English form of a name on English pages when there is one."""
    if english and str(get_locale()) == "en":
        return english
    return korean


def in_locale(thing, name: str = "title") -> str:
    """A record's text in the page's language: ``NAME_en`` on English pages when
    filled (a forum's or an item's title, summary or description), else ``NAME``."""
    return localized(getattr(thing, name), getattr(thing, f"{name}_en", ""))


class ParticleDomain(Domain):
    """The message domain, with Korean particles after placeholders chosen for the
    values given (``core.particles.fill``): "%(item)s은(는)" reads "T-01은"."""

    def gettext(self, string, **variables):
        text = self.get_translations().ugettext(string)
        return particles.fill(text, variables) % variables if variables else text

    def ngettext(self, singular, plural, num, **variables):
        variables.setdefault("num", num)
        text = self.get_translations().ungettext(singular, plural, num)
        return particles.fill(text, variables) % variables


def _format(context, text: str, variables: dict) -> str:
    """Format a translated template string as Jinja's own newstyle gettext does (values
    escaped, the message trusted), with particles resolved first."""
    if context.eval_ctx.autoescape:
        return Markup(particles.fill(Markup(text), variables)) % variables
    return particles.fill(text, variables) % variables


@pass_context
def _template_gettext(context, string: str, **variables) -> str:
    return _format(context, get_translations().ugettext(string), variables)


@pass_context
def _template_ngettext(context, singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    return _format(context, get_translations().ungettext(singular, plural, num), variables)


def init_app(app: Flask) -> None:
    babel.domain_instance = ParticleDomain(domain=app.extensions["babel"].default_domain)
    app.jinja_env.globals["gettext"] = _template_gettext
    app.jinja_env.globals["ngettext"] = _template_ngettext
    app.jinja_env.filters["krw"] = krw
    app.jinja_env.filters["money"] = spoken_krw
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["duration"] = duration
    app.jinja_env.filters["in_locale"] = in_locale
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
    app.jinja_env.globals["localized"] = localized
    app.jinja_env.globals["district_names"] = district_names
    app.jinja_env.add_extension("jinja2.ext.i18n")
