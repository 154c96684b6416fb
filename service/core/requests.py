"""What a request carries is read under the app's error model: a body (JSON or
form fields) that is not UTF-8 or is nested too deep, and a query parameter given twice, are refusals
(400 `request.invalid`), never a 500 or a silent pick of one value."""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

import msgspec
from litestar import Request
from litestar.handlers import HTTPRouteHandler

from service.core.errors import Problem
from service.core.i18n import N_, text
from service.core.validation import reason_of

T = TypeVar("T")

# What msgspec raises besides its own errors: bytes that are not UTF-8 inside a
# string, and a document nested past the interpreter's recursion limit.
_UNREADABLE: dict[type[Exception], str] = {
    UnicodeDecodeError: N_("the body is not valid UTF-8"),
    RecursionError: N_("the body is nested too deep"),
}


def unreadable(exc: Exception) -> Problem | None:
    """The refusal for a body msgspec could not read for want of UTF-8 or depth."""
    for kind, reason in _UNREADABLE.items():
        if isinstance(exc, kind):
            return Problem(400, "request.invalid", reason=text(reason))
    return None


def _not_utf8(data: bytes | str) -> bool:
    if isinstance(data, str):
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def decode_json(data: bytes | str, type: type[T] = Any) -> T:  # type: ignore[assignment]  # noqa: A002
    """msgspec.json.decode whose every failure is a 400 `request.invalid`. Bytes that are not
    UTF-8 are told by what they are, whichever error this msgspec release raises for them
    (0.23 raises its DecodeError where earlier ones let UnicodeDecodeError through)."""
    try:
        return msgspec.json.decode(data, type=type)
    except msgspec.MsgspecError as exc:
        if _not_utf8(data):
            raise Problem(400, "request.invalid", reason=text(_UNREADABLE[UnicodeDecodeError])) from exc
        raise Problem(400, "request.invalid", reason=reason_of(exc)) from exc
    except (UnicodeDecodeError, RecursionError) as exc:
        raise unreadable(exc) from exc  # type: ignore[misc]


def is_json(media_type: str) -> bool:
    """`application/json` or `application/…+json` (a type no cross-site form can send)."""
    media_type = media_type.split(";")[0].strip().lower()
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


class CheckedRequest(Request):
    """The app's request class: its JSON body is decoded under the app's error model."""

    async def body(self) -> bytes:
        """A JSON body is UTF-8 (RFC 8259 §8.1) before anything decodes it, so the refusal says
        so whatever the JSON library of the day raises."""
        body = await super().body()
        if body and is_json(self.content_type[0]) and _not_utf8(body):
            raise Problem(400, "request.invalid", reason=text(_UNREADABLE[UnicodeDecodeError]))
        return body

    async def json(self) -> Any:
        try:
            return await super().json()
        except (UnicodeDecodeError, RecursionError) as exc:
            raise unreadable(exc) from exc  # type: ignore[misc]

    async def form(self) -> Any:
        try:
            return await super().form()
        except UnicodeDecodeError as exc:
            raise unreadable(exc) from exc  # type: ignore[misc]


# The few parameters that do take a list (`by=week&by=mode` as well as `by=week,mode`).
LIST_PARAMETERS = frozenset({"by"})


# The days a route can mean: the scheme's data starts in the 2020s, and years 1 or 9999
# would overflow the date arithmetic (a day added, a moment moved into UTC).
EARLIEST_DAY, LATEST_DAY = date(2000, 1, 1), date(2099, 12, 31)


def check_day(day: date | None, name: str) -> None:
    """400 `request.invalid` for a day outside the years the service can mean."""
    if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
        raise Problem(
            400,
            "request.invalid",
            reason=text(
                N_("{name}: a date between {first} and {last}"), name=name, first=EARLIEST_DAY, last=LATEST_DAY
            ),
        )


def check_query_parameters(request: Request) -> None:
    """`?ot=a&ot=b`: no parameter of this API takes a list, so a repeat is a mistake to
    tell, not a choice to make silently."""
    if not request.scope.get("query_string"):  # most requests: nothing to parse
        return
    for name, values in request.query_params.dict().items():
        if len(values) > 1 and name not in LIST_PARAMETERS:
            raise Problem(
                400, "request.invalid", reason=text(N_("the query parameter {name} is given more than once"), name=name)
            )


def is_options_handler(handler: object) -> bool:
    """Litestar's own OPTIONS answer (the allowed methods): it shows nothing and needs no sign-in."""
    return isinstance(handler, HTTPRouteHandler) and handler.http_methods == {"OPTIONS"}
