"""Jinja for the pages: one environment (i18n, assets, language links) and `page()`."""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from litestar import Request
from litestar.di import NamedDependency
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

from service.accounts.guards import form_token
from service.core import i18n
from service.core.security import content_security_policy
from service.pages.assets import asset_url
from service.settings import Mode

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"

# Pages load only their own bundles; `bypass_csp` lets the browser tests inject axe-core.


Lang = NamedDependency[str]


def page_lang(request: Request) -> str:
    """The page's language (the `lang` dependency), chosen as for the API: `?lang=`, then
    Accept-Language, then French."""
    return i18n.request_lang(request.scope)


def lang_url(request: Request, lang: str) -> str:
    """This page (path and query) in another language."""
    query = [(key, value) for key, value in request.query_params.multi_items() if key != "lang"]
    query.append(("lang", lang))
    return f"{request.url.path}?{urlencode(query)}"


def install_translations(environment: Environment) -> None:
    """`_()`, `ngettext()` and `{% trans %}` in templates translate into the template's `lang`,
    from the same catalogs as the API's messages; `| number` writes a figure as `lang` does."""

    @pass_context
    def template_gettext(context: Context, message: str) -> str:
        return i18n.gettext(message, lang=context.get("lang"))

    @pass_context
    def template_ngettext(context: Context, singular: str, plural: str, n: int) -> str:
        return i18n.ngettext(singular, plural, n, lang=context.get("lang"))

    @pass_context
    def number(context: Context, value: float) -> str:
        return i18n.format_number(value, context.get("lang"))

    @pass_context
    def mode_words(context: Context) -> dict[str, str]:
        """The arrival modes in words (« car liO »), in the arrival modes' order."""
        return {mode: i18n.gettext(i18n.TERMS[mode], lang=context.get("lang")) for mode in get_args(Mode)}

    environment.filters["number"] = number
    environment.globals["mode_words"] = mode_words
    # the zone the pages' scripts write moments in (<meta name="timezone">): this request's territory's
    environment.globals["territory_timezone"] = i18n.current_timezone
    environment.add_extension("jinja2.ext.i18n")
    environment.install_gettext_callables(template_gettext, template_ngettext, newstyle=True)  # type: ignore[attr-defined]


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["j2", "html"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    install_translations(environment)
    environment.globals.update(asset=asset_url, lang_url=lang_url, LANGS=i18n.LANGS, form_token=form_token)
    return TemplateConfig(engine=JinjaTemplateEngine.from_environment(environment))


def page(template_name: str, lang: str, *, image_origins: tuple[str, ...] = (), **context: Any) -> Template:
    """A page in `lang`: the template gets `lang`, `numbers` written in it (and Litestar
    adds `request`); `image_origins`, the only other origins its images may come from."""
    return Template(
        template_name=template_name,
        context={"lang": lang, "numbers": i18n.Numbers(lang), **context},
        headers={
            "Content-Language": lang,
            "Vary": "Accept-Language",
            "Content-Security-Policy": content_security_policy(image_origins),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
        },
    )
