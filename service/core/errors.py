"""Every refusal is application/problem+json with a stable dotted `code`.

Handlers map Litestar's own exceptions (validation, 404, 405, 413 …) to the same
shape, and anything unexpected to a logged 500 that shows no internals.
"""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from service.core import i18n, logs, metrics
from service.core.refusals import render
from service.core.validation import explain_errors

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("service.errors")


class Problem(Exception):
    """A refusal with a stable code; `params` fill the message and are added to the body."""

    def __init__(
        self,
        status: int,
        code: str,
        *,
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.params = params
        self.headers = headers or {}

    def body(self, lang: str, timezone: str | None = None) -> dict[str, Any]:
        return problem_body(self.status, self.code, lang, timezone, **self.params)


def problem_body(status: int, code: str, lang: str, timezone: str | None = None, **params: Any) -> dict[str, Any]:
    """The problem+json body: title and detail for people in `lang` (moments in the Lot's
    time), params as fields for machines (moments in ISO 8601 UTC)."""
    title, detail = render(code, lang, params, timezone)
    body: dict[str, Any] = {"type": "about:blank", "status": status, "title": title, "detail": detail, "code": code}
    for key, value in params.items():
        body.setdefault(key, i18n.for_machines(value, lang))
    if (request_id := logs.current_request_id()) is not None:
        body["request_id"] = request_id
    return body


def request_lang(request: Request) -> str:
    """The language chosen for this request (see `service.core.i18n.use_request_lang`)."""
    return i18n.request_lang(request.scope)


def problem_response(
    request: Request, status: int, code: str, headers: dict[str, str] | None = None, **params: Any
) -> Response:
    timezone = request.app.state.settings.config.territory.timezone
    logs.note_refusal(code)
    return Response(
        content=problem_body(status, code, request_lang(request), timezone, **params),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _on_problem(request: Request, exc: Problem) -> Response:
    return problem_response(request, exc.status, exc.code, exc.headers, **exc.params)


def _on_validation(request: Request, exc: ValidationException) -> Response:
    errors = exc.extra if isinstance(exc.extra, list) else []
    reason, errors = explain_errors(errors, str(exc.detail))
    return problem_response(request, 400, "request.invalid", reason=reason, errors=errors)


_HTTP_CODES = {
    400: "request.invalid",
    401: "auth.required",
    403: "auth.forbidden",
    404: "request.not_found",
    405: "request.method_not_allowed",
    413: "request.too_large",
    415: "request.unsupported_media_type",
    429: "request.rate_limited",
    503: "service.unavailable",
}


def _on_http(request: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    if status >= 500 and not logs.client_gone():  # a hang-up is the network's, not a bug
        log.error("HTTP %s on %s %s: %s", status, request.method, request.url.path, exc.detail)
    code = _HTTP_CODES.get(status, "request.invalid" if status < 500 else "server.internal")
    # Litestar's own words (parser internals) are not for people: say what to fix, in their language
    params = (
        {"reason": i18n.text(i18n.N_("the body or a parameter could not be read"))} if code == "request.invalid" else {}
    )
    return problem_response(request, status, code, exc.headers, **params)


def _on_data_error(request: Request, exc: asyncpg.DataError) -> Response:
    # a value PostgreSQL cannot take (out of range, malformed) came from the request
    log.warning("data refused by the database on %s %s: %s", request.method, request.url.path, exc)
    return problem_response(
        request, 400, "request.invalid", reason=i18n.text(i18n.N_("a value is out of range or malformed"))
    )


def _on_database_gone(request: Request, exc: Exception) -> Response:
    # the connection broke mid-request (PostgreSQL stopped or restarted): an expected
    # state, not a bug; the pool reconnects by itself. asyncpg reports a connection cut
    # in the middle of a protocol step as an InterfaceError or InternalClientError (no
    # connection is ever shared between requests here, so that is the only way to meet one).
    log.error("database unavailable on %s %s: %r", request.method, request.url.path, exc)
    metrics.DATABASE_ERRORS.labels("connection_lost").inc()
    return problem_response(request, 503, "service.unavailable", {"Retry-After": "5"})


def _on_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(request, HTTP_500_INTERNAL_SERVER_ERROR, "server.internal")


EXCEPTION_HANDLERS = {
    Problem: _on_problem,
    ValidationException: _on_validation,
    NotAuthorizedException: _on_http,
    PermissionDeniedException: _on_http,
    NotFoundException: _on_http,
    HTTPException: _on_http,
    asyncpg.DataError: _on_data_error,
    asyncpg.PostgresConnectionError: _on_database_gone,
    asyncpg.exceptions.OperatorInterventionError: _on_database_gone,
    asyncpg.InterfaceError: _on_database_gone,
    asyncpg.InternalClientError: _on_database_gone,
    ConnectionError: _on_database_gone,
    TimeoutError: _on_database_gone,
    Exception: _on_unexpected,
}
