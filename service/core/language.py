"""Every answer says its language: the hooks that choose it per request and label the answer."""

from __future__ import annotations

from litestar import Request
from litestar.types import Scope

from service.core import i18n


def choose_language(request: Request) -> None:
    """before_request: `?lang=` then Accept-Language; a body's `lang` may override it later."""
    i18n.use_request_lang(request.scope, i18n.request_lang(request.scope))
    i18n.set_timezone(request.app.state.settings.config.territory.timezone)


def with_language(scope: Scope, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """An answer's headers with its Content-Language, and Vary for caches (every answer,
    problems included: service.core.observe calls it as the answer starts)."""
    vary = None
    kept = []
    for name, value in headers:
        lowered = name.lower()
        if lowered == b"content-language":
            continue
        if lowered == b"vary":
            vary = value
            continue
        kept.append((name, value))
    if vary is None:
        vary = b"Accept-Language"
    elif b"accept-language" not in vary.lower():
        vary += b", Accept-Language"
    return [*kept, (b"content-language", i18n.request_lang(scope).encode()), (b"vary", vary)]
