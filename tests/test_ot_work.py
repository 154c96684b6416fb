"""The OT dashboard's work: partner sites and their accounts as data (API and
`tbc import-sites`), offline-scan conflicts to acknowledge, slots of bookable sites."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from service.reports import repository as report_repository
from tests.helpers import TBC, cli_env, issue_pass, nonce, run_cli, staff_headers


def _site(site_id: str, ot: str = "cahors", **extra) -> dict:
    return {
        "id": site_id,
        "name": "Écomusée de Cuzals",
        "ot": ot,
        "lat": 44.5616,
        "lon": 1.6903,
        "modes": ["train", "bike"],
        "offer": {
            "label": "Entrée à 4 € au lieu de 6 €",
            "label_en": "Admission €4 instead of €6",
            "label_es": "Entrada a 4 € en lugar de 6 €",
            "normal_price_eur": 6.0,
            "reduced_price_eur": 4.0,
        },
        "min_confidence": "verified",
        "proof_max_age_days": 3,
        "bookable": True,
        **extra,
    }


async def test_an_ot_adds_and_edits_its_own_sites_only(client):
    cahors, pilot = await staff_headers(client, "demo-ot-cahors"), await staff_headers(client, "demo-pilot")
    site_id = f"cuzals-{nonce()[:6]}"
    created = await client.post("/api/v1/sites", json=_site(site_id), headers=cahors)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["offer"]["label_es"] == "Entrada a 4 € en lugar de 6 €" and body["min_confidence"] == "verified"
    assert (await client.post("/api/v1/sites", json=_site(site_id), headers=pilot)).json()["code"] == "site.exists"

    # the public list shows it at once, with its rules
    public = (await client.get(f"/api/v1/sites/{site_id}")).json()
    assert public["proof_max_age_days"] == 3 and public["bookable"] is True and public["modes"] == ["train", "bike"]

    # a partial change keeps the rest; offer fields merge
    changed = await client.patch(
        f"/api/v1/sites/{site_id}",
        json={"name": "Écomusée de Cabrerets", "offer": {"label_en": "€4 admission"}, "modes": ["bus"]},
        headers=cahors,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["name"] == "Écomusée de Cabrerets" and changed.json()["modes"] == ["bus"]
    assert changed.json()["offer"]["label_en"] == "€4 admission"
    assert changed.json()["offer"]["label"] == "Entrée à 4 € au lieu de 6 €"

    # an OT cannot create for, move to, or edit in another territory
    elsewhere = await client.post("/api/v1/sites", json=_site(f"x-{nonce()[:6]}", ot="figeac"), headers=cahors)
    assert elsewhere.status_code == 403
    moved = await client.patch(f"/api/v1/sites/{site_id}", json={"ot": "figeac"}, headers=cahors)
    assert moved.status_code == 403
    figeac = await staff_headers(client, "demo-ot-figeac")
    assert (await client.patch(f"/api/v1/sites/{site_id}", json={"name": "X"}, headers=figeac)).status_code == 403
    # the pilot can move it
    assert (await client.patch(f"/api/v1/sites/{site_id}", json={"ot": "figeac"}, headers=pilot)).status_code == 200
    # a partner cannot manage sites at all
    partner = await staff_headers(client, "demo-partner-musee-henri-martin")
    assert (await client.post("/api/v1/sites", json=_site(f"y-{nonce()[:6]}"), headers=partner)).status_code == 403

    # deactivated: gone from the public list, still in the managed one
    assert (await client.patch(f"/api/v1/sites/{site_id}", json={"active": False}, headers=pilot)).status_code == 200
    assert site_id not in [s["id"] for s in (await client.get("/api/v1/sites")).json()]
    managed = (await client.get("/api/v1/sites/managed", headers=figeac)).json()
    assert {s["id"]: s["active"] for s in managed}[site_id] is False
    assert {s["ot"] for s in managed} == {"figeac"}


async def test_site_input_is_checked_with_clear_codes(client):
    pilot = await staff_headers(client, "demo-pilot")
    bad = [
        (_site(f"a-{nonce()[:6]}", ot="atlantis"), 422, "site.invalid"),
        (_site(f"b-{nonce()[:6]}", bookable=False, booking_required=True), 422, "site.invalid"),
        (_site(f"c-{nonce()[:6]}", lat=123), 400, "request.invalid"),
        (_site(f"d-{nonce()[:6]}", modes=[]), 400, "request.invalid"),
        (_site(f"e-{nonce()[:6]}", modes=["car"]), 400, "request.invalid"),
        (_site("Bad Id!"), 400, "request.invalid"),
        ({**_site(f"f-{nonce()[:6]}"), "colour": "red"}, 400, "request.invalid"),
    ]
    for body, status, code in bad:
        response = await client.post("/api/v1/sites", json=body, headers=pilot)
        assert (response.status_code, response.json()["code"]) == (status, code), (body, response.text)
    site_id = f"g-{nonce()[:6]}"
    assert (await client.post("/api/v1/sites", json=_site(site_id), headers=pilot)).status_code == 201
    for change, status in (
        ({"id": "other"}, 422),
        ({"lat": "north"}, 400),
        ({"bookable": False, "booking_required": True}, 422),
    ):
        response = await client.patch(f"/api/v1/sites/{site_id}", json=change, headers=pilot)
        assert response.status_code == status, (change, response.text)
    assert (await client.patch("/api/v1/sites/nowhere-at-all", json={"name": "X"}, headers=pilot)).status_code == 404


async def test_a_site_gets_partner_accounts_that_scan(client, conn):
    cahors = await staff_headers(client, "demo-ot-cahors")
    site_id = f"cuzals-{nonce()[:6]}"
    assert (
        await client.post("/api/v1/sites", json=_site(site_id, min_confidence="plausible"), headers=cahors)
    ).status_code == 201
    username = f"accueil.{site_id}"
    account = await client.post(
        f"/api/v1/sites/{site_id}/staff",
        json={"username": username, "password": "a long desk password"},
        headers=cahors,
    )
    assert account.status_code == 201, account.text
    taken = await client.post(
        f"/api/v1/sites/{site_id}/staff",
        json={"username": "demo-pilot", "password": "a long desk password"},
        headers=cahors,
    )
    assert taken.status_code == 409 and taken.json()["code"] == "account.username_taken"
    short = await client.post(
        f"/api/v1/sites/{site_id}/staff", json={"username": "abc.def", "password": "short"}, headers=cahors
    )
    assert short.status_code == 400
    figeac = await staff_headers(client, "demo-ot-figeac")
    assert (await client.get(f"/api/v1/sites/{site_id}/staff", headers=figeac)).status_code == 403

    login = await client.post("/api/v1/auth/token", json={"username": username, "password": "a long desk password"})
    assert login.status_code == 200 and login.json()["site"] == site_id
    desk = {"Authorization": f"Bearer {login.json()['access_token']}"}
    issued = await issue_pass(client)
    scan = await client.post("/api/v1/redemptions", json={"token": issued["token"], "nonce": nonce()}, headers=desk)
    assert scan.status_code == 201 and scan.json()["offer"]["label"] == "Entrée à 4 € au lieu de 6 €"

    # handed to another OT by the pilot, the site takes its uses along in the reports
    by_site = (await client.get("/api/v1/reports/breakdowns?by=site", headers=cahors)).json()["breakdowns"]["site"]
    assert {row["site"]: row["redemptions"] for row in by_site}[site_id] == 1
    pilot = await staff_headers(client, "demo-pilot")
    assert (await client.patch(f"/api/v1/sites/{site_id}", json={"ot": "figeac"}, headers=pilot)).status_code == 200
    figeac_sites = (
        await client.get("/api/v1/reports/breakdowns?by=site", headers=await staff_headers(client, "demo-ot-figeac"))
    ).json()["breakdowns"]["site"]
    assert {row["site"]: row["redemptions"] for row in figeac_sites}[site_id] == 1
    by_site = (await client.get("/api/v1/reports/breakdowns?by=site", headers=cahors)).json()["breakdowns"]["site"]
    assert site_id not in {row["site"] for row in by_site}
    assert await report_repository.differences(conn) == 0
    assert (await client.patch(f"/api/v1/sites/{site_id}", json={"ot": "cahors"}, headers=pilot)).status_code == 200

    listed = (await client.get(f"/api/v1/sites/{site_id}/staff", headers=cahors)).json()
    assert [a["username"] for a in listed] == [username]
    disabled = await client.patch(
        f"/api/v1/sites/{site_id}/staff/{listed[0]['id']}", json={"active": False}, headers=cahors
    )
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    again = await client.post("/api/v1/redemptions", json={"token": issued["token"], "nonce": nonce()}, headers=desk)
    assert again.status_code == 401


def _sites_file(path, sites: str) -> str:
    path.write_text(sites, encoding="utf-8")
    return str(path)


_FILE = """
# sites of the Causse
[[sites]]
id = "{id}"
name = "Moulin de Cougnaguet"
ot = "dordogne"
lat = 44.8443
lon = 1.4277
modes = ["train", "bike"]
offer = {{ label = "Visite : 4 € au lieu de 5 €", label_en = "Visit: €4 instead of €5", label_es = "Visita: 4 € en lugar de 5 €" }}

[[sites]]
id = "{id}-2"
name = "Jardins de Marqueyssac"
ot = "dordogne"
lat = {lat}
lon = 1.2
modes = ["train"]
offer = {{ label = "Entrée réduite" }}
"""


async def test_import_sites_is_idempotent_and_names_the_line_of_an_error(client, database_url, settings, tmp_path):
    env = cli_env(DATABASE_URL=database_url, TBC_SECRET_KEY=settings.secret_key)
    site_id = f"cougnaguet-{nonce()[:6]}"
    good = _sites_file(tmp_path / "sites.toml", _FILE.format(id=site_id, lat=44.8))
    first = await run_cli([*TBC, "import-sites", good], env=env)
    assert first.returncode == 0, first.stderr
    assert "2 created, 0 updated, 0 unchanged" in first.stdout
    again = await run_cli([*TBC, "import-sites", good], env=env)
    assert again.returncode == 0 and "0 created, 0 updated, 2 unchanged" in again.stdout
    site = (await client.get(f"/api/v1/sites/{site_id}")).json()
    assert site["ot"] == "dordogne" and site["offer"]["label"] == "Visite : 4 € au lieu de 5 €"

    bad = _sites_file(tmp_path / "bad.toml", _FILE.format(id=f"{site_id}-b", lat='"north"'))
    failed = await run_cli([*TBC, "import-sites", bad], env=env)
    assert failed.returncode == 2
    lines = failed.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{bad}:16: sites[1].lat: Expected `float`, got `str`" in lines[0], failed.stderr
    assert (await client.get(f"/api/v1/sites/{site_id}-b")).status_code == 404  # nothing imported

    unknown_ot = _sites_file(
        tmp_path / "ot.toml", _FILE.format(id=site_id, lat=44.8).replace('"dordogne"', '"quercy"', 1)
    )
    failed = await run_cli([*TBC, "import-sites", unknown_ot], env=env)
    assert failed.returncode == 2 and f"{unknown_ot}:6: sites[0].ot: unknown OT 'quercy'" in failed.stderr
    twice = _sites_file(
        tmp_path / "twice.toml", _FILE.format(id=site_id, lat=44.8).replace(f'"{site_id}-2"', f'"{site_id}"')
    )
    failed = await run_cli([*TBC, "import-sites", twice], env=env)
    assert failed.returncode == 2 and f"{twice}:13: sites[1].id: '{site_id}' is already defined" in failed.stderr


async def _conflict(client) -> tuple[dict, str]:
    partner = await staff_headers(client, "demo-partner-musee-champollion")
    desks = [
        (await client.post("/api/v1/devices", json={"name": f"desk {n} {nonce()[:6]}"}, headers=partner)).json()
        for n in (1, 2)
    ]
    issued = await issue_pass(client)
    for minutes, desk in zip((30, 25), desks, strict=True):
        scanned_at = (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat()
        response = await client.post(
            "/api/v1/redemptions/sync",
            json={"items": [{"nonce": nonce(), "token": issued["token"], "scanned_at": scanned_at}]},
            headers={"Authorization": f"Bearer {desk['access_token']}"},
        )
        assert response.status_code == 200
    figeac = await staff_headers(client, "demo-ot-figeac")
    conflicts = (await client.get("/api/v1/redemptions/conflicts", headers=figeac)).json()
    return next(c for c in conflicts if c["code"] == issued["code"]), issued["code"]


async def test_a_conflict_is_acknowledged_once_with_who_and_when(client):
    conflict, code = await _conflict(client)
    assert conflict["acknowledged_at"] is None and conflict["site_name"].startswith("Musée Champollion")
    cahors = await staff_headers(client, "demo-ot-cahors")
    url = f"/api/v1/redemptions/conflicts/{conflict['id']}/acknowledge"
    assert (await client.post(url, json={}, headers=cahors)).status_code == 404  # not Cahors' site

    figeac, pilot = await staff_headers(client, "demo-ot-figeac"), await staff_headers(client, "demo-pilot")
    answers = await asyncio.gather(
        client.post(url, json={"note": "same family, two desks"}, headers=figeac),
        client.post(url, json={}, headers=pilot),
    )
    assert sorted(a.status_code for a in answers) == [200, 409]
    done = next(a for a in answers if a.status_code == 200).json()
    late = next(a for a in answers if a.status_code == 409).json()
    assert done["acknowledged_by"] in ("demo-ot-figeac", "demo-pilot") and done["acknowledged_at"]
    assert late["code"] == "conflict.already_acknowledged" and late["acknowledged_by"] == done["acknowledged_by"]

    open_now = (await client.get("/api/v1/redemptions/conflicts", headers=figeac)).json()
    assert code not in [c["code"] for c in open_now]
    acknowledged = (
        await client.get("/api/v1/redemptions/conflicts", params={"status": "acknowledged"}, headers=figeac)
    ).json()
    assert code in [c["code"] for c in acknowledged]


async def test_slots_of_an_ots_bookable_sites(client, settings):
    from service.core.clock import local_date

    cahors = await staff_headers(client, "demo-ot-cahors")
    slots = (await client.get("/api/v1/slots", headers=cahors)).json()
    assert {s["site_id"] for s in slots} == {"grotte-pech-merle", "canoe-bouzies"}  # the demo's bookable sites
    assert all(s["remaining"] == s["capacity"] - s["booked"] for s in slots)
    assert slots == sorted(slots, key=lambda s: s["start"])

    issued = await issue_pass(client, persons=3)
    tomorrow = (local_date(settings) + timedelta(days=1)).isoformat()
    slot = next(s for s in slots if s["start"][:10] >= tomorrow and s["remaining"] >= 3)
    booked = await client.post("/api/v1/bookings", json={"token": issued["token"], "slot_id": slot["id"], "persons": 3})
    assert booked.status_code == 201, booked.text
    day = slot["start"][:10]
    after = (
        await client.get("/api/v1/slots", params={"from": day, "to": day, "site": slot["site_id"]}, headers=cahors)
    ).json()
    mine = next(s for s in after if s["id"] == slot["id"])
    assert mine["booked"] == slot["booked"] + 3 and mine["bookings"] == slot["bookings"] + 1

    pilot = await staff_headers(client, "demo-pilot")
    department = (await client.get("/api/v1/slots", headers=pilot)).json()
    assert {s["ot_id"] for s in department} == {"cahors", "dordogne"}
    assert (await client.get("/api/v1/slots", params={"ot": "dordogne"}, headers=cahors)).status_code == 403
    today = local_date(settings)
    too_long = {"from": today.isoformat(), "to": (today + timedelta(days=200)).isoformat()}
    assert (await client.get("/api/v1/slots", params=too_long, headers=cahors)).status_code == 400
