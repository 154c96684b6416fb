"""The pass in the phone's wallet, without Apple or Google: throw-away accounts made in the
run (tests/wallet_factory.py), the `.pkpass` read back and its signature verified with
openssl against that CA, the Google save JWT verified with the test key."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import time
import zipfile
from datetime import datetime
from pathlib import Path

import httpx
import jwt
import pytest
from asgi_lifespan import LifespanManager

from service.app import create_app
from service.settings import ConfigError
from service.wallet import credentials
from tests.helpers import PUBLIC_URL, TBC, cli_env, issue_pass, nonce, run_cli, staff_headers, trip_claim
from tests.wallet_factory import ISSUER_ID, PASS_TYPE_ID, TEAM_ID

IMAGES = {"icon.png", "icon@2x.png", "logo.png", "logo@2x.png"}


def _bearer(issued) -> dict[str, str]:
    return {"Authorization": f"Bearer {issued['token']}"}


async def _pkpass(client, issued) -> zipfile.ZipFile:
    link = issued["wallet"]["apple"]
    answer = await client.get(link)  # no header: Safari opens it by navigation
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/vnd.apple.pkpass"
    return zipfile.ZipFile(io.BytesIO(answer.content))


async def test_the_apple_pass_is_signed_and_carries_what_the_desk_scans(client, wallet_env, tmp_path):
    issued = await issue_pass(client, persons=3)
    archive = await _pkpass(client, issued)
    names = set(archive.namelist())
    strings = {f"{lang}.lproj/pass.strings" for lang in ("fr", "en", "es")}
    assert names == {"pass.json", "manifest.json", "signature", *IMAGES, *strings}

    manifest = json.loads(archive.read("manifest.json"))
    assert set(manifest) == names - {"manifest.json", "signature"}
    for name, digest in manifest.items():
        assert hashlib.sha1(archive.read(name)).hexdigest() == digest, name  # noqa: S324 (Wallet's own choice)

    for name in ("manifest.json", "signature"):
        (tmp_path / name).write_bytes(archive.read(name))
    verified = await run_cli(
        ["openssl", "smime", "-verify", "-binary", "-inform", "DER", "-in", str(tmp_path / "signature"),
         "-content", str(tmp_path / "manifest.json"), "-CAfile", wallet_env["ca"], "-purpose", "any"]
    )  # fmt: skip
    assert verified.returncode == 0, verified.stderr
    assert "Verification successful" in verified.stderr

    content = json.loads(archive.read("pass.json"))
    assert (content["formatVersion"], content["passTypeIdentifier"], content["teamIdentifier"]) == (
        1,
        PASS_TYPE_ID,
        TEAM_ID,
    )
    assert content["serialNumber"] == issued["code"]
    (barcode,) = content["barcodes"]
    assert barcode["format"] == "PKBarcodeFormatQR" and barcode["altText"] == issued["code_display"]
    assert content["expirationDate"] == issued["valid_until"].replace("Z", "+00:00")
    assert content["generic"]["primaryFields"][0]["value"] == 3
    locations = content["locations"]
    assert 0 < len(locations) <= 10
    shown = (await client.get(f"/api/v1/passes/{issued['code']}", headers=_bearer(issued))).json()
    nearest = [(s["lat"], s["lon"]) for s in shown["sites_today"][:10]]
    assert [(place["latitude"], place["longitude"]) for place in locations] == nearest

    french = archive.read("fr.lproj/pass.strings").decode("utf-16")
    assert '"persons" = "Personnes";' in french and '"train" = "train";' in french
    assert '"persons" = "Personas";' in archive.read("es.lproj/pass.strings").decode("utf-16")
    assert '"persons" = "Persons";' in archive.read("en.lproj/pass.strings").decode("utf-16")

    # the QR's message is a token the desk accepts
    desk = await staff_headers(client, "demo-partner-musee-henri-martin")
    scanned = await client.post(
        "/api/v1/redemptions", json={"token": barcode["message"], "nonce": nonce()}, headers=desk
    )
    assert scanned.status_code == 201, scanned.text


async def test_the_google_link_is_a_save_jwt_signed_by_the_service_account(client, wallet_env):
    issued = await issue_pass(client)
    answer = await client.get(f"/api/v1/passes/{issued['code']}/wallet/google", headers=_bearer(issued))
    assert answer.status_code == 200, answer.text
    url = answer.json()["save_url"]
    assert url.startswith("https://pay.google.com/gp/v/save/")
    token = url.removeprefix("https://pay.google.com/gp/v/save/")
    public = await asyncio.to_thread(Path(wallet_env["google_public"]).read_bytes)
    claims = jwt.decode(
        token, public, algorithms=["RS256"], audience="google", issuer="wallet@tbc-test.iam.gserviceaccount.com"
    )
    assert jwt.get_unverified_header(token)["kid"] == "test-key-1"
    assert claims["typ"] == "savetowallet" and claims["origins"] == [PUBLIC_URL]
    (generic,) = claims["payload"]["genericObjects"]
    assert generic["id"] == f"{ISSUER_ID}.{issued['code']}"
    assert generic["classId"] == claims["payload"]["genericClasses"][0]["id"] == f"{ISSUER_ID}.tarif-bas-carbone"
    assert generic["barcode"] == {"type": "QR_CODE", "value": issued["token"], "alternateText": issued["code_display"]}
    assert generic["validTimeInterval"]["end"]["date"] == issued["valid_until"].replace("Z", "+00:00")
    assert {module["id"] for module in generic["textModulesData"]} >= {"persons", "mode", "arrival"}
    # the signed link of the pass answer works as well
    linked = await client.get(issued["wallet"]["google"])
    assert linked.status_code == 200 and linked.json()["save_url"].startswith("https://pay.google.com/gp/v/save/")


async def test_links_are_for_one_pass_one_wallet_and_one_hour(client, app):
    issued = await issue_pass(client)
    other = await issue_pass(client)
    apple = issued["wallet"]["apple"]
    tampered = apple.replace(issued["code"], other["code"])
    refused = await client.get(tampered)
    assert refused.status_code == 403 and refused.json()["code"] == "wallet.link_invalid"
    as_google = apple.replace("/wallet/apple", "/wallet/google")
    assert (await client.get(as_google)).json()["code"] == "wallet.link_invalid"
    old = app.state.qr_links.wallet_url(issued["code"], "apple", int(time.time()) - 1)
    expired = await client.get(old)
    assert expired.status_code == 410 and expired.json()["code"] == "wallet.link_expired"
    qr_link = issued["qr_png_url"].replace("/qr.png", "/wallet/apple")  # a QR link opens the QR only
    assert (await client.get(qr_link)).status_code == 403
    stranger = await client.get(f"/api/v1/passes/{issued['code']}/wallet/apple", headers=_bearer(other))
    assert stranger.status_code == 403


async def test_a_revoked_pass_gets_no_wallet_file_and_the_desk_refuses_it(client):
    issued = await issue_pass(client)
    link = issued["wallet"]["apple"]
    ot = await staff_headers(client, "demo-ot-cahors")
    revoked = await client.post(f"/api/v1/passes/{issued['code']}/revoke", json={"reason": "ticket shared"}, headers=ot)
    assert revoked.status_code == 200, revoked.text
    for wallet in ("apple", "google"):
        gone = await client.get(f"/api/v1/passes/{issued['code']}/wallet/{wallet}", headers=_bearer(issued))
        assert gone.status_code == 410 and gone.json()["code"] == "pass.revoked"
        assert gone.json()["pass_code"] == issued["code_display"]
    assert (await client.get(link)).status_code == 410
    shown = await client.get(f"/api/v1/passes/{issued['code']}", headers=_bearer(issued))
    assert shown.json()["wallet"] is None
    desk = await staff_headers(client, "demo-partner-musee-henri-martin")
    scanned = await client.post("/api/v1/redemptions", json={"token": issued["token"], "nonce": nonce()}, headers=desk)
    assert scanned.status_code == 410 and scanned.json()["code"] == "pass.revoked"


async def test_without_accounts_no_link_and_the_routes_answer_404(settings):
    application = create_app(settings, credentials.Wallets())
    async with LifespanManager(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL, timeout=60) as bare:
            issued = await issue_pass(bare)
            assert issued["wallet"] is None
            for wallet in ("apple", "google"):
                answer = await bare.get(f"/api/v1/passes/{issued['code']}/wallet/{wallet}", headers=_bearer(issued))
                assert answer.status_code == 404 and answer.json()["code"] == "wallet.not_configured"


def test_a_wrong_variable_is_named(wallet_env, tmp_path):
    with pytest.raises(ConfigError, match="TBC_WALLET_APPLE_TEAM_ID: needed with"):
        credentials.load({k: v for k, v in wallet_env.items() if k != "TBC_WALLET_APPLE_TEAM_ID"})
    with pytest.raises(ConfigError, match="TBC_WALLET_APPLE_CERT: not a PEM certificate"):
        credentials.load({**wallet_env, "TBC_WALLET_APPLE_CERT": wallet_env["TBC_WALLET_APPLE_KEY"]})
    with pytest.raises(ConfigError, match="TBC_WALLET_APPLE_KEY: not a PEM private key"):
        credentials.load({**wallet_env, "TBC_WALLET_APPLE_KEY_PASSWORD": "wrong"})
    with pytest.raises(ConfigError, match="TBC_WALLET_APPLE_KEY: not the key of TBC_WALLET_APPLE_CERT"):
        credentials.load({**wallet_env, "TBC_WALLET_APPLE_CERT": wallet_env["TBC_WALLET_APPLE_WWDR"]})
    broken = tmp_path / "account.json"
    broken.write_text('{"client_email": "x"}', encoding="utf-8")
    with pytest.raises(ConfigError, match="TBC_WALLET_GOOGLE_SERVICE_ACCOUNT: not a service account key"):
        credentials.load({**wallet_env, "TBC_WALLET_GOOGLE_SERVICE_ACCOUNT": str(broken)})
    with pytest.raises(ConfigError, match="TBC_WALLET_GOOGLE_SERVICE_ACCOUNT: cannot read"):
        credentials.load({**wallet_env, "TBC_WALLET_GOOGLE_SERVICE_ACCOUNT": str(tmp_path / "none.json")})
    assert credentials.load({}) == credentials.Wallets()


async def test_serve_stops_on_a_bad_wallet_file_naming_the_variable(wallet_env, tmp_path):
    given = {k: v for k, v in wallet_env.items() if k.startswith("TBC_")}
    env = cli_env(**{**given, "TBC_WALLET_APPLE_WWDR": str(tmp_path / "none.pem")})
    stopped = await run_cli([*TBC, "serve", "--port", "1"], env=env)
    assert stopped.returncode != 0
    assert "configuration error: environment variable TBC_WALLET_APPLE_WWDR: cannot read" in stopped.stderr


async def test_the_pass_e_mail_adds_the_wallet_links_for_as_long_as_the_pass(client, smtp_sink):
    address = f"wallet-{nonce()[:8]}@example.org"
    claimed = await client.post(
        "/api/v1/claims", json={**trip_claim(), "email": address}, headers={"Accept-Language": "fr"}
    )
    assert claimed.status_code == 201, claimed.text
    message = await smtp_sink.one_to(address)
    body = message.get_body(("plain",)).get_content()
    lines = body.splitlines()
    apple = lines[lines.index("Ajouter à Apple Wallet:") + 1]
    google = lines[lines.index("Ajouter à Google Wallet:") + 1]
    assert apple.startswith(f"{PUBLIC_URL}/api/v1/passes/") and google.endswith("&go=1")
    valid_until = datetime.fromisoformat(claimed.json()["pass"]["valid_until"])
    assert f"expires={int(valid_until.timestamp())}&" in apple  # as long as the pass, not an hour
    opened = await client.get(apple.removeprefix(PUBLIC_URL))
    assert opened.status_code == 200 and opened.headers["content-type"] == "application/vnd.apple.pkpass"


async def test_an_ended_pass_gets_no_wallet_file(client, conn):
    issued = await issue_pass(client)
    await conn.execute(
        "UPDATE passes SET valid_from = valid_from - interval '30 days', valid_until = now() - interval '1 minute'"
        " WHERE code = $1",
        issued["code"],
    )
    ended = await client.get(f"/api/v1/passes/{issued['code']}/wallet/apple", headers=_bearer(issued))
    assert ended.status_code == 410 and ended.json()["code"] == "pass.expired"
    assert ended.json()["pass_code"] == issued["code_display"]
    shown = await client.get(f"/api/v1/passes/{issued['code']}", headers=_bearer(issued))
    assert shown.json()["wallet"] is None
