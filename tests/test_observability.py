"""Logs and metrics of a journey, as an operator reads them (issue 12, item 5): one JSON
line per request with its id, route, status and duration, and none of the visitor's or
the staff's secrets; `/metrics` counts what happened."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from service.accounts import repository as accounts
from service.accounts.passwords import hash_password_async
from service.core import observe
from service.core.logs import JsonLines
from service.core.observe import SANE_REQUEST_ID
from tests.helpers import delta, issue_pass, nonce, request_folds, samples, staff_headers, trip_claim

SITE = "musee-henri-martin"
CLIENT_ADDRESS = "203.0.113.77"
PASSWORD = "observed-Pa55word-kept-secret"
EMAIL = "visitor.observed@example.org"


@contextmanager
def log_lines() -> Iterator[list[str]]:
    """The lines the service writes meanwhile, formatted as `tbc serve` writes them."""
    lines: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if not record.name.startswith("httpx"):  # the test's own client, not the service
                lines.append(self.format(record))

    handler = Capture()
    handler.setFormatter(JsonLines())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


async def test_a_journey_logs_one_line_per_request_without_secrets_and_is_counted(app, client, conn):
    await conn.execute("DELETE FROM staff_accounts WHERE username = 'ops-observer'")
    await accounts.upsert(conn, "ops-observer", await hash_password_async(PASSWORD), "partner", None, SITE)
    ot = await staff_headers(client, "demo-ot-cahors")
    transport = httpx.ASGITransport(app=app, client=(CLIENT_ADDRESS, 40123))
    async with httpx.AsyncClient(transport=transport, base_url="http://tbc.test", timeout=60) as visitor:
        before = samples((await client.get("/metrics")).text)  # a local scraper
        with log_lines() as lines:
            answers: list[httpx.Response] = []

            async def call(method: str, url: str, **kwargs) -> httpx.Response:  # type: ignore[no-untyped-def]
                answer = await visitor.request(method, url, **kwargs)
                answers.append(answer)
                return answer

            claimed = await call(
                "POST",
                "/api/v1/claims",
                json={**trip_claim(persons=2), "email": EMAIL},
                headers={"X-Request-ID": "journey-claim-1"},
            )
            assert claimed.status_code == 201, claimed.text
            issued = claimed.json()["pass"]
            token = issued["token"]
            refused_claim = await call("POST", "/api/v1/claims", json={"mode": "train"})
            assert refused_claim.status_code == 400
            signed_in = await call(
                "POST", "/api/v1/auth/token", json={"username": "ops-observer", "password": PASSWORD}
            )
            assert signed_in.status_code == 200, signed_in.text
            access_token = signed_in.json()["access_token"]
            desk = {"Authorization": f"Bearer {access_token}"}
            wrong = await call(
                "POST", "/api/v1/auth/token", json={"username": "ops-observer", "password": PASSWORD[::-1]}
            )
            assert wrong.status_code == 401
            await call("GET", f"/api/v1/passes/{issued['code']}", headers={"Authorization": f"Bearer {token}"})
            await call("GET", issued["qr_svg_url"])
            await call("GET", f"/api/v1/passes/{issued['code']}/qr.svg", params={"token": token})
            scan = {"token": token, "nonce": nonce()}
            scanned = await call("POST", "/api/v1/redemptions", json=scan, headers=desk)
            assert scanned.status_code == 201, scanned.text
            replayed = await call("POST", "/api/v1/redemptions", json=scan, headers=desk)
            assert replayed.status_code == 201 and replayed.text == scanned.text
            again = await call("POST", "/api/v1/redemptions", json={"token": token, "nonce": nonce()}, headers=desk)
            assert again.status_code == 409 and again.json()["code"] == "redemption.already_redeemed"
            unknown = await call(
                "POST", "/api/v1/redemptions", json={"code": "ZZZZ-ZZZZ", "nonce": nonce()}, headers=desk
            )
            assert unknown.status_code in (404, 422)
            report = await call("GET", "/api/v1/reports/uptake", headers=ot)
            assert report.status_code == 200
            # ids the service will not take: too long (a token could hide there), or not plain
            for insane in ("x" * 65, "two words", token):
                await call("GET", "/health/live", headers={"X-Request-ID": insane})
            missing = await call("GET", f"/api/v1/nope?token={token}")
            assert missing.status_code == 404
        after = samples((await client.get("/metrics")).text)

    # every answer has an id; the client's own when sane; problem bodies repeat it
    ids = [answer.headers["x-request-id"] for answer in answers]
    assert ids[0] == "journey-claim-1"
    assert all(SANE_REQUEST_ID.fullmatch(i) for i in ids) and len(set(ids)) == len(ids)
    for answer in answers:
        if answer.headers["content-type"].startswith("application/problem+json"):
            # a replayed refusal would repeat the first answer's id; none is replayed here
            assert answer.json()["request_id"] == answer.headers["x-request-id"], answer.text

    # one JSON line per request, with its id, route template, status and duration
    records = [json.loads(line) for line in lines]
    access = [r for r in records if r["logger"] == "service.access"]
    assert [r["request_id"] for r in access] == ids
    assert [r["status"] for r in access] == [answer.status_code for answer in answers]
    by_id = {r["request_id"]: r for r in access}
    assert by_id["journey-claim-1"]["route"] == "/api/v1/claims" and by_id["journey-claim-1"]["method"] == "POST"
    assert by_id[scanned.headers["x-request-id"]]["route"] == "/api/v1/redemptions"
    assert by_id[answers[4].headers["x-request-id"]]["route"] == "/api/v1/passes/{code}"
    assert by_id[missing.headers["x-request-id"]]["route"] == "unmatched"
    assert by_id[again.headers["x-request-id"]]["code"] == "redemption.already_redeemed"
    assert all(r["duration_ms"] >= 0 and re.fullmatch(r"[0-9a-f]{24}", r["client"]) for r in access)
    # records logged while serving a request carry its id too
    assert all(r["request_id"] in ids for r in records if r["logger"] != "service.access" and "request_id" in r)

    # none of the secrets, anywhere
    everything = "\n".join(lines)
    secrets = {
        "pass token": token,
        "staff token": access_token,
        "OT token": ot["Authorization"].removeprefix("Bearer "),
        "QR link signature": re.search(r"sig=([^&]+)", issued["qr_svg_url"])[1],  # type: ignore[index]
        "password": PASSWORD,
        "e-mail": EMAIL,
        "e-mail's user": EMAIL.split("@")[0],
        "client address": CLIENT_ADDRESS,
    }
    for what, secret in secrets.items():
        assert secret not in everything, f"the {what} is in the logs"

    # the scrape counts what happened, exactly
    assert delta(before, after, "tbc_claims_total", outcome="issued") == 1
    assert delta(before, after, "tbc_claims_total", outcome="request.invalid") == 1
    for outcome, count in (("ok", 1), ("replayed", 1), ("redemption.already_redeemed", 1)):
        assert delta(before, after, "tbc_redemptions_total", outcome=outcome, source="online") == count, outcome
    unknown_code = unknown.json()["code"]
    assert delta(before, after, "tbc_redemptions_total", outcome=unknown_code, source="online") == 1
    requests = "tbc_http_requests_total"
    assert delta(before, after, requests, method="POST", route="/api/v1/claims", status="201") == 1
    assert delta(before, after, requests, method="POST", route="/api/v1/claims", status="400") == 1
    assert delta(before, after, requests, method="POST", route="/api/v1/redemptions", status="201") == 2
    assert delta(before, after, requests, method="POST", route="/api/v1/auth/token", status="401") == 1
    assert delta(before, after, requests, method="GET", route="unmatched", status="404") == 1
    assert delta(before, after, requests, method="GET", route="/metrics", status="200") == 1  # the first scrape
    latency = "tbc_http_request_duration_seconds_count"
    assert delta(before, after, latency, method="POST", route="/api/v1/redemptions") == 4
    assert ("tbc_db_pool_connections_in_use", frozenset()) in after
    assert after[("tbc_db_pool_connections", frozenset())] >= 1
    assert not any(CLIENT_ADDRESS in name or EMAIL in str(labels) for name, labels in after)


async def test_metrics_is_not_in_the_api_schema_but_is_served(client):
    scrape = await client.get("/metrics")
    assert scrape.status_code == 200 and scrape.headers["content-type"].startswith("text/plain")
    assert "tbc_http_requests_total" in scrape.text
    schema = (await client.get("/schema/openapi.json")).json()
    assert "/metrics" not in schema["paths"]


def _scope(method: str, path: str, headers: dict[str, str], length: int) -> dict:
    """An HTTP request's ASGI scope as uvicorn builds it, for calls that watch the messages."""
    pairs = [(b"host", b"tbc.test"), (b"content-type", b"application/json"), (b"content-length", b"%d" % length)]
    pairs += [(name.lower().encode(), value.encode()) for name, value in headers.items()]
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "headers": pairs,
        "client": ("127.0.0.1", 40124), "server": ("tbc.test", 80),
    }  # fmt: skip


async def test_a_scan_answers_before_its_fold_and_its_call_ends_after_it(app, client):
    """The fold a scan asks for (service.reports.rollups) runs once the answer is sent: the
    desk does not wait for it, but the request's ASGI call does, so that a client in the
    same process (the tests') finds the use folded when it has the answer."""
    issued = await issue_pass(client)
    desk = await staff_headers(client, f"demo-partner-{SITE}")
    body = json.dumps({"code": issued["code"], "nonce": nonce()}).encode()
    sent: list[tuple[str, int | float]] = []
    requests = iter([{"type": "http.request", "body": body, "more_body": False}])

    async def receive() -> dict:
        return next(requests, {"type": "http.disconnect"})

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            sent.append(("status", message["status"]))
        elif not message.get("more_body"):
            sent.append(("folds when answered", request_folds()))

    before = request_folds()
    await app(_scope("POST", "/api/v1/redemptions", desk, len(body)), receive, send)
    assert sent == [("status", 201), ("folds when answered", before)]
    assert request_folds() == before + 1


async def test_a_client_that_hangs_up_mid_request_is_no_server_error(app, client):
    """A desk that loses its network while sending a scan: the request could not be read,
    and nobody gets its answer; it is counted and logged as 499 (« client closed request »),
    not as a 500 that would page someone, and records nothing."""
    desk = await staff_headers(client, f"demo-partner-{SITE}")
    before = samples((await client.get("/metrics")).text)
    uses = await app.state.pool.fetchval("SELECT count(*) FROM redemptions")

    async def receive() -> dict:
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        pass

    with log_lines() as lines:
        await app(_scope("POST", "/api/v1/redemptions", desk, 64), receive, send)
    records = [json.loads(line) for line in lines]
    assert [r for r in records if r["level"] in ("error", "critical")] == []
    access = [r for r in records if r["logger"] == "service.access"]
    assert [(r["route"], r["status"]) for r in access] == [("/api/v1/redemptions", 499)]
    after = samples((await client.get("/metrics")).text)
    counted = {"method": "POST", "route": "/api/v1/redemptions"}
    assert delta(before, after, "tbc_http_requests_total", **counted, status="499") == 1
    assert delta(before, after, "tbc_http_requests_total", **counted, status="500") == 0
    assert await app.state.pool.fetchval("SELECT count(*) FROM redemptions") == uses


async def test_work_after_an_answer_runs_once_and_its_failure_is_only_logged(caplog):
    ran: list[str] = []

    async def work() -> None:
        ran.append("work")

    async def broken() -> None:
        raise RuntimeError("a broken afterthought")

    await observe.after_answer(work)  # outside a request: now
    assert ran == ["work"]
    await observe.after_answer(broken)
    assert "work after an answer failed" in caplog.text
