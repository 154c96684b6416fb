"""One translation source for the API's messages and the pages: gettext catalogs.

Source strings are English; French and Spanish live in
`service/locale/<lang>/LC_MESSAGES/messages.po`, read into memory at first use
(no compiled .mo to go stale). `make catalogs` extracts new strings for translators.

The request's language is negotiated once (body `lang`, `?lang=`, Accept-Language)
and kept in a context variable; `gettext`/`ngettext` default to it.
"""

from __future__ import annotations

import io
from collections.abc import MutableMapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qs

from babel.dates import format_skeleton, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import Translations

from service.core.clock import now, to_local

LANGS: Final = ("fr", "en", "es")
DEFAULT_LANG: Final = "fr"  # no preference at all: the Lot speaks French
FALLBACK_LANG: Final = "en"  # a preference was stated, none of ours: English is the likelier common ground
LOCALE_DIR: Final = Path(__file__).resolve().parent.parent / "locale"
# Babel locales for formatting: British English writes "26 Nov", as Europeans read dates
_BABEL_LOCALES: Final = {"fr": "fr_FR", "en": "en_GB", "es": "es_ES"}
# The Lot's zone until a request says otherwise (the app sets it from config for each request)
_DEFAULT_TIMEZONE: Final = "Europe/Paris"

_lang: ContextVar[str] = ContextVar("tbc_lang", default=DEFAULT_LANG)
_timezone: ContextVar[str] = ContextVar("tbc_timezone", default=_DEFAULT_TIMEZONE)


def _supported(tag: str) -> str | None:
    primary = tag.strip().lower().replace("_", "-").split("-")[0]
    return primary if primary in LANGS else None


def _by_quality(accept_language: str) -> list[str]:
    weighted = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag.strip() and quality > 0:
            weighted.append((-quality, position, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]


def negotiate(*explicit: str | None, accept_language: str | None = None) -> str:
    """The answer's language: the first explicit choice given (body `lang`, then `?lang=`),
    else Accept-Language by quality; a stated but unsupported preference gives English,
    no preference at all French."""
    for choice in explicit:
        if choice is not None and choice.strip():
            return _supported(choice) or FALLBACK_LANG
    if accept_language and accept_language.strip():
        tags = _by_quality(accept_language)
        for tag in tags:
            if tag == "*":
                return DEFAULT_LANG
            if supported := _supported(tag):
                return supported
        return FALLBACK_LANG
    return DEFAULT_LANG


def current_lang() -> str:
    return _lang.get()


def set_lang(lang: str) -> None:
    """Make `lang` the current language of this request (the app's hooks call it)."""
    _lang.set(lang if lang in LANGS else FALLBACK_LANG)


def current_timezone() -> str:
    return _timezone.get()


def set_timezone(timezone: str) -> None:
    _timezone.set(timezone)


@lru_cache(maxsize=len(LANGS))
def translations(lang: str) -> Translations:
    """The catalog of `lang`, read from its .po once. English is the source: no catalog."""
    if lang not in LANGS:
        raise ValueError(f"unsupported language {lang!r}")
    po = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if lang == "en" and not po.exists():
        return Translations()
    with po.open("rb") as source:
        catalog = read_po(source, locale=lang)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)  # a fuzzy guess is not a translation
    compiled.seek(0)
    return Translations(compiled, domain="messages")


def gettext(message: str, lang: str | None = None) -> str:
    return translations(lang or current_lang()).gettext(message)


def ngettext(singular: str, plural: str, n: int, lang: str | None = None) -> str:
    return translations(lang or current_lang()).ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 - the usual gettext marker name
    """Marks `message` for extraction; it is translated where it is shown."""
    return message


@dataclass(frozen=True)
class Text:
    """A message translated when shown: English source, {placeholders} filled from params.
    For a plural, `plural` is set and `count` names the param that chooses the form."""

    message: str
    params: dict[str, Any] = field(default_factory=dict)
    plural: str | None = None
    count: str | None = None

    def render(self, lang: str | None = None, timezone: str | None = None) -> str:
        lang = lang or current_lang()
        if self.plural is not None and self.count is not None and isinstance(self.params.get(self.count), int):
            template = ngettext(self.message, self.plural, self.params[self.count], lang)
        else:
            template = gettext(self.message, lang)
        shown = {name: for_people(value, lang, timezone) for name, value in self.params.items()}
        try:
            return template.format(**shown)
        except (KeyError, IndexError, ValueError):
            return template  # a missing parameter degrades the sentence, never the answer


def text(message: str, /, **params: Any) -> Text:
    """A sentence to translate later; mark the literal with N_ for extraction: text(N_("…"), x=1)."""
    return Text(message, params)


@dataclass(frozen=True)
class Term:
    """A machine value (`bike`) that a sentence names in words (« vélo »); JSON keeps the value."""

    value: str
    label: str


# The words for the values that messages name; the values themselves are the API's.
TERMS: Final = {
    "train": N_("train"),
    "bus": N_("liO coach"),
    "bike": N_("bike"),
    "approved": N_("approved"),
    "rejected": N_("rejected"),
    "pending": N_("pending"),
}


def term(value: str) -> Term | str:
    """`value` named in words when a label is known."""
    return Term(value, TERMS[value]) if value in TERMS else value


def format_day(day: date, lang: str | None = None) -> str:
    """A day as people write it: « 26 nov. », "26 Nov", with the year when it is not this one."""
    locale = _BABEL_LOCALES[lang or current_lang()]
    this_year = to_local(now(), current_timezone()).year
    return format_skeleton("MMMd" if day.year == this_year else "yMMMd", day, locale=locale)


@dataclass(frozen=True)
class End:
    """A moment that ends something (a validity): local midnight reads as the end of the day before."""

    moment: datetime


def format_moment(moment: datetime, lang: str | None = None, timezone: str | None = None, *, end: bool = False) -> str:
    """A moment in the Lot's time for people: « le 26 nov. à 00:28 », "on 26 Nov at 00:28";
    an `end` at local midnight is the last minute of the day before (« expiré le 23 nov. à
    23:59 »), as the pass page writes it: « à minuit » reads as the start of that day to many."""
    lang = lang or current_lang()
    local = to_local(moment, timezone or current_timezone())
    if end and (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
        local -= timedelta(minutes=1)
    clock = format_time(local, "HH:mm", locale=_BABEL_LOCALES[lang])
    return gettext("on {day} at {time}", lang).format(day=format_day(local.date(), lang), time=clock)


def format_number(value: float, lang: str | None = None) -> str:
    """A figure of a message as the language writes it, to a tenth at most: « 2,5 », "2.5", « 2 »."""
    return format_decimal(value, format="#,##0.#", locale=_BABEL_LOCALES[lang or current_lang()])


@dataclass(frozen=True)
class Numbers:
    """Figures, days and moments written as the page's language writes them
    (« 1 234,5 », "1,234.5")."""

    lang: str

    @property
    def locale(self) -> str:
        return _BABEL_LOCALES[self.lang]

    def count(self, value: float | None, digits: int = 0) -> str:
        if value is None:
            return "–"
        return format_decimal(value, format="#,##0" + ("." + "0" * digits if digits else ""), locale=self.locale)

    def rate(self, value: float | None) -> str:
        return "–" if value is None else format_percent(value, format="#,##0.0 %", locale=self.locale)

    def day(self, value: date) -> str:
        return format_day(value, self.lang)

    def moment(self, value: datetime | None) -> str:
        return "–" if value is None else format_moment(value, self.lang)

    def time(self, value: datetime) -> str:
        """A moment's time of day in the Lot (« 14:00 »)."""
        return format_skeleton("Hm", to_local(value, current_timezone()), locale=self.locale)

    @staticmethod
    def capital(words: str) -> str:
        """Words heading a row: « train » → « Train », « car liO » → « Car liO »."""
        return words[:1].upper() + words[1:]

    def week_start(self, key: str) -> str:
        """The Monday of an ISO week key of the report ("2026-W14")."""
        year, _, week = key.partition("-W")
        return self.day(date.fromisocalendar(int(year), int(week), 1))


def for_people(value: Any, lang: str | None = None, timezone: str | None = None) -> Any:
    """A message parameter as a person reads it: moments in the Lot's time, days in words,
    nested texts translated. JSON fields keep their ISO form (see `for_machines`)."""
    if isinstance(value, Text):
        return value.render(lang, timezone)
    if isinstance(value, End):
        return format_moment(value.moment, lang, timezone, end=True)
    if isinstance(value, Term):
        return gettext(value.label, lang)
    if isinstance(value, datetime):
        return format_moment(value, lang, timezone)
    if isinstance(value, date):
        return format_day(value, lang)
    if isinstance(value, float):
        return format_number(value, lang)
    return value


def for_machines(value: Any, lang: str | None = None) -> Any:
    """A parameter as a JSON field: moments in ISO 8601 UTC, texts translated."""
    if isinstance(value, Text):
        return value.render(lang)
    if isinstance(value, End):
        value = value.moment
    if isinstance(value, Term):
        return value.value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: for_machines(item, lang) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [for_machines(item, lang) for item in value]
    return value


# -- the request's language ----------------------------------------------------------------
_SCOPE_KEY: Final = "tbc.lang"


def request_lang(scope: MutableMapping[str, Any]) -> str:
    """The language of the request in `scope`: the one chosen for it, else `?lang=` and
    Accept-Language (the body's `lang` is read by the handler that reads the body)."""
    if chosen := scope.get(_SCOPE_KEY):
        return chosen
    given = scope.get("query_string", b"")
    query = parse_qs(given.decode("latin-1")).get("lang") if given else None
    accept = next(
        (value.decode("latin-1") for name, value in scope.get("headers", ()) if name == b"accept-language"), None
    )
    return negotiate(query[0] if query else None, accept_language=accept)


def use_request_lang(scope: MutableMapping[str, Any], lang: str) -> None:
    """The request in `scope` answers in `lang` (and `gettext` defaults to it)."""
    scope[_SCOPE_KEY] = lang
    set_lang(lang)
