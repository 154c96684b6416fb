"""What a request carries is read under the app's error model: a body (JSON or
form fields) that is not UTF-8 or is nested too deep, and a query parameter given twice, are refusals
(400 `request.invalid`), never a 500 or a silent pick of one value."""

from __future__ import annotations

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


def decode_json(data: bytes | str, type: type[T] = Any) -> T:  # type: ignore[assignment]  # noqa: A002
    """msgspec.json.decode whose every failure is a 400 `request.invalid`."""
    try:
        return msgspec.json.decode(data, type=type)
    except msgspec.MsgspecError as exc:
        raise Problem(400, "request.invalid", reason=reason_of(exc)) from exc
    except (UnicodeDecodeError, RecursionError) as exc:
        raise unreadable(exc) from exc  # type: ignore[misc]


class CheckedRequest(Request):
    """The app's request class: its JSON body is decoded under the app's error model."""

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


async def refuse_repeated_parameters(request: Request) -> None:
    """`?ot=a&ot=b`: no parameter of this API takes a list, so a repeat is a mistake to
    tell, not a choice to make silently."""
    for name, values in request.query_params.dict().items():
        if len(values) > 1 and name not in LIST_PARAMETERS:
            raise Problem(
                400, "request.invalid", reason=text(N_("the query parameter {name} is given more than once"), name=name)
            )


def is_options_handler(handler: object) -> bool:
    """Litestar's own OPTIONS answer (the allowed methods): it shows nothing and needs no sign-in."""
    return isinstance(handler, HTTPRouteHandler) and handler.http_methods == {"OPTIONS"}
