"""Every request, seen from outside the app: its id, one access line, its metrics, and
the headers of a public site (service.core.security).

Wraps Litestar's ASGI handler (inside its exception handling, so 404s and 500s are
seen too). The id is the client's `X-Request-ID` when it is a sane one, else a new
one; it is returned in the answer's `X-Request-ID`, repeated in problem bodies
(service.core.errors) and stamped on every log record (service.core.logs).
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING

from service.core import db, logs, metrics
from service.core.language import with_language
from service.core.ratelimit import client_digest
from service.core.security import secure_headers

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("service.access")

# Sane: short, and only characters that need no escaping anywhere. 64 at most, so that
# no token of ours (all longer) can be passed off as an id and end up in the logs.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")


# The status counted and logged for a request whose client hung up before its answer
# began (nginx's « client closed request »): not a server error, though the request's
# body could not be read.
CLIENT_CLOSED_REQUEST = 499

# What the request being served leaves for after its answer (`after_answer`).
_afterwards: ContextVar[list[Callable[[], Awaitable[None]]] | None] = ContextVar("afterwards", default=None)


async def after_answer(work: Callable[[], Awaitable[None]]) -> None:
    """Run `work` once the current request has answered and given back its connection: the
    client does not wait for it, the request's ASGI call does (so a test's in-process client
    sees it done). Asked twice in one request, it runs once; outside a request (a command,
    a test calling a service), it runs now. Its failure is logged, the answer stands."""
    pending = _afterwards.get()
    if pending is None:
        await _run(work)
    elif work not in pending:
        pending.append(work)


async def _run(work: Callable[[], Awaitable[None]]) -> None:
    try:
        await work()
    except Exception:  # noqa: BLE001 (the answer is given; the work's own owner catches up)
        log.exception("work after an answer failed")


def request_id_of(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            given = value.decode("latin-1")
            if SANE_REQUEST_ID.fullmatch(given):
                return given
            break
    return os.urandom(16).hex()


def observed(app: Litestar, handler: ASGIApp) -> ASGIApp:
    public_url = app.state.settings.public_url

    async def observe(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await handler(scope, receive, send)
            return
        request_id = request_id_of(scope)
        status = 500  # unless an answer starts

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [*with_language(scope, message.get("headers", ())), (b"x-request-id", request_id.encode())]
                message["headers"] = secure_headers(scope, headers, public_url)
            await send(message)

        async def receive_noting_hang_up() -> Message:
            message = await receive()
            if message["type"] == "http.disconnect" and status == 500:  # before any answer
                served.client_gone = True
            return message

        served = logs.RequestContext(request_id)
        context = logs.request_context.set(served)
        afterwards = _afterwards.set(pending := [])
        started = time.perf_counter()
        try:
            await handler(scope, receive_noting_hang_up, send_with_id)
        finally:
            await db.release_request_connection(scope, getattr(app.state, "pool", None))
            seconds = time.perf_counter() - started
            route = scope.get("path_template") or metrics.UNMATCHED_ROUTE
            method = scope["method"]
            if served.client_gone:
                status = CLIENT_CLOSED_REQUEST  # whatever the app made of it, nobody got it
            metrics.observe_request(method, route, status, seconds)
            if log.isEnabledFor(logging.INFO):
                _access_line(app, scope, method, route, status, seconds)
            _afterwards.reset(afterwards)
            for work in pending:
                await _run(work)
            logs.request_context.reset(context)

    return observe


def _access_line(app: Litestar, scope: Scope, method: str, route: str, status: int, seconds: float) -> None:
    client = scope.get("client")
    fields = {
        "method": method,
        "route": route,
        "status": status,
        "duration_ms": round(seconds * 1000, 1),
        # a keyed hash, as the rate limiter keeps it: tells clients apart, names none
        "client": client_digest(app.state.derived_keys.fingerprint, client[0]) if client else None,
    }
    if code := logs.request_context.get().code:  # type: ignore[union-attr]
        fields["code"] = code
    log.info("request", extra=fields)
