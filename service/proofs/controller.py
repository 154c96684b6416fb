"""POST /api/v1/claims: a visitor proves a low-carbon arrival and gets a pass.

The body is JSON, or a multipart form with the same fields (`evidence` as a JSON
text) plus a `file` part for photos, GPX tracks and ticket images.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, post
from litestar.datastructures import State, UploadFile
from litestar.openapi.spec import OpenAPIMediaType, Operation, RequestBody

from service.core import i18n, metrics, ratelimit
from service.core.db import DB
from service.core.errors import Problem
from service.core.requests import decode_json
from service.core.validation import Email, reason_of
from service.passes.views import IssuedPassView, issued_view
from service.proofs import service
from service.proofs.methods.registry import METHODS
from service.proofs.service import MAX_CLAIM_BYTES, MAX_FILE_BYTES
from service.settings import Mode

Method = Literal[tuple(METHODS)]  # type: ignore[valid-type]


class ClaimRequest(msgspec.Struct, forbid_unknown_fields=True):
    mode: Mode
    method: Method
    persons: Annotated[int, msgspec.Meta(ge=1, le=50)]
    evidence: dict[str, Any] = msgspec.field(default_factory=dict)
    email: Email | None = None
    # any tag: the answer is in it when supported, else English (see i18n.negotiate)
    lang: Annotated[str, msgspec.Meta(max_length=35)] | None = None


def _claim_request_body() -> RequestBody:
    """The body, documented for both encodings: Litestar cannot infer it, as the
    handler reads JSON or multipart itself."""
    structs = [m.evidence_schema for m in METHODS.values() if isinstance(m.evidence_schema, type)]
    _, components = msgspec.json.schema_components([ClaimRequest, *structs], ref_template="#/components/schemas/{name}")
    evidence = {
        "description": "by method: declared_trip, attestation, manual (with the `file` part), "
        "rail_barcode (`barcode_b64`, or the `file` part), gpx (`gpx`, or the `file` part)",
        "oneOf": [
            components[schema.__name__] if isinstance(schema, type) else schema
            for schema in (m.evidence_schema for m in METHODS.values())
        ],
    }
    as_json = dict(
        components["ClaimRequest"], properties={**components["ClaimRequest"]["properties"], "evidence": evidence}
    )
    as_form = dict(
        as_json,
        properties={
            **as_json["properties"],
            "evidence": {"type": "string", "description": "the evidence object as JSON text"},
            "file": {"type": "string", "format": "binary", "description": "photo, GPX track, ticket image or PDF"},
        },
    )
    return RequestBody(
        required=True,
        content={
            "application/json": OpenAPIMediaType(schema=as_json),  # type: ignore[arg-type]
            "multipart/form-data": OpenAPIMediaType(schema=as_form),  # type: ignore[arg-type]
        },
    )


class ClaimOperation(Operation):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.request_body = _claim_request_body()


class ClaimAccepted(msgspec.Struct):
    pass_: IssuedPassView = msgspec.field(name="pass")


class _Lang(msgspec.Struct):
    """Only the body's `lang`, read first so that even a refused body is answered in it."""

    lang: str | None = None


def _choose_lang(request: Request, body_lang: object) -> str:
    lang = i18n.negotiate(
        body_lang if isinstance(body_lang, str) else None,
        request.query_params.get("lang"),
        accept_language=request.headers.get("accept-language"),
    )
    i18n.use_request_lang(request.scope, lang)
    return lang


class ReviewStatus(msgspec.Struct):
    id: str
    status: str


class ClaimPending(msgspec.Struct):
    review: ReviewStatus


def _invalid(exc: msgspec.MsgspecError) -> Problem:
    return Problem(400, "request.invalid", reason=reason_of(exc))


async def _read_claim(request: Request) -> tuple[ClaimRequest, bytes | None]:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "application/json":
        body = await request.body()
        try:
            _choose_lang(request, msgspec.json.decode(body, type=_Lang).lang)
        except (msgspec.MsgspecError, UnicodeDecodeError, RecursionError):
            pass  # not JSON, or no usable lang: the request's language stands, and the decode below says why
        return decode_json(body, ClaimRequest), None
    if media_type == "multipart/form-data":
        form = await request.form()
        _choose_lang(request, form.get("lang"))
        fields: dict[str, Any] = {}
        upload: bytes | None = None
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                if name != "file" or upload is not None:
                    raise Problem(400, "request.invalid", reason=i18n.text(i18n.N_("one file part, named file")))
                upload = await value.read(MAX_FILE_BYTES + 1)
                if len(upload) > MAX_FILE_BYTES:
                    raise Problem(413, "request.too_large")
            elif name == "evidence":
                fields[name] = decode_json(value) if value else {}
            else:
                fields[name] = value
        try:
            return msgspec.convert(fields, ClaimRequest, strict=False), upload
        except msgspec.ValidationError as exc:
            raise _invalid(exc) from exc
    raise Problem(415, "request.unsupported_media_type")


class ClaimController(Controller):
    path = "/api/v1/claims"
    tags = ["claims"]

    @post(
        "",
        summary="Claim a pass with an arrival proof",
        description="JSON `ClaimRequest`, or multipart/form-data with the same fields (`evidence` as JSON text) "
        "and a `file` part. 201 with the pass; 202 with a review id for `manual`. The same proof sent again "
        "answers with what it earned: 200 with the same pass, or 202 with its review.",
        request_max_body_size=MAX_CLAIM_BYTES,
        operation_class=ClaimOperation,
    )
    async def claim(self, request: Request, db: DB, state: State) -> Response[ClaimAccepted | ClaimPending]:
        try:
            answer = await self._claim(request, db, state)
        except Problem as refusal:
            metrics.CLAIMS.labels(refusal.code).inc()
            raise
        outcome = {201: "issued", 200: "given_again"}.get(answer.status_code, "pending_review")
        metrics.CLAIMS.labels(outcome).inc()
        return answer

    async def _claim(self, request: Request, db: DB, state: State) -> Response[ClaimAccepted | ClaimPending]:
        async def read() -> service.Claim:
            data, upload = await _read_claim(request)
            lang = i18n.request_lang(request.scope)
            return service.Claim(data.mode, data.method, data.persons, data.evidence, upload, data.email, lang)

        bucket = ratelimit.client_bucket("claims", request, state.derived_keys.fingerprint)
        outcome = await service.submit(db, state.claiming, bucket, read)
        if isinstance(outcome, service.PendingReview):
            return Response(ClaimPending(ReviewStatus(str(outcome.id), outcome.status)), status_code=202)
        return Response(
            ClaimAccepted(
                issued_view(
                    outcome.claims, outcome.token, outcome.method, state.qr_links, outcome.checks, state.wallet_kinds
                )
            ),
            status_code=200 if outcome.again else 201,
        )
