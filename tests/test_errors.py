"""Bad input gets a clear problem+json answer with a stable code, never a 500."""

from __future__ import annotations

import pytest

from service.proofs.service import MAX_CLAIM_BYTES
from tests.helpers import staff_headers, trip_claim

BAD_BODIES = [
    b"",
    b"{",
    b"null",
    b"[]",
    b'"claim"',
    b'{"mode": "plane", "method": "declared_trip", "persons": 1}',
    b'{"mode": "train", "method": "declared_trip", "persons": 0, "evidence": {}}',
    b'{"mode": "train", "method": "declared_trip", "persons": 1e400, "evidence": {}}',
    b'{"mode": "train", "method": "declared_trip", "persons": "2", "evidence": []}',
    b'{"mode": "train", "method": "declared_trip", "persons": 2, "evidence": {}, "extra": true}',
    b'{"mode": "train", "method": "declared_trip", "persons": 2, "evidence": {"date": "2026-02-30"}}',
    b'{"mode": "train", "method": "declared_trip", "persons": 2, "email": "not an email", "evidence": {}}',
    b'{"mode": "train\\u0000"}',
    b"\xff\xfe\x00garbage",
]


@pytest.mark.parametrize("body", BAD_BODIES)
async def test_malformed_claims(client, body):
    response = await client.post("/api/v1/claims", content=body, headers={"Content-Type": "application/json"})
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == response.status_code and "." in problem["code"] and problem["detail"]


async def test_unsupported_media_type(client):
    response = await client.post("/api/v1/claims", content=b"mode=train", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415 and response.json()["code"] == "request.unsupported_media_type"


async def test_validation_errors_name_the_field(client):
    response = await client.post("/api/v1/claims", json={**trip_claim(), "persons": 0})
    assert response.status_code == 400 and response.json()["code"] == "request.invalid"
    assert "persons" in response.json()["detail"]


@pytest.mark.parametrize(("path", "limit"), [("/api/v1/claims", MAX_CLAIM_BYTES), ("/api/v1/auth/token", 2 << 20)])
async def test_body_too_large(client, path, limit):
    body = b'{"x": "' + b"a" * limit + b'"}'
    response = await client.post(path, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and response.json()["code"] == "request.too_large"


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/api/v1/nowhere", 404, "request.not_found"),
        ("DELETE", "/api/v1/claims", 405, "request.method_not_allowed"),
        ("GET", "/api/v1/passes/not-a-code", 404, "pass.not_found"),
        ("GET", "/api/v1/reports/uptake", 401, "auth.required"),
        ("GET", "/api/v1/sites?ot=nowhere", 404, "ot.unknown"),
        ("GET", "/api/v1/sites?mode=plane", 400, "request.invalid"),
        ("GET", "/api/v1/revocations?since=yesterday", 400, "request.invalid"),
    ],
)
async def test_refusals_everywhere_are_problems(client, method, path, status, code):
    response = await client.request(method, path)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code


async def test_redemption_needs_token_or_code_and_a_nonce(client):
    headers = await staff_headers(client, "demo-partner-musee-murat")
    for body in (
        {"nonce": "n" * 16},
        {"nonce": "n" * 16, "token": "a", "code": "b"},
        {"code": "ABCD"},
        {"code": "x", "nonce": "short"},
    ):
        response = await client.post("/api/v1/redemptions", json=body, headers=headers)
        assert response.status_code == 400 and response.json()["code"] == "request.invalid", body


async def test_garbage_tokens_are_forged_passes_not_errors(client):
    headers = await staff_headers(client, "demo-partner-musee-murat")
    for token in ("a", "a.b.c", "eyJhbGciOiJub25lIn0.e30.", "x" * 2048, "..", "ey.ey.ey"):
        response = await client.post(
            "/api/v1/redemptions",
            json={"token": token, "nonce": "garbage-" + str(len(token)) + token[:3].encode().hex()},
            headers=headers,
        )
        assert response.status_code == 422 and response.json()["code"] == "pass.invalid", token


async def test_a_refusal_by_a_dependency_gives_the_request_connection_back(app, client):
    """A period, a scope or a QR link is checked by a dependency that may refuse after the
    request's connection was lent: thirty refusals (three times the test pool) leave no
    connection out, and the next request is served at once."""
    pool = app.state.pool
    pilot = await staff_headers(client, "demo-pilot")
    refusals = [
        ("/api/v1/reports/figures", {"to": "-1"}, 400),
        ("/api/v1/reports/breakdowns", {"ot": "nowhere"}, 404),
        ("/api/v1/slots", {"ot": "nowhere"}, 404),
        ("/api/v1/passes/K7M2QX9RTA/qr.svg", {"expires": "1", "sig": "x"}, 404),
    ]
    for path, params, status in refusals * 8:
        answer = await client.get(path, params=params, headers=pilot)
        assert answer.status_code == status, (path, answer.text)
    assert pool.get_size() - pool.get_idle_size() == 0
    assert (await client.get("/api/v1/reports/figures", headers=pilot)).status_code == 200
