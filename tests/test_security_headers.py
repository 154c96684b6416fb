"""The headers of a public site on every answer (issue 15, rows 5 and 7): nosniff
everywhere, HSTS over https, no-store on staff answers and pages, the CSP (with
frame-ancestors) on every HTML answer, and /metrics only for local scrapers or its token."""

from __future__ import annotations

import httpx
import msgspec
import pytest
from asgi_lifespan import LifespanManager

from service.app import create_app
from tests.helpers import PUBLIC_URL, staff_headers

ANSWERS = ["/api/v1/sites", "/sw.js", "/.well-known/jwks.json", "/schema", "/schema/openapi.json", "/", "/nowhere"]


@pytest.mark.parametrize("path", ANSWERS)
async def test_every_answer_says_nosniff_and_plain_http_gets_no_hsts(client, path):
    answer = await client.get(path)
    assert answer.headers["x-content-type-options"] == "nosniff", path
    assert "strict-transport-security" not in answer.headers


async def test_html_answers_carry_the_csp_and_cannot_be_framed(client):
    for path in ("/schema", "/", "/ot", "/desk"):
        answer = await client.get(path)
        assert "text/html" in answer.headers["content-type"], path
        policy = answer.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy, path


async def test_over_https_every_answer_has_hsts(app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://tbc.test") as https:
        for path in ("/api/v1/sites", "/", "/health/live"):
            answer = await https.get(path)
            assert answer.headers["strict-transport-security"].startswith("max-age=31536000"), path


async def test_staff_answers_and_pages_are_not_stored(client):
    ot = await staff_headers(client, "demo-ot-cahors")
    for path in ("/api/v1/reports/uptake?ot=cahors", "/api/v1/auth/session", "/api/v1/sites/managed"):
        answer = await client.get(path, headers=ot)
        assert answer.status_code == 200, path
        assert answer.headers["cache-control"] == "no-store", path
    for path in ("/ot", "/ot/work"):
        assert (await client.get(path)).headers["cache-control"] == "no-store", path
    # the desk's page is the offline shell its service worker keeps: private, revalidated
    assert (await client.get("/desk")).headers["cache-control"] == "private, no-cache"
    # the public list of sites may be cached
    assert (await client.get("/api/v1/sites")).headers.get("cache-control") != "no-store"


def _client_at(app, address: str, **kwargs) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(address, 4321)), base_url=PUBLIC_URL, **kwargs
    )


async def test_metrics_are_for_local_scrapers_only(app):
    async with _client_at(app, "127.0.0.1") as local:
        assert (await local.get("/metrics")).status_code == 200
        # a request the proxy forwarded is not local, whatever address it came from
        forwarded = await local.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
        assert forwarded.status_code == 404 and forwarded.json()["code"] == "request.not_found"
    async with _client_at(app, "203.0.113.9") as outside:
        assert (await outside.get("/metrics")).status_code == 404


async def test_metrics_with_the_configured_token_from_anywhere(settings, app):
    tokened = create_app(msgspec.structs.replace(settings, metrics_token="scrape-" + "x" * 40))
    async with LifespanManager(tokened):
        async with _client_at(tokened, "203.0.113.9") as outside:
            assert (await outside.get("/metrics")).status_code == 404
            wrong = await outside.get("/metrics", headers={"Authorization": "Bearer scrape-wrong"})
            assert wrong.status_code == 404
            right = await outside.get("/metrics", headers={"Authorization": "Bearer scrape-" + "x" * 40})
            assert right.status_code == 200 and "tbc_http_requests" in right.text
