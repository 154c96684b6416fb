"""Hostile input never gives a 500 (issue 12, rows 1–3 and 9): bodies that are not
UTF-8 or are nested too deep, timestamps out of any sensible range, repeated
parameters, OPTIONS without a token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers import issue_pass, nonce, staff_headers

PARTNER = "demo-partner-musee-murat"
# Every route that takes a JSON body, with who may call it.
JSON_ROUTES = [
    ("/api/v1/claims", None),
    ("/api/v1/auth/token", None),
    ("/api/v1/redemptions", PARTNER),
    ("/api/v1/redemptions/sync", PARTNER),
    ("/api/v1/bookings", None),
    ("/api/v1/devices", PARTNER),
    ("/api/v1/attestations", PARTNER),
    ("/api/v1/passes/ABCD-EFGH-JK/revoke", "demo-pilot"),
    ("/api/v1/sites/canoe-bouzies/slots", "demo-pilot"),
]
NOT_UTF8 = b'{"mode":"\xff", "username": "\xc3\x28"}'
DEEP = b'{"username":' + b"[" * 1000 + b"]" * 1000 + b"}"
# The claim body is decoded into its type at once: depth is met inside the free-form evidence.
DEEP_CLAIM = b'{"mode":"train","method":"gpx","persons":1,"evidence":{"gpx":' + b"[" * 1000 + b"]" * 1000 + b"}}"


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code and body["status"] == status
    return body


@pytest.mark.parametrize(("path", "who"), JSON_ROUTES)
@pytest.mark.parametrize(("body", "reason"), [(NOT_UTF8, "UTF-8"), (DEEP, "nested too deep")], ids=["utf8", "deep"])
async def test_unreadable_bodies_are_400_on_every_json_route(client, path, who, body, reason):
    headers = {
        "Content-Type": "application/json",
        "Accept-Language": "en",
        **(await staff_headers(client, who) if who else {}),
    }
    if path == "/api/v1/claims" and body == DEEP:
        body = DEEP_CLAIM
    response = await client.post(path, content=body, headers=headers)
    assert reason in assert_problem(response, 400, "request.invalid")["reason"]


async def test_unreadable_evidence_in_a_multipart_claim(client):
    for evidence in (NOT_UTF8, DEEP):
        response = await client.post(
            "/api/v1/claims",
            data={"mode": "train", "method": "manual", "persons": "1"},
            files={"evidence": (None, evidence), "file": ("ticket.png", b"\x89PNG", "image/png")},
        )
        assert_problem(response, 400, "request.invalid")


SCAN_MOMENTS = [
    ("0001-01-01T00:00:00+00:00", 422, "redemption.scan_too_old"),
    ("9999-12-31T23:59:59+00:00", 422, "redemption.scanned_in_future"),
    ("0001-01-01T00:30:00+01:00", 422, "redemption.scan_too_old"),  # year 0 in UTC
    ("9999-12-31T23:59:59-01:00", 422, "redemption.scanned_in_future"),  # year 10000 in UTC
]


@pytest.mark.parametrize(("scanned_at", "status", "code"), SCAN_MOMENTS)
async def test_scan_moments_out_of_range_are_refused(client, conn, scanned_at, status, code):
    """Years 1 and 9999, even those that fall out of range once in UTC."""
    partner = await staff_headers(client, PARTNER)
    issued = await issue_pass(client)
    online = await client.post(
        "/api/v1/redemptions",
        json={"token": issued["token"], "nonce": nonce(), "scanned_at": scanned_at},
        headers=partner,
    )
    assert_problem(online, status, code)
    synced = await client.post(
        "/api/v1/redemptions/sync",
        json={"items": [{"token": issued["token"], "nonce": nonce(), "scanned_at": scanned_at}]},
        headers=partner,
    )
    assert synced.status_code == 200
    result = synced.json()["results"][0]
    assert (result["status"], result["code"]) == ("rejected", code)
    used = await conn.fetchval(
        "SELECT count(*) FROM redemptions r JOIN passes p ON p.id = r.pass_id WHERE p.code = $1", issued["code"]
    )
    assert used == 0


async def test_the_offline_window_and_the_clock_skew_bound_a_scan(client, settings):
    rules = settings.config.rules.scans
    partner = await staff_headers(client, "demo-partner-musee-henri-martin")
    now = datetime.now(UTC)
    cases = [
        (now - timedelta(hours=rules.offline_window_hours, minutes=5), "redemption.scan_too_old"),
        (now + timedelta(seconds=rules.max_clock_skew_seconds + 60), "redemption.scanned_in_future"),
        (now - timedelta(hours=1), None),
        (now + timedelta(seconds=rules.max_clock_skew_seconds // 2), None),
    ]
    issued = [await issue_pass(client, travel_date=(now - timedelta(days=4)).date()) for _ in cases]
    items = [
        {"token": one["token"], "nonce": nonce(), "scanned_at": moment.isoformat()}
        for one, (moment, _) in zip(issued, cases, strict=True)
    ]
    results = (await client.post("/api/v1/redemptions/sync", json={"items": items}, headers=partner)).json()
    assert [r.get("code") for r in results["results"]] == [code for _, code in cases], results


async def test_new_slots_are_bounded_in_time(client):
    pilot = await staff_headers(client, "demo-pilot")
    now = datetime.now(UTC).replace(microsecond=0)
    for start, end in [
        ("0001-01-01T10:00:00+00:00", "0001-01-01T11:00:00+00:00"),
        ("9999-12-31T10:00:00+00:00", "9999-12-31T11:00:00+00:00"),
        ((now - timedelta(days=2)).isoformat(), (now - timedelta(days=2, hours=-1)).isoformat()),
        ((now + timedelta(days=2)).isoformat(), (now + timedelta(days=9)).isoformat()),
    ]:
        response = await client.post(
            "/api/v1/sites/canoe-bouzies/slots", json={"start": start, "end": end, "capacity": 3}, headers=pilot
        )
        assert_problem(response, 400, "request.invalid")


@pytest.mark.parametrize(
    ("path", "who"),
    [
        ("/api/v1/sites?ot=figeac&ot=cahors", None),
        ("/api/v1/reports/uptake?ot=figeac&ot=cahors", "demo-pilot"),
        ("/api/v1/revocations?since=2026-01-01T00:00:00Z&since=2020-01-01T00:00:00Z", None),
    ],
)
async def test_a_repeated_parameter_is_refused_by_name(client, path, who):
    headers = {"Accept-Language": "en", **(await staff_headers(client, who) if who else {})}
    body = assert_problem(await client.get(path, headers=headers), 400, "request.invalid")
    assert "more than once" in body["reason"] and ("ot" in body["reason"].split() or "since" in body["reason"].split())


@pytest.mark.parametrize("path", ["/api/v1/reports/uptake", "/api/v1/redemptions", "/api/v1/devices", "/api/v1/claims"])
async def test_options_needs_no_token(client, path):
    response = await client.options(
        path, headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"}
    )
    assert response.status_code == 204 and "OPTIONS" in response.headers["allow"]
    # the method itself still needs a token
    method = next(m for m in response.headers["allow"].split(", ") if m != "OPTIONS")
    if path != "/api/v1/claims":
        assert (await client.request(method, path)).status_code == 401


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/reports/uptake?to=0001-01-01", 400),
        ("/api/v1/reports/uptake?from=0001-01-01&to=9999-12-31", 400),
        ("/api/v1/reports/uptake?to=9999-12-31", 400),
        ("/api/v1/revocations?since=0001-01-01T00:00:00Z", 200),
        ("/api/v1/revocations?since=0001-01-01T00:30:00%2B01:00", 400),
        ("/api/v1/revocations?since=9999-12-31T23:59:59-01:00", 400),
        ("/api/v1/sites/canoe-bouzies/slots?date=0001-01-01", 200),
        ("/api/v1/sites/canoe-bouzies/slots?date=9999-12-31", 200),
    ],
)
async def test_dates_and_times_in_queries_at_the_ends_of_the_calendar(client, path, status):
    response = await client.get(path, headers=await staff_headers(client, "demo-pilot"))
    assert response.status_code == status, response.text
    if status == 400:
        assert response.headers["content-type"].startswith("application/problem+json")
