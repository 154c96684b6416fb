"""What the desk page relies on: the code check ported to JavaScript, the declared trip in a
plausible pass's scan answer, today's bookings of the partner's site, and its conflicts."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import timedelta
from itertools import islice

import pytest

from service.core import clock
from service.passes import codes
from service.settings import ROOT
from tests.helpers import issue_pass, nonce, staff_headers

NODE = shutil.which("node")


def _typos(code: str):
    """Every single-symbol substitution and every swap of neighbours."""
    for i, symbol in enumerate(code):
        for other in codes.ALPHABET:
            if other != symbol:
                yield code[:i] + other + code[i + 1 :]
    for i in range(len(code) - 1):
        yield code[:i] + code[i + 1] + code[i] + code[i + 2 :]


@pytest.mark.skipif(NODE is None, reason="node is what builds the pages: make installs it")
def test_the_desk_checks_codes_as_the_service_does():
    typed = []
    for _ in range(300):
        code = codes.new_code()
        typed += [code, codes.display(code).lower(), f" {code[:3]} {code[3:7]}-{code[7:]} "]
        typed += list(islice(_typos(code), 40))
        typed += [code[:-1], code + "2", code.replace(code[0], "O", 1), code.replace(code[1], "1", 1)]
    script = (
        "import fs from 'node:fs'; import { normalise } from './front/src/desk/codes.js';"
        "console.log(JSON.stringify(JSON.parse(fs.readFileSync(0, 'utf8')).map((typed) => normalise(typed))));"
    )
    answer = subprocess.run(
        [NODE, "--input-type=module", "-e", script],
        input=json.dumps(typed),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        timeout=60,
    )
    in_browser = json.loads(answer.stdout)
    assert in_browser == [codes.normalise(t) for t in typed]
    assert sum(result is None for result in in_browser) > len(typed) // 2  # the typos were caught


async def test_a_plausible_pass_tells_the_desk_what_was_declared(client):
    issued = await issue_pass(client, line="871234", ticket_ref="SECRET42")
    headers = await staff_headers(client, "demo-partner-musee-henri-martin")
    scan = await client.post("/api/v1/redemptions", json={"token": issued["token"], "nonce": nonce()}, headers=headers)
    assert scan.status_code == 201, scan.text
    body = scan.json()
    assert body["pass"]["declared"] == {
        "method": "declared_trip",
        "line": "871234",
        "arrival_stop": "Cahors",
        "arrival_date": clock.lot_today().isoformat(),
        "arrival_time": "10:42",
    }
    assert "SECRET42" not in scan.text


async def test_the_desk_sees_todays_bookings_and_who_came(client, settings):
    site = "grotte-pech-merle"
    ot, partner = await staff_headers(client, "demo-ot-cahors"), await staff_headers(client, f"demo-partner-{site}")
    start = clock.now().replace(microsecond=0) + timedelta(minutes=1, seconds=int(nonce()[:4], 16) % 50)
    slot = await client.post(
        f"/api/v1/sites/{site}/slots",
        json={"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat(), "capacity": 4},
        headers=ot,
    )
    assert slot.status_code == 201, slot.text
    came, away = await issue_pass(client, persons=2), await issue_pass(client, persons=1)
    for issued in (came, away):
        booked = await client.post(
            "/api/v1/bookings",
            json={"token": issued["token"], "slot_id": slot.json()["id"], "persons": issued["persons"]},
        )
        assert booked.status_code == 201, booked.text
    scan = await client.post("/api/v1/redemptions", json={"token": came["token"], "nonce": nonce()}, headers=partner)
    assert scan.status_code == 201

    sheet = await client.get("/api/v1/bookings/today", headers=partner)
    assert sheet.status_code == 200, sheet.text
    ours = next(row for row in sheet.json() if row["id"] == slot.json()["id"])
    assert ours["remaining"] == 1 and ours["capacity"] == 4
    by_code = {booking["code"]: booking for booking in ours["bookings"]}
    assert by_code[came["code"]]["scanned_at"] is not None and by_code[came["code"]]["persons"] == 2
    assert by_code[away["code"]]["scanned_at"] is None and by_code[away["code"]]["code_display"] == codes.display(
        away["code"]
    )
    # another partner sees its own site only; OT staff are not a desk
    other = await client.get(
        "/api/v1/bookings/today", headers=await staff_headers(client, "demo-partner-canoe-bouzies")
    )
    assert all(row["id"] != slot.json()["id"] for row in other.json())
    assert (await client.get("/api/v1/bookings/today", headers=ot)).status_code == 403


async def test_a_partner_sees_its_own_sites_conflicts(client):
    site = "musee-champollion"
    partner = await staff_headers(client, f"demo-partner-{site}")
    issued = await issue_pass(client, stop="StopArea:OCE87613091")
    moment = clock.now().isoformat()
    for device in ("Entrée", "Boutique"):
        batch = {
            "device": f"{device} {nonce()[:4]}",
            "items": [{"nonce": nonce(), "token": issued["token"], "scanned_at": moment}],
        }
        synced = await client.post("/api/v1/redemptions/sync", json=batch, headers=partner)
        assert synced.status_code == 200, synced.text
    own = await client.get("/api/v1/redemptions/conflicts", headers=partner)
    assert [c["code"] for c in own.json() if c["code"] == issued["code"]] == [issued["code"]]
    assert {c["site_id"] for c in own.json()} == {site}
    elsewhere = await client.get(
        "/api/v1/redemptions/conflicts", headers=await staff_headers(client, "demo-partner-musee-henri-martin")
    )
    assert issued["code"] not in [c["code"] for c in elsewhere.json()]
