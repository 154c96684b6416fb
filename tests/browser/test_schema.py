"""The API's Swagger UI at /schema works under the pages' strict CSP (no inline script)."""

from __future__ import annotations


async def test_swagger_ui_renders_under_the_csp_and_cannot_be_framed(page, live_server):
    answer = await page.goto("/schema")
    assert answer is not None and answer.ok
    policy = answer.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy.split("style-src")[0]
    # the spec is fetched and its operations listed (the page fixture fails on any CSP refusal)
    await page.get_by_text("/api/v1/claims", exact=True).first.wait_for()
    assert await page.locator(".opblock").count() > 20
