"""The served OpenAPI document, completed with what Litestar cannot infer: who may
call each operation (bearer schemes), the problem+json answers each one really
sends (by code, from the one code → status table), the 202 of claims, the CSV
report, and an example of every operation.

The interactive page under /schema is Swagger UI from a Python package
(swagger-ui-py), served by the app itself: it works offline and never loads a CDN.
"""

from __future__ import annotations

import copy
import html
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Final

from litestar import Request
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin
from litestar.serialization import encode_json
from litestar.static_files import create_static_files_router

from service.core import refusals

ASSETS_PATH: Final = "/schema/assets"


def _swagger_ui_dir() -> Path:
    # the package's files only: importing it would load its web-framework adapters
    spec = find_spec("swagger_ui")
    assert spec is not None and spec.submodule_search_locations, "swagger-ui-py is not installed"
    return Path(next(iter(spec.submodule_search_locations))) / "static"


SWAGGER_UI_DIR: Final = _swagger_ui_dir()

# staff programs send the bearer header; the staff pages, the session cookie
STAFF: Final = [{"staff": []}, {"staffSession": []}]
PASS_TOKEN: Final = [{"pass": []}]
# the QR image: the signed link of the claim answer (no credential), the pass token as bearer, or ?token=
QR: Final = [{}, {"pass": []}, {"passQuery": []}]

STAFF_REFUSALS: Final = ("auth.required", "auth.invalid_token", "auth.forbidden")
HOLDER_REFUSALS: Final = ("pass.token_required", "pass.invalid", "auth.forbidden", "pass.not_found")
# any operation may fail unexpectedly, or find the database away
ALWAYS: Final = ("server.internal", "service.unavailable")

PASS_EXAMPLE: Final = {
    "code": "K7M2QX9RTA",
    "code_display": "K7M2-QX9R-TA",
    "token": "eyJhbGciOiJFZERTQSIsImtpZCI6IlVtNzFOWmJwIn0.eyJqdGkiOiJLN00yUVg5UlRBIn0.c2lnbmF0dXJl",
    "persons": 2,
    "mode": "train",
    "method": "declared_trip",
    "confidence": "plausible",
    "valid_from": "2026-07-13T22:00:00Z",
    "valid_until": "2026-07-20T22:00:00Z",
    "qr_svg_url": "/api/v1/passes/K7M2QX9RTA/qr.svg?expires=1784120400&sig=0cJ3l2mQq8cXb3VxY2Ff1w7E",
    "qr_png_url": "/api/v1/passes/K7M2QX9RTA/qr.png?expires=1784120400&sig=0cJ3l2mQq8cXb3VxY2Ff1w7E",
    "checks": {"timetable_checked": True},
    # null when the service has no wallet account
    "wallet": {
        "apple": "/api/v1/passes/K7M2QX9RTA/wallet/apple?expires=1784120400&sig=Qm9uam91ciBsZSBMb3Qh",
        "google": "/api/v1/passes/K7M2QX9RTA/wallet/google?expires=1784120400&sig=QWRpZXUgbGEgdm9pdHU",
    },
}
REVIEW_ID: Final = "3f0c2a8e-6b1d-4c55-9e2f-0a7d4b1c9e21"
SLOT_EXAMPLE: Final = {
    "id": 41,
    "start": "2026-07-15T08:00:00Z",
    "end": "2026-07-15T09:00:00Z",
    "capacity": 10,
    "remaining": 7,
}


@dataclass(frozen=True)
class Doc:
    """What the document says of one operation beyond what Litestar infers."""

    refusals: tuple[str, ...]
    example: Any = None  # of the success answer
    request: Any = None  # of the request body
    security: list[dict[str, list[str]]] | None = None


SITE_EXAMPLE: Final[dict[str, Any]] = {
    "id": "musee-henri-martin",
    "name": "Musée Henri-Martin",
    "ot": "cahors",
    "lat": 44.4475,
    "lon": 1.4412,
    "modes": ["train", "bus", "bike"],
    "offer": {"label": "Tarif réduit", "label_en": "Reduced fare", "label_es": "Tarifa reducida"},
    "proof_max_age_days": 7,
    "min_confidence": "plausible",
    "bookable": False,
    "booking_required": False,
}


# The table each domain's api_doc.py fills: (method, path) → what Litestar cannot infer.
Operations = dict[tuple[str, str], Doc]


# What this module says of its own routes; each domain says it of its routes in its
# api_doc.py, and the application hands the whole table to `ContractJson`.
OPERATIONS: Final[Operations] = {
    ("get", "/health/live"): Doc((), {"status": "ok"}),
    ("get", "/health/ready"): Doc((), {"status": "ok"}),
}

SECURITY_SCHEMES: Final = {
    "staff": {
        "type": "http",
        "scheme": "bearer",
        "description": "A staff access token from POST /api/v1/auth/token (partner, ot, pilot, admin), or a "
        "partner's device token.",
    },
    "staffSession": {
        "type": "apiKey",
        "in": "cookie",
        "name": "tbc_staff",
        "description": "The staff pages' session: POST /api/v1/auth/session with a staff bearer token sets this "
        "HttpOnly, SameSite=Strict cookie; writes carried by it must come from the service's own origin.",
    },
    "pass": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT (EdDSA)",
        "description": "The pass token the claim answered with: the holder's credential.",
    },
    "passQuery": {
        "type": "apiKey",
        "in": "query",
        "name": "token",
        "description": "The pass token as `?token=`, kept for compatibility; prefer the signed QR links.",
    },
}

PROBLEM_SCHEMA: Final = {
    "type": "object",
    "description": "RFC 9457 problem details. `code` is stable; `title` and `detail` are for people, in the "
    "request's language. Fields named in a message (e.g. `days`, `first`) are added beside them.",
    "required": ["type", "status", "title", "detail", "code"],
    "properties": {
        "type": {"type": "string", "example": "about:blank"},
        "status": {"type": "integer"},
        "title": {"type": "string"},
        "detail": {"type": "string"},
        "code": {"type": "string", "description": "one of `x-error-codes`"},
        "request_id": {"type": "string", "description": "the X-Request-ID of the request, when it has one"},
    },
    "additionalProperties": True,
}

REPORT_SCHEMA: Final = {
    "type": "object",
    "required": ["ot", "from", "to", "totals", "rows"],
    "properties": {
        "ot": {"type": ["string", "null"], "description": "null: the whole department"},
        "from": {"type": "string", "format": "date"},
        "to": {"type": "string", "format": "date"},
        "totals": {"$ref": "#/components/schemas/UptakeFigures"},
        "rows": {"type": "array", "items": {"$ref": "#/components/schemas/UptakeFigures"}},
    },
}
FIGURES_SCHEMA: Final = {
    "type": "object",
    "description": "Figures of the period; rows also carry their group's key (mode, site, week, method, stop or ot) "
    "and, for sites and stops, a name.",
    "properties": {
        "passes": {"type": "integer"},
        "persons": {"type": "integer"},
        "redemptions": {"type": "integer"},
        "passes_used": {"type": "integer"},
        "uptake_rate": {"type": "number"},
        "co2_avoided_kg": {"type": "number"},
    },
    "additionalProperties": True,
}


def problem_example(code: str) -> dict[str, Any]:
    title, detail = refusals.render(code, "en", {})
    return {"type": "about:blank", "status": refusals.statuses()[code], "title": title, "detail": detail, "code": code}


def _problem_responses(codes: tuple[str, ...]) -> dict[str, Any]:
    by_status: dict[int, list[str]] = defaultdict(list)
    statuses = refusals.statuses()
    for code in dict.fromkeys((*codes, *ALWAYS)):
        by_status[statuses[code]].append(code)
    return {
        str(status): {
            "description": "; ".join(f"`{code}`" for code in status_codes),
            "content": {
                "application/problem+json": {
                    "schema": {"$ref": "#/components/schemas/Problem"},
                    "examples": {code: {"value": problem_example(code)} for code in status_codes},
                }
            },
        }
        for status, status_codes in sorted(by_status.items())
    }


def _complete_operation(path: str, method: str, operation: dict[str, Any], doc: Doc) -> None:
    responses = operation.setdefault("responses", {})
    for status in [status for status in responses if status.startswith(("4", "5"))]:
        del responses[status]  # Litestar's generic {status_code, detail, extra}: never sent
    success = next(iter(responses.values()), None)
    if (method, path) == ("post", "/api/v1/claims"):
        responses["201"] = {
            "description": "The proof holds: the pass.",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ClaimAccepted"}}},
        }
        responses["200"] = {
            "description": "The same proof sent again: the pass it gave the first time (same code).",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ClaimAccepted"}}},
        }
        responses["202"] = {
            "description": "A `manual` proof (or a ride like an earlier one) waits for a person of the OT; "
            "follow it at /api/v1/claims/review/{id}. The same proof sent again gets its review back.",
            "content": {
                "application/json": {
                    "schema": {"$ref": "#/components/schemas/ClaimPending"},
                    "example": {"review": {"id": REVIEW_ID, "status": "pending"}},
                }
            },
        }
        success = responses["201"]
    if (method, path) == ("get", "/api/v1/reports/uptake") and success is not None:
        success["content"] = {
            "application/json": {"schema": {"$ref": "#/components/schemas/UptakeReport"}},
            "text/csv": {
                "schema": {"type": "string"},
                "example": "mode,passes,persons,redemptions,passes_used,uptake_rate,co2_avoided_kg\r\n"
                "train,288,640,470,215,0.75,4102.7\r\n",
            },
        }
        success["description"] = "JSON, or CSV (the same rows) with `Accept: text/csv` or `format=csv`."
    if path == "/api/v1/review/proofs/{review_id}/approve" and "requestBody" in operation:
        operation["requestBody"]["required"] = False
    if doc.example is not None and success is not None:
        for media in success.get("content", {}).values():
            if not (media.get("example") or media.get("examples")):
                media["example"] = doc.example
                break
    if doc.request is not None and "requestBody" in operation:
        for media in operation["requestBody"].get("content", {}).values():
            media.setdefault("example", doc.request)
            break
    refusals = doc.refusals
    if "requestBody" in operation:  # any body may be malformed or too large
        refusals = ("request.invalid", "request.too_large", *refusals)
    elif operation.get("parameters"):
        refusals = ("request.invalid", *refusals)
    responses.update(_problem_responses(refusals))
    if doc.security is not None:
        operation["security"] = doc.security


def complete(schema: dict[str, Any], operations: Operations) -> dict[str, Any]:
    """The document with what `operations` adds; operations it does not know are left bare
    (a test fails on them)."""
    done = copy.deepcopy(schema)
    components = done.setdefault("components", {})
    components["securitySchemes"] = SECURITY_SCHEMES
    schemas = components.setdefault("schemas", {})
    # the codes as declared once every room is imported, i.e. when the document is built
    statuses = refusals.statuses()
    problem = copy.deepcopy(PROBLEM_SCHEMA)
    problem["properties"]["code"] = {"type": "string", "enum": list(statuses)}
    schemas.update(Problem=problem, UptakeReport=REPORT_SCHEMA, UptakeFigures=FIGURES_SCHEMA)
    done["x-error-codes"] = statuses
    for path, item in done.get("paths", {}).items():
        for method, operation in item.items():
            doc = operations.get((method, path))
            if doc is not None and isinstance(operation, dict):
                _complete_operation(path, method, operation, doc)
    return done


@dataclass
class _Completed:
    operations: Operations
    source: int | None = None
    document: dict[str, Any] = field(default_factory=dict)

    def of(self, schema: dict[str, Any]) -> dict[str, Any]:
        # Litestar builds the schema once per app: complete it once too
        if self.source != id(schema):
            self.source, self.document = id(schema), complete(schema, self.operations)
        return self.document


class ContractJson(JsonRenderPlugin):
    """/schema/openapi.json, completed."""

    def __init__(self, operations: Operations) -> None:
        super().__init__()
        self._completed = _Completed(operations)

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        return encode_json(self._completed.of(openapi_schema))


class LocalSwaggerUI(SwaggerRenderPlugin):
    """Swagger UI at /schema, its scripts and style served from the installed package;
    `start_script` gives the URL of the file that starts it (front/src/schema.js)."""

    def __init__(self, start_script: Callable[[], str]) -> None:
        super().__init__(
            js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            css_url=f"{ASSETS_PATH}/swagger-ui.css",
            standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui-standalone-preset.js",
            favicon=f"<link rel='icon' type='image/png' href='{ASSETS_PATH}/favicon-32x32.png'>",
            path="/",
        )
        self._start_script = start_script

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        """The page without inline script (the CSP of every HTML answer forbids it): the spec
        is fetched from /schema/openapi.json by our own start-up file."""
        title = html.escape(openapi_schema["info"]["title"])
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
{self.favicon}
<link href="{self.css_url}" rel="stylesheet">
<script src="{self.js_url}"></script>
<script src="{self.standalone_preset_js_url}"></script>
<script type="module" src="{self._start_script()}"></script>
</head>
<body><div id="swagger-container"></div></body>
</html>
""".encode()


def assets_router() -> Any:
    return create_static_files_router(
        path=ASSETS_PATH,
        directories=[SWAGGER_UI_DIR],
        include_in_schema=False,
        cache_control=None,
    )
