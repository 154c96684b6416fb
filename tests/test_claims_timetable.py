"""Declared trips checked against an imported timetable, through POST /api/v1/claims."""

from __future__ import annotations

import pytest

from service.core.clock import lot_today
from service.core.geo import haversine_km
from service.settings import ROOT, load_config
from service.timetables import repository
from service.timetables.importer import import_feed
from service.timetables.lookup import has_timetable
from tests.gtfs_factory import ALL_DAYS, BUS, RAIL, feed_of, stop_times, write_feed
from tests.helpers import days_ago, trip_claim

pytestmark = pytest.mark.lot_day  # reasons in Lot days: run again at pinned moments

LOT_BOUNDARY = load_config(ROOT / "config").territory.boundary.points
TOULOUSE = ("StopArea:OCE87611004", "Toulouse Matabiau", 43.6113, 1.4536)
PARIS = ("StopArea:OCE87547000", "Paris Austerlitz", 48.8420, 2.3660)


def _one_train_to_cahors(origin: tuple[str, str, float, float], train: str, departs: str, arrives: str):  # type: ignore[no-untyped-def]
    """A feed with one daily train from `origin` to Cahors, running from the first of this month."""
    origin_id, origin_name, lat, lon = origin
    return feed_of(
        agency=("SNCF", "SNCF Voyageurs", "https://www.sncf-connect.com", "Europe/Paris", "fr"),
        stops=[(origin_id, origin_name, lat, lon, 1, ""), ("StopArea:OCE87613000", "Cahors", 44.4492, 1.4331, 1, "")],
        routes=[("R", "SNCF", "TER", f"{origin_name} – Cahors", RAIL)],
        trips=[("R", "DAILY", f"T{train}", "Cahors", train, 0)],
        times=stop_times(f"T{train}", f"{origin_id} {departs} StopArea:OCE87613000 {arrives}"),
        calendar=[("DAILY", *ALL_DAYS, lot_today().replace(day=1).strftime("%Y%m%d"), "20991231")],
        calendar_dates=[],
    )


async def test_declared_trips_are_checked_against_the_timetable(client, conn, tmp_path):
    """With a timetable loaded, a declared trip must exist; the pass then knows the trip's length."""
    feed = _one_train_to_cahors(TOULOUSE, "871999", "09:05", "10:12")
    assert not await has_timetable(conn, "bus"), "another test left a coach timetable behind"
    path = write_feed(tmp_path / "today.zip", feed)
    await import_feed(conn, path, "claims-test", boundary=LOT_BOUNDARY)
    try:
        good = trip_claim(line="871999")
        good["evidence"]["arrival_time"] = "10:20"
        response = await client.post("/api/v1/claims", json=good)
        assert response.status_code == 201, response.text
        assert response.json()["pass"]["checks"] == {"timetable_checked": True}
        trip_km = await conn.fetchval("SELECT trip_km FROM passes WHERE code = $1", response.json()["pass"]["code"])
        assert trip_km == pytest.approx(haversine_km((43.6113, 1.4536), (44.4492, 1.4331)), abs=0.2)

        for line, at in (("871998", "10:12"), ("871999", "11:30")):
            wrong = trip_claim(line=line)
            wrong["evidence"]["arrival_time"] = at
            refused = await client.post("/api/v1/claims", json=wrong, headers={"Accept-Language": "en"})
            assert refused.status_code == 422 and refused.json()["code"] == "proof.no_matching_trip", line
            assert line in refused.json()["detail"]
        # coaches have no timetable here: bus claims still stand on the static rules
        bus = await client.post("/api/v1/claims", json=trip_claim(mode="bus", stop="lio:cajarc", line="889"))
        assert bus.status_code == 201 and bus.json()["pass"]["checks"] == {"timetable_checked": False}
    finally:
        await repository.delete_feed(conn, "claims-test")


async def test_an_unsigned_sncf_ticket_must_name_a_train_calling_there_that_day(settings, conn, tmp_path):
    """SNCF's own barcodes carry no signature: the train number is checked against the timetable."""
    import base64

    import httpx
    import msgspec
    from asgi_lifespan import LifespanManager

    from service.app import create_app
    from tests import rail_factory

    rules = settings.config.rules
    with_stations = msgspec.structs.replace(
        settings,
        config=msgspec.structs.replace(
            settings.config,
            rules=msgspec.structs.replace(
                rules,
                rail_barcodes=msgspec.structs.replace(rules.rail_barcodes, resarail_to_uic={"FRXCA": "8761300"}),
            ),
        ),
    )
    today = lot_today()
    feed = _one_train_to_cahors(PARIS, "3611", "08:00", "13:05")
    await import_feed(conn, write_feed(tmp_path / "ic.zip", feed), "sncf-ic-test", boundary=LOT_BOUNDARY)
    app = create_app(with_stations)
    try:
        async with (
            LifespanManager(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
        ):

            def claim(pnr: str, train: int) -> dict:
                raw = rail_factory.sncf_cv(pnr=pnr, travel=today, origin="FRPAZ", destination="FRXCA", train=train)
                return {
                    "mode": "train",
                    "method": "rail_barcode",
                    "persons": 1,
                    "evidence": {"barcode_b64": base64.b64encode(raw).decode()},
                }

            good = await http.post("/api/v1/claims", json=claim("TTCHK1", 3611))
            assert good.status_code == 201, good.text
            assert good.json()["pass"]["confidence"] == "plausible"
            assert good.json()["pass"]["checks"] == {"timetable_checked": True}
            wrong = await http.post("/api/v1/claims", json=claim("TTCHK2", 3699))
            assert wrong.status_code == 422 and wrong.json()["code"] == "proof.no_matching_trip"
    finally:
        await repository.delete_feed(conn, "sncf-ic-test")


async def test_a_feed_stop_is_the_territory_stop_it_stands_for(client, conn, tmp_path):
    """A coach feed names Cahors' coach station its own way: listed once, under the
    territory's id; a claim may name either id and the timetable still answers."""
    territory_id, feed_id = "lio:cahors-gare-routiere", "FR:lio:StopPlace:46042-GR"
    feed = feed_of(
        agency=("LIO", "liO", "https://lio.laregion.fr", "Europe/Paris", "fr"),
        stops=[
            ("FR:lio:StopPlace:46102", "Figeac - Gare routière (autre)", 44.6300, 2.0600, 0, ""),
            # 25 m from the configured stop: the same place
            (feed_id, "Cahors - Gare routière", 44.4492, 1.4347, 0, ""),
            # 600 m away: another place, with a name alike
            ("FR:lio:StopPlace:46042-PA", "Cahors - Gare routière (parking)", 44.4440, 1.4380, 0, ""),
        ],
        routes=[("889", "LIO", "889", "Figeac - Cahors", BUS)],
        trips=[("889", "DAILY", "889-0700", "Cahors", "", 0)],
        times=stop_times(
            "889-0700",
            f"FR:lio:StopPlace:46102 07:00 {feed_id} 08:30 FR:lio:StopPlace:46042-PA 08:35",
        ),
        calendar=[("DAILY", *ALL_DAYS, days_ago(2).strftime("%Y%m%d"), "20991231")],
        calendar_dates=[],
    )
    await import_feed(conn, write_feed(tmp_path / "lio.zip", feed), "same-place-test", boundary=LOT_BOUNDARY)
    try:
        stops = (await client.get("/api/v1/stops", params={"mode": "bus"})).json()
        ids = [stop["id"] for stop in stops]
        assert territory_id in ids and feed_id not in ids
        assert [s["name"] for s in stops if s["name"].startswith("Cahors")] == [
            "Cahors - Gare routière (parking)",
            "Cahors – Gare routière",
        ]
        assert len(ids) == len(set(ids))

        for named in (territory_id, feed_id):
            claim = trip_claim(mode="bus", stop=named, line="889", travel_date=days_ago(0))
            claim["evidence"]["arrival_time"] = "08:31"
            response = await client.post("/api/v1/claims", json=claim)
            assert response.status_code == 201, (named, response.text)
            assert response.json()["pass"]["checks"]["timetable_checked"] is True
            code = response.json()["pass"]["code"]
            place = await conn.fetchrow("SELECT arrival_stop_id, ot_id FROM passes WHERE code = $1", code)
            assert tuple(place) == (territory_id, "cahors"), named
            wrong = trip_claim(mode="bus", stop=named, line="889", travel_date=days_ago(0))
            wrong["evidence"]["arrival_time"] = "11:00"
            refused = await client.post("/api/v1/claims", json=wrong)
            assert refused.status_code == 422 and refused.json()["code"] == "proof.no_matching_trip", named
    finally:
        await repository.delete_feed(conn, "same-place-test")


async def test_dosipas_and_unmapped_sncf_tickets_through_the_api(client, conn, tmp_path):
    """A signed U2 ticket to Cahors is verified; with a key the UIC list lacks it is
    plausible when its train calls at Cahors that day and refused, saying what was
    read, when not; an i0CV station code nobody mapped is placed by its train."""
    import base64
    from datetime import datetime, time, timedelta

    from service.proofs.rail import keys
    from service.proofs.rail import repository as rail_repository
    from tests import rail_factory as factory
    from tests.helpers import days_ago

    today = days_ago(0)
    issued = datetime.combine(today - timedelta(days=1), time(18, 5))
    await import_feed(
        conn,
        write_feed(tmp_path / "ic.zip", _one_train_to_cahors(PARIS, "3611", "08:00", "13:05")),
        "dosipas-test",
        boundary=LOT_BOUNDARY,
    )
    listed = factory.dosipas_signer()
    await rail_repository.replace_keys(
        conn, keys.parse_key_list(factory.key_list_xml(factory.key_entry(listed)), max_bytes=1_000_000).keys
    )
    unlisted = factory.Signer("1187", "00077", factory.ec.generate_private_key(factory.ec.SECP256R1()))

    def claim(raw: bytes) -> dict:
        evidence = {"barcode_b64": base64.b64encode(raw).decode()}
        return {"mode": "train", "method": "rail_barcode", "persons": 2, "evidence": evidence, "lang": "en"}

    def to_cahors(pnr: str, train: int) -> dict:
        return factory.fcb_reservation(issued, today, to_station=factory.CAHORS, train=train, pnr=pnr)

    try:
        verified = await client.post("/api/v1/claims", json=claim(factory.dosipas(listed, to_cahors("DOS001", 3611))))
        assert verified.status_code == 201, verified.text
        assert verified.json()["pass"]["confidence"] == "verified"
        assert verified.json()["pass"]["checks"] == {"signature_checked": True}

        plausible = await client.post(
            "/api/v1/claims", json=claim(factory.dosipas(unlisted, to_cahors("DOS002", 3611)))
        )
        assert plausible.status_code == 201, plausible.text
        assert plausible.json()["pass"]["confidence"] == "plausible"
        assert plausible.json()["pass"]["checks"] == {"signature_checked": False, "timetable_checked": True}

        refused = await client.post("/api/v1/claims", json=claim(factory.dosipas(unlisted, to_cahors("DOS003", 3699))))
        assert refused.status_code == 422 and refused.json()["code"] == "proof.no_matching_trip", refused.text
        read = refused.json()["ticket"]
        assert {name: read[name] for name in ("date", "from", "to", "train")} == {
            "date": today.isoformat(),
            "from": factory.PARIS_AUSTERLITZ,
            "to": factory.CAHORS,
            "train": "3699",
        }
        assert read["read"].startswith("Read on the ticket") and "3699" in read["read"]

        # i0CV: "FRXCA" is not in [rail_barcodes].resarail_to_uic here; train 3611 calls at Cahors only
        placed = await client.post(
            "/api/v1/claims",
            json=claim(factory.sncf_cv(pnr="DOS004", travel=today, origin="FRPAZ", destination="FRXCA", train=3611)),
        )
        assert placed.status_code == 201, placed.text
        facts = await conn.fetchval(
            "SELECT facts FROM proofs p JOIN passes s ON s.proof_id = p.id WHERE s.code = $1",
            placed.json()["pass"]["code"],
        )
        assert facts["arrival_placed_by"] == "timetable"
        unplaced = await client.post(
            "/api/v1/claims",
            json=claim(factory.sncf_cv(pnr="DOS005", travel=today, origin="FRPAZ", destination="FRXCA", train=3699)),
        )
        assert unplaced.status_code == 422 and unplaced.json()["code"] == "proof.stop_outside_lot", unplaced.text
        assert unplaced.json()["ticket"]["to"] == "FRXCA"
    finally:
        await repository.delete_feed(conn, "dosipas-test")
