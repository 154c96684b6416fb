"""Pass tokens: only genuine, current passes are honoured, online and offline."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from service.passes import qr
from tests.helpers import days_ago, end_pass, issue_pass, nonce, qr_texts, staff_headers

PARTNER = "demo-partner-musee-henri-martin"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segments(token: str) -> tuple[dict, dict, str]:
    header, payload, signature = token.split(".")
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    return (
        json.loads(base64.urlsafe_b64decode(pad(header))),
        json.loads(base64.urlsafe_b64decode(pad(payload))),
        signature,
    )


async def _scan(client, token: str):
    return await client.post(
        "/api/v1/redemptions", json={"token": token, "nonce": nonce()}, headers=await staff_headers(client, PARTNER)
    )


async def test_tampered_token_is_refused(client):
    issued = await issue_pass(client, persons=1)
    header, payload, signature = _segments(issued["token"])
    payload["p"] = 6  # one ticket, six persons
    forged = ".".join([_b64(json.dumps(header).encode()), _b64(json.dumps(payload).encode()), signature])
    response = await _scan(client, forged)
    assert response.status_code == 422 and response.json()["code"] == "pass.invalid"


async def test_token_signed_by_another_key_is_refused(client):
    issued = await issue_pass(client)
    header, payload, _ = _segments(issued["token"])
    other_key = Ed25519PrivateKey.generate()
    forged = jwt.encode(payload, other_key, algorithm="EdDSA", headers={"kid": header["kid"]})
    response = await _scan(client, forged)
    assert response.status_code == 422 and response.json()["code"] == "pass.invalid"
    # and with a kid we never issued
    forged = jwt.encode(payload, other_key, algorithm="EdDSA", headers={"kid": "unknown-kid"})
    response = await _scan(client, forged)
    assert response.status_code == 422 and response.json()["code"] == "pass.invalid"


async def test_alg_none_is_refused(client):
    issued = await issue_pass(client)
    header, payload, _ = _segments(issued["token"])
    unsigned = ".".join(
        [_b64(json.dumps({"alg": "none", "kid": header["kid"]}).encode()), _b64(json.dumps(payload).encode()), ""]
    )
    response = await _scan(client, unsigned)
    assert response.status_code == 422 and response.json()["code"] == "pass.invalid"
    # nor does an HMAC "signed" with the public key (algorithm confusion)
    jwks = (await client.get("/.well-known/jwks.json")).json()
    x = next(k["x"] for k in jwks["keys"] if k["kid"] == header["kid"])
    confused = ".".join(
        [
            _b64(json.dumps({"alg": "HS256", "kid": header["kid"]}).encode()),
            _b64(json.dumps(payload).encode()),
            "",
        ]
    )
    confused = jwt.encode(payload, x.encode(), algorithm="HS256", headers={"kid": header["kid"]})
    response = await _scan(client, confused)
    assert response.status_code == 422 and response.json()["code"] == "pass.invalid"


async def test_wrong_issuer_or_audience_is_refused(client, app):
    issued = await issue_pass(client)
    header, payload, _ = _segments(issued["token"])
    key = app.state.keyring.current.private  # the genuine key, misused
    for field in ("iss", "aud"):
        wrong = dict(payload, **{field: "someone-else"})
        response = await _scan(client, jwt.encode(wrong, key, algorithm="EdDSA", headers={"kid": header["kid"]}))
        assert response.status_code == 422 and response.json()["code"] == "pass.invalid", field


@pytest.mark.lot_day
async def test_expired_pass_is_refused(client, conn):
    issued = await issue_pass(client, travel_date=days_ago(3))
    ended = await end_pass(conn, issued["code"])
    response = await _scan(client, issued["token"])
    assert response.status_code == 410 and response.json()["code"] == "pass.expired"
    assert response.json()["valid_until"] == ended.isoformat()


@pytest.mark.lot_day
async def test_pass_not_yet_valid_is_refused(client):
    issued = await issue_pass(client, travel_date=days_ago(-3))
    response = await _scan(client, issued["token"])
    assert response.status_code == 422 and response.json()["code"] == "pass.not_yet_valid"


async def test_revoked_pass_is_refused_at_once(client):
    issued = await issue_pass(client)
    ot = await staff_headers(client, "demo-ot-cahors")  # the pass arrived at Cahors
    revoked = await client.post(f"/api/v1/passes/{issued['code']}/revoke", json={"reason": "fraude"}, headers=ot)
    assert revoked.status_code == 200, revoked.text
    response = await _scan(client, issued["token"])
    assert response.status_code == 410 and response.json()["code"] == "pass.revoked"
    listed = (await client.get("/api/v1/revocations")).json()
    assert issued["code"] in [item["jti"] for item in listed["revoked"]]
    # another OT may not revoke a Cahors pass
    other = await issue_pass(client)
    response = await client.post(
        f"/api/v1/passes/{other['code']}/revoke",
        json={"reason": "erreur"},
        headers=await staff_headers(client, "demo-ot-figeac"),
    )
    assert response.status_code == 403


async def test_offline_scanner_verifies_with_the_jwks_alone(client):
    """What a scanner without network does: the published key is enough."""
    issued = await issue_pass(client)
    jwks = (await client.get("/.well-known/jwks.json")).json()
    kid = jwt.get_unverified_header(issued["token"])["kid"]
    jwk = next(k for k in jwks["keys"] if k["kid"] == kid)
    assert (jwk["kty"], jwk["crv"]) == ("OKP", "Ed25519") and "d" not in jwk
    key = jwt.PyJWK(jwk).key
    claims = jwt.decode(
        issued["token"],
        key,
        algorithms=["EdDSA"],
        audience="tbc46",
        issuer="tbc46",
        options={"require": ["exp", "nbf", "iss", "aud", "jti"]},
    )
    assert claims["jti"] == issued["code"] and claims["p"] == issued["persons"]


@pytest.mark.parametrize("persons", [1, 9, 50])
def test_qr_stays_small(app, persons):
    """Version ≤ 12 at level M, with the longest claims a pass can carry."""

    from service.passes import codes, tokens

    settings = app.state.settings.config.rules.passes
    moment = datetime(2030, 12, 31, 23, 0, tzinfo=UTC)
    claims = tokens.PassClaims(codes.new_code(), persons, "train", "plausible", moment, moment + timedelta(days=366))
    token = tokens.sign(claims, app.state.keyring.current, settings.issuer, settings.audience)
    assert qr.version(token) <= 12


async def test_holder_needs_the_token_of_that_pass(client):
    first = await issue_pass(client)
    second = await issue_pass(client)
    url = f"/api/v1/passes/{first['code']}"
    assert (await client.get(url)).status_code == 401
    response = await client.get(url, headers={"Authorization": f"Bearer {second['token']}"})
    assert response.status_code == 403
    response = await client.get(url + "/qr.svg", params={"token": second["token"]})
    assert response.status_code == 403


async def test_qr_links_open_the_image_without_the_token(app, client):
    """The claim answer's QR links work in an <img> (no header) and carry no credential."""
    import logging
    import time
    from urllib.parse import parse_qs, urlsplit

    from service.core.logs import JsonLines
    from service.passes.qr_links import QrLinks

    issued = await issue_pass(client)
    other = await issue_pass(client)
    png_url, svg_url = issued["qr_png_url"], issued["qr_svg_url"]
    assert issued["token"] not in png_url and "token=" not in png_url

    png = await client.get(png_url)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert qr_texts(png.content) == [issued["token"]]
    svg = await client.get(svg_url)
    assert svg.status_code == 200 and b"<svg" in svg.content

    # tampered: another signature, another pass's code, another expiry
    query = parse_qs(urlsplit(png_url).query)
    expires, sig = int(query["expires"][0]), query["sig"][0]
    base = f"/api/v1/passes/{issued['code']}/qr.png"
    for url, params in (
        (base, {"expires": expires, "sig": ("A" if sig[0] != "A" else "B") + sig[1:]}),
        (f"/api/v1/passes/{other['code']}/qr.png", {"expires": expires, "sig": sig}),
        (base, {"expires": expires + 3600, "sig": sig}),
        (base, {"sig": sig}),
    ):
        refused = await client.get(url, params=params)
        assert refused.status_code == 403, (url, params)
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["code"] == "qr.link_invalid"
    # expired
    stale = QrLinks(app.state.derived_keys.qr_link, seconds=-1).url(issued["code"], "png", time.time())
    gone = await client.get(stale)
    assert gone.status_code == 410 and gone.json()["code"] == "qr.link_expired"

    # the link opens the image and nothing else: not the pass, not a scan
    assert (
        await client.get(f"/api/v1/passes/{issued['code']}", params={"expires": expires, "sig": sig})
    ).status_code == 401
    with_sig = await client.get(f"/api/v1/passes/{issued['code']}", headers={"Authorization": f"Bearer {sig}"})
    assert with_sig.status_code == 422 and with_sig.json()["code"] == "pass.invalid"
    scan = await client.post(
        "/api/v1/redemptions", json={"token": sig, "nonce": nonce()}, headers=await staff_headers(client, PARTNER)
    )
    assert scan.status_code == 422 and scan.json()["code"] == "pass.invalid"

    # `?token=` still works (the contract keeps it); the logs of `tbc serve` name the route, and
    # any message that quotes a query string has the token and the signature blanked
    assert (await client.get(base, params={"token": issued["token"]})).status_code == 200
    formatter = JsonLines()
    records = [
        formatter.format(logging.LogRecord("service", logging.INFO, __file__, 0, "GET %s", (path,), None))
        for path in (f"{base}?token={issued['token']}&lang=en", png_url)
    ]
    assert len(records) == 2 and "lang=en" in records[0]
    assert not any(issued["token"] in line or sig in line for line in records), records
