"""No input gives a 500: every route of the OpenAPI document, fed junk.

Deterministic (seeded) and bounded; each answer must be below 500 and, when a
refusal, problem+json with a code.
"""

from __future__ import annotations

import random
import re
import string

import pytest

from tests.helpers import staff_headers

SEED = 46
ROUNDS_PER_OPERATION = 25

JUNK_SEGMENTS = [
    "x",
    "0",
    "-1",
    "999999999999999999999",
    "%00",
    "..",
    "ABCD-EFGH-JK",
    "é",
    "a" * 300,
    "00000000-0000-0000-0000-000000000000",
    "null",
]
JUNK_SCALARS = [
    None,
    True,
    -1,
    0,
    2**63,
    1e308,
    -0.0,
    "",
    "x" * 5000,
    "\u0000",
    "2026-02-30",
    "25:99",
    "0001-01-01T00:00:00+00:00",
    "0001-01-01T00:30:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "9999-12-31",
    "../../etc/passwd",
    "<script>",
    "' OR 1=1 --",
    [],
    {},
]
FIELDS = [
    "mode",
    "method",
    "persons",
    "evidence",
    "token",
    "code",
    "nonce",
    "scanned_at",
    "slot_id",
    "reason",
    "username",
    "password",
    "items",
    "name",
    "start",
    "end",
    "capacity",
    "date",
    "gpx",
    "barcode_b64",
]


def _value(rng: random.Random, depth: int = 0):  # type: ignore[no-untyped-def]
    roll = rng.random()
    if depth < 3 and roll < 0.15:
        return {rng.choice(FIELDS): _value(rng, depth + 1) for _ in range(rng.randint(0, 4))}
    if depth < 3 and roll < 0.25:
        return [_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if roll < 0.5:
        return rng.choice(JUNK_SCALARS)
    return "".join(rng.choice(string.printable) for _ in range(rng.randint(0, 40)))


def _unreadable_json(rng: random.Random) -> bytes:
    """JSON that is not UTF-8, or nested past the interpreter's recursion limit."""
    field = rng.choice(FIELDS).encode()
    if rng.random() < 0.5:
        return b'{"' + field + b'": "' + bytes(rng.choice([0xFF, 0xC3, 0xED, 0x80]) for _ in range(3)) + b'"}'
    depth = rng.randint(500, 3000)
    opener, closer = rng.choice([(b"[", b"]"), (b'{"a":', b"}")])
    return b'{"' + field + b'": ' + opener * depth + b"1" + closer * depth + b"}"


def _body(rng: random.Random) -> tuple[bytes | None, dict | None]:
    roll = rng.random()
    if roll < 0.1:
        return _unreadable_json(rng), None
    if roll < 0.2:
        return bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 64))), None
    if roll < 0.3:
        return None, None
    return None, {field: _value(rng) for field in rng.sample(FIELDS, rng.randint(0, 6))}


@pytest.fixture(scope="module")
async def operations(client):
    schema = (await client.get("/schema/openapi.json")).json()
    return [
        (path, method.upper()) for path, item in schema["paths"].items() for method in item if method != "parameters"
    ]


# Routes that end the caller's credentials (sign-out, sign out everywhere): fuzzed last,
# with accounts of the fuzz's own (the suite's demo tokens must stay alive).
ENDING = {("/api/v1/auth/session", "DELETE"), ("/api/v1/auth/sessions", "DELETE")}


async def _own_identity(client, conn, role: str, ot: str | None, site: str | None) -> dict[str, str]:
    from service.accounts import repository
    from service.accounts.passwords import hash_password_async

    username = f"fuzz-{role}"
    await repository.upsert(conn, username, await hash_password_async("fuzz password!"), role, ot, site)
    signed_in = await client.post("/api/v1/auth/token", json={"username": username, "password": "fuzz password!"})
    return {"Authorization": f"Bearer {signed_in.json()['access_token']}"}


async def test_every_route_survives_junk(client, conn, operations):
    rng = random.Random(SEED)
    identities = [
        {},
        {"Authorization": "Bearer junk"},
        await _own_identity(client, conn, "pilot", None, None),
        await _own_identity(client, conn, "partner", None, "musee-murat"),
        await _own_identity(client, conn, "ot", "gourdon", None),
    ]
    operations = sorted(operations, key=lambda operation: operation in ENDING)
    assert len(operations) > 25
    seen_statuses: set[int] = set()
    for path, method in operations:
        for _ in range(ROUNDS_PER_OPERATION):
            url = re.sub(r"\{[^}]+\}", lambda _: rng.choice(JUNK_SEGMENTS), path)
            # a list of pairs: a name may come twice (`?ot=a&ot=b`)
            params = [
                (rng.choice(FIELDS + ["ot", "from", "to", "group_by", "since", "format", "lang"]), str(_value(rng)))
                for _ in range(rng.randint(0, 3))
            ]
            raw, data = _body(rng)
            headers = dict(rng.choice(identities))
            if raw is not None:
                headers["Content-Type"] = rng.choice(
                    ["application/json", "application/json", "multipart/form-data; boundary=x", "text/plain"]
                )
            verb = "OPTIONS" if rng.random() < 0.05 else method
            response = await client.request(verb, url, params=params, content=raw, json=data, headers=headers)
            seen_statuses.add(response.status_code)
            assert response.status_code < 500, (verb, url, params, raw or data, response.text)
            if verb == "OPTIONS":  # never behind a sign-in
                assert response.status_code not in (401, 403), (url, params, response.status_code)
            if response.status_code >= 400:
                assert response.headers["content-type"].startswith("application/problem+json"), (method, url)
                assert re.fullmatch(r"[a-z_]+(\.[a-z_]+)+", response.json()["code"]), response.json()
    assert {400, 401, 403, 404} <= seen_statuses


EDGE_MOMENTS = [
    "9999-12-30",
    "9999-12-31",
    "0001-01-01",
    "1999-12-31",
    "2100-01-01",
    "2026-02-30",
    "0001-01-01T00:30:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "9999-12-31T23:59:59+00:00",
    "-1",
    "x",
]


async def test_every_declared_query_parameter_of_a_staff_route_survives_edge_dates(client, operations):
    """Each GET operation's own query parameters, as each kind of staff: years 1 and 9999
    (and their UTC spill-overs) are refused as 400, never a 500 (issue 15, row 9)."""
    schema = (await client.get("/schema/openapi.json")).json()
    identities = [
        await staff_headers(client, who) for who in ("demo-pilot", "demo-ot-cahors", "demo-partner-musee-murat")
    ]
    tried = 0
    for path, method in operations:
        if method != "GET" or "{" in path:
            continue
        parameters = [p["name"] for p in schema["paths"][path]["get"].get("parameters", []) if p["in"] == "query"]
        for name in parameters:
            for value in EDGE_MOMENTS:
                for headers in identities:
                    response = await client.get(path, params={name: value}, headers=headers)
                    tried += 1
                    assert response.status_code < 500, (path, name, value, response.text)
    assert tried > 200
    out_of_range = await client.get(
        "/api/v1/slots", params={"from": "9999-12-30"}, headers=await staff_headers(client, "demo-ot-cahors")
    )
    assert out_of_range.status_code == 400 and out_of_range.json()["code"] == "request.invalid"
