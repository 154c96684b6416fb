"""The pages' only link to translations: the ONE place to swap at merge.

TEMPORARY until service.core.i18n lands. At merge, replace the block below by

    from service.core.i18n import DEFAULT_LANG, LANGS, gettext, negotiate, ngettext

and delete the stand-ins: the rest of the pages already call them with the same
signatures (`negotiate(*explicit, accept_language=None)`, `gettext(msg, lang=None)`,
`ngettext(singular, plural, n, lang=None)`). Then `make catalogs` extracts the
templates' strings; their French and Spanish are ready in
service/locale/{fr,es}/LC_MESSAGES/pages.po: `msgcat --use-first messages.po pages.po`
into messages.po, and delete pages.po. The browser tests look elements up through
`gettext`, so from then on they check the French (and English, Spanish) pages.

Until then the pages show their English source strings in every language; only the
`lang` attribute, Content-Language and the switch follow the choice.
"""

from __future__ import annotations

from jinja2 import Environment, pass_context
from jinja2.runtime import Context

# --- TEMPORARY stand-ins for service.core.i18n (same names, same signatures) ------------
from service.core.messages import DEFAULT_LANG, LANGS, pick_lang


def negotiate(*explicit: str | None, accept_language: str | None = None) -> str:
    for choice in explicit:
        if choice and choice.lower().split("-")[0] in LANGS:
            return choice.lower().split("-")[0]
    return pick_lang(None, accept_language)


def gettext(message: str, lang: str | None = None) -> str:
    return message


def ngettext(singular: str, plural: str, n: int, lang: str | None = None) -> str:
    return singular if n == 1 else plural


# --- end of the stand-ins -------------------------------------------------------------

__all__ = ["DEFAULT_LANG", "LANGS", "gettext", "install", "negotiate", "ngettext"]


def install(environment: Environment) -> None:
    """`_()`, `ngettext()` and `{% trans %}` in templates translate into the template's `lang`."""

    @pass_context
    def template_gettext(context: Context, message: str) -> str:
        return gettext(message, lang=context.get("lang"))

    @pass_context
    def template_ngettext(context: Context, singular: str, plural: str, n: int) -> str:
        return ngettext(singular, plural, n, lang=context.get("lang"))

    environment.add_extension("jinja2.ext.i18n")
    environment.install_gettext_callables(template_gettext, template_ngettext, newstyle=True)  # type: ignore[attr-defined]
