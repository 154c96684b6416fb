"""The OT a staff question is about — the `ot_scope` dependency of the routes that answer for an
OT or for the whole department (reports, the review queue, slots, managed sites)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request
from litestar.di import Provide
from litestar.params import QueryParameter

from service.accounts.guards import Staff
from service.core.db import DB
from service.core.errors import Problem
from service.territory import repository

OtParam = Annotated[str | None, QueryParameter(description="an OT id; the pilot omits it for the department")]


async def checked_scope(staff: Staff, db: DB, ot: str | None) -> str | None:
    """`ot` if `staff` may see it (403 otherwise, 404 for no such OT), an OT user's own by
    default; None is the whole department."""
    scope = staff.ot_scope(ot)
    if scope is not None and not await repository.ot_exists(db, scope):
        raise Problem(404, "ot.unknown", ot=scope)
    return scope


async def _asked_scope(request: Request[Staff, Any, Any], db: DB, ot: OtParam = None) -> str | None:
    return await checked_scope(request.user, db, ot)


# A handler's `ot_scope: NamedDependency[str | None]`, with these in its route's `dependencies`.
OT_SCOPE = {"ot_scope": Provide(_asked_scope)}
