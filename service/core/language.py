"""Every answer says its language: the hooks that choose it per request and label the answer."""

from __future__ import annotations

from litestar import Request
from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

from service.core import i18n


def choose_language(request: Request) -> None:
    """before_request: `?lang=` then Accept-Language; a body's `lang` may override it later."""
    i18n.use_request_lang(request.scope, i18n.request_lang(request.scope))
    i18n.set_timezone(request.app.state.settings.config.territory.timezone)


async def label_language(message: Message, scope: Scope) -> None:
    """before_send: Content-Language on every answer, problems included, and Vary for caches."""
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    headers["Content-Language"] = i18n.request_lang(scope)  # type: ignore[arg-type]
    vary = headers.get("Vary")
    if vary is None:
        headers["Vary"] = "Accept-Language"
    elif "accept-language" not in vary.lower():
        headers["Vary"] = f"{vary}, Accept-Language"
