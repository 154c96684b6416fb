"""Query parameters as the API reads them."""

from __future__ import annotations

from litestar import Request

from service.core.errors import Problem


def refuse_repeated(request: Request, *names: str) -> None:
    """A single-valued parameter given twice is refused rather than one of its values silently kept."""
    for name in names:
        if len(request.query_params.getall(name, [])) > 1:
            raise Problem(400, "request.invalid", reason=f"`{name}` is given more than once")
