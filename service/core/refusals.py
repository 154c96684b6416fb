"""Every refusal the service answers with: a stable dotted code, its one HTTP status, and
its English title and detail, marked for translation.

Each room declares its own codes beside its routes with `declare` — `service/<room>/refusals.py`,
imported by the room's package, and each proof method in its own module; the codes of any
request are below. The code is the contract: docs/API.md lists every code, the OpenAPI
document is built from `statuses()`, and a test holds every `Problem(status, "code")` of the
code to what is declared. The words are for people and may be reworded; French and Spanish
are in the gettext catalogs (service/locale/<lang>/LC_MESSAGES/messages.po).

Adding a code:
1. `"area.what": (409, N_("Title"), N_("Detail with {param}."))` in its room's `declare` —
   English, with `Np_(singular, plural, "param")` when a number chooses the form.
2. `make catalogs` adds the new strings to the .po files; write their French and Spanish
   there (tests/test_i18n.py fails on an empty or fuzzy entry).
3. Its row in docs/API.md (tests/test_journey.py compares the two).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from service.core.i18n import N_, Text, gettext


@dataclass(frozen=True)
class Plural:
    singular: str
    plural: str
    count: str  # the param whose number chooses the form


def Np_(singular: str, plural: str, count: str) -> Plural:  # noqa: N802 - a gettext-style marker
    """Marks a plural message for extraction (`-k Np_:1,2`)."""
    return Plural(singular, plural, count)


# The detail may hold {placeholders} filled from the problem's params.
Detail = str | Plural


@dataclass(frozen=True)
class Refusal:
    status: int
    title: str
    detail: Detail


_DECLARED: dict[str, Refusal] = {}


def declare(table: Mapping[str, tuple[int, str, Detail]]) -> frozenset[str]:
    """Declares a room's codes (its status, title and detail each); a code declared twice
    differently stops the import. Returns the room's codes."""
    for code, (status, title, detail) in table.items():
        refusal = Refusal(status, title, detail)
        if _DECLARED.setdefault(code, refusal) != refusal:
            raise RuntimeError(f"refusal code {code} is declared twice, differently")
    return frozenset(table)


def declared() -> Mapping[str, Refusal]:
    """Every code declared so far (all of them once the application is built)."""
    return MappingProxyType(_DECLARED)


def statuses() -> dict[str, int]:
    """code → HTTP status, sorted by code: the contract's table."""
    return {code: _DECLARED[code].status for code in sorted(_DECLARED)}


_UNKNOWN = Refusal(500, N_("Error"), "")


def detail_text(code: str, params: dict[str, Any]) -> Text:
    """The detail of `code` as a text to render in a language; unknown codes degrade."""
    detail = _DECLARED.get(code, _UNKNOWN).detail
    if isinstance(detail, Plural):
        return Text(detail.singular, params, detail.plural, detail.count)
    return Text(detail, params)


def render(code: str, lang: str, params: dict[str, Any], timezone: str | None = None) -> tuple[str, str]:
    """(title, detail) of a code in `lang`; missing params degrade, never fail."""
    return gettext(_DECLARED.get(code, _UNKNOWN).title, lang), detail_text(code, params).render(lang, timezone)


# Any request's
CODES = declare(
    {
        "request.invalid": (
            400,
            N_("Invalid request"),
            N_("The request is invalid: {reason}"),
        ),
        "request.not_found": (
            404,
            N_("Not found"),
            N_("This resource does not exist."),
        ),
        "request.method_not_allowed": (
            405,
            N_("Method not allowed"),
            N_("This method is not allowed here."),
        ),
        "request.too_large": (
            413,
            N_("Request too large"),
            N_("The request is too large."),
        ),
        "request.unsupported_media_type": (
            415,
            N_("Unsupported media type"),
            N_("This content type is not accepted."),
        ),
        "request.rate_limited": (
            429,
            N_("Too many requests"),
            N_("Too many requests: try again in a moment."),
        ),
        "server.internal": (
            500,
            N_("Internal error"),
            N_("An internal error occurred; it has been logged."),
        ),
        "service.unavailable": (
            503,
            N_("Service unavailable"),
            N_("The service is temporarily unavailable."),
        ),
    }
)
