"""Partner sites from the SIT: a DATAtourisme export read (service/territory/datatourisme.py),
opening hours said of a day of the Lot (hours.py), and `tbc import-sites` on an export."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime

import pytest

from service.core import clock
from service.territory import hours
from service.territory.datatourisme import ExportError, Record, Skipped, read_export
from service.territory.hours import Opening
from service.territory.sit_import import site_id_of
from tests.helpers import TBC, cli_env, nonce, run_cli, staff_headers
from tests.sit_factory import SEASONAL_HOURS, export, opening, record

TOULOUSE = (43.6045, 1.4440)  # outside the Lot


def _read(document) -> list[Record | Skipped]:
    return read_export(json.dumps(document).encode())


# --- reading an export --------------------------------------------------------------


def test_a_graph_a_list_and_one_record_read_alike():
    one = record("PCUOCC046V5000AA", "Musée de la Résistance", hours=SEASONAL_HOURS, english="Resistance Museum")
    as_graph = _read({"@context": "https://example.org/never-fetched.jsonld", "@graph": [one]})
    assert as_graph == _read([one]) == _read(one)
    (museum,) = as_graph
    assert isinstance(museum, Record)
    assert museum.sit_id == "PCUOCC046V5000AA" and museum.uri == "https://data.datatourisme.fr/46/pcuocc046v5000aa"
    assert museum.names == {"fr": "Musée de la Résistance", "en": "Resistance Museum"}
    assert (museum.lat, museum.lon, museum.kind) == (44.448, 1.441, "museum")
    assert (museum.street, museum.postcode, museum.town, museum.insee) == (
        "792 rue Émile-Zola",
        "46000",
        "Cahors",
        "46042",
    )
    assert (museum.phone, museum.email, museum.website) == (
        "+33 5 65 00 00 00",
        "accueil@example.org",
        "https://example.org/",
    )
    assert museum.descriptions == {"fr": "Musée de la Résistance : collections et expositions."}
    assert museum.updated == date(2026, 11, 20)
    assert museum.hours is not None and len(museum.hours) == 5
    assert museum.hours[0] == Opening(
        ("Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        "10:00",
        "12:30",
        date(2026, 4, 1),
        date(2026, 10, 31),
    )
    assert museum.hours[4] == Opening(("PublicHolidays",), "14:00", "18:00")


def test_full_iris_and_value_objects_read_as_the_compact_keys():
    expanded = {
        "@id": "https://data.datatourisme.fr/46/x1",
        "http://purl.org/dc/elements/1.1/identifier": {"@value": "X1"},
        "@type": ["https://www.datatourisme.fr/ontology/core#NaturalHeritage"],
        "http://www.w3.org/2000/01/rdf-schema#label": [{"@language": "fr", "@value": "Gouffre  du\nCausse"}],
        ":isLocatedAt": {
            "http://schema.org/geo": {
                "http://schema.org/latitude": {"@value": "44,6"},
                "http://schema.org/longitude": 1.7,
            }
        },
    }
    (found,) = _read([expanded])
    assert isinstance(found, Record)
    assert (found.sit_id, found.names, found.kind, found.lat, found.lon) == (
        "X1",
        {"fr": "Gouffre du Causse"},
        "nature",
        44.6,
        1.7,
    )
    assert found.hours is None and found.street is None


def test_records_that_cannot_be_sites_are_skipped_with_their_reason():
    found = _read(
        [
            record("NOPOS", "Sans position", position=None),
            record("EVENT", "Fête du vin", types=("EntertainmentAndEvent", "PointOfInterest")),
            record("HOTEL", "Hôtel du Lot", types=("Accommodation", "Hotel", "PlaceOfInterest", "PointOfInterest")),
            {"@type": ["Museum"], "rdfs:label": {"fr": ["Anonyme"]}},
            {"dc:identifier": "NONAME", "@type": ["Museum"]},
            {
                **record("BADPOS", "Mauvaise position"),
                "isLocatedAt": [{"schema:geo": {"schema:latitude": "nord", "schema:longitude": "1.4"}}],
            },
        ]
    )
    assert [(s.sit_id, s.reason) for s in found if isinstance(s, Skipped)] == [
        ("NOPOS", "no_position"),
        ("EVENT", "not_a_place"),
        ("HOTEL", "not_a_place"),
        ("#4", "no_identifier"),
        ("NONAME", "no_name"),
        ("BADPOS", "bad_position"),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not json", "not JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "not JSON"),
        (b'[{"dc:identifier": "A"}, 3]', "record 2: a JSON object was expected"),
        (b'{"@graph": "none"}', "record 1: a JSON object was expected"),
    ],
)
def test_a_file_that_is_no_export_is_refused_naming_where(data, message):
    with pytest.raises(ExportError, match=message):
        read_export(data)


def test_contacts_that_are_not_ones_are_left_out():
    bad = record("BADCONTACT", "Musée")
    bad["hasContact"] = [{"schema:email": ["not an address"], "foaf:homepage": ["javascript:alert(1)"]}]
    (found,) = _read([bad])
    assert isinstance(found, Record) and (found.email, found.website, found.phone) == (None, None, None)


def test_a_site_id_comes_from_the_name():
    assert site_id_of("Musée de Cahors Henri-Martin") == "musee-de-cahors-henri-martin"
    assert site_id_of("Château  d'Assier !") == "chateau-d-assier"
    assert site_id_of("Ô") == "site-o"


# --- what the hours say of a day ------------------------------------------------------


def _hours(day: date) -> hours.DayHours:
    (museum,) = _read([record("H", "Musée", hours=SEASONAL_HOURS)])
    assert isinstance(museum, Record)
    return hours.on_day(museum.hours, day)


def test_hours_in_season_out_of_season_on_a_sunday_and_a_monday():
    assert _hours(date(2026, 7, 12)) == hours.DayHours("open", (("10:00", "12:30"), ("14:00", "18:00")))  # a Sunday
    assert _hours(date(2026, 7, 13)) == hours.CLOSED  # a Monday
    assert _hours(date(2026, 12, 6)) == hours.DayHours("open", (("14:00", "17:00"),))  # a winter Sunday
    assert _hours(date(2026, 12, 8)) == hours.CLOSED  # a winter Tuesday
    assert _hours(date(2027, 6, 1)) == hours.CLOSED  # after every period the SIT gives
    assert hours.on_day(None, date(2026, 7, 12)) == hours.UNKNOWN


def test_on_a_public_holiday_the_holiday_hours_apply():
    assert date(2026, 7, 14) in hours.public_holidays(2026)
    assert _hours(date(2026, 7, 14)) == hours.DayHours("open", (("14:00", "18:00"),))  # a Tuesday, 14 juillet
    assert _hours(date(2026, 4, 6)) == hours.DayHours("open", (("14:00", "18:00"),))  # lundi de Pâques
    assert _hours(date(2026, 12, 25)) == hours.DayHours("open", (("14:00", "18:00"),))
    assert date(2026, 5, 25) in hours.public_holidays(2026)  # lundi de Pentecôte


def test_closed_all_day_and_open_at_hours_not_given():
    closed = [opening(["Sunday"], "00:00:00", "00:00:00"), opening(None, "09:00", "17:00")]
    assert hours.on_day([o for o in _openings(closed)], date(2026, 7, 12)) == hours.CLOSED
    assert hours.on_day(_openings(closed), date(2026, 7, 13)) == hours.DayHours("open", (("09:00", "17:00"),))
    assert hours.on_day(_openings([opening(None, None, None)]), date(2026, 7, 13)) == hours.DayHours("open")


def _openings(specs) -> tuple[Opening, ...]:
    (found,) = _read([record("O", "Musée", hours=specs)])
    assert isinstance(found, Record) and found.hours is not None
    return found.hours


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # 23:30 UTC on the night the clocks go forward: already Sunday 29 March in the Lot (winter hours)
        (datetime(2026, 3, 28, 23, 30, tzinfo=UTC), hours.DayHours("open", (("14:00", "17:00"),))),
        # and the night they go back: Sunday 25 October in the Lot (season hours)
        (datetime(2026, 10, 24, 23, 30, tzinfo=UTC), hours.DayHours("open", (("10:00", "12:30"), ("14:00", "18:00")))),
        # Saturday 24 October 21:59 UTC is still Saturday in the Lot
        (datetime(2026, 10, 24, 21, 59, tzinfo=UTC), hours.DayHours("open", (("10:00", "12:30"), ("14:00", "18:00")))),
    ],
)
def test_today_is_the_lots_day_across_the_clock_change(settings, moment, expected):
    assert _hours(clock.local_date(settings, moment)) == expected


# --- tbc import-sites on an export ---------------------------------------------------------


async def _managed(client, ot="demo-ot-cahors") -> dict[str, dict]:
    answer = await client.get("/api/v1/sites/managed", headers=await staff_headers(client, ot))
    assert answer.status_code == 200, answer.text
    return {site["id"]: site for site in answer.json()}


async def test_an_export_imports_skips_with_reasons_and_reimports_by_its_identifier(
    client, database_url, settings, tmp_path
):
    env = cli_env(DATABASE_URL=database_url, TBC_SECRET_KEY=settings.secret_key)
    tag = nonce()[:6].upper()
    museum, name = f"MUS{tag}", f"Musée des Arts {tag}"
    records = [
        record(museum, name, hours=SEASONAL_HOURS),
        record(f"OUT{tag}", f"Musée de Toulouse {tag}", position=TOULOUSE, insee=None),
        record(f"NOPOS{tag}", f"Sans position {tag}", position=None),
        record(f"NOOT{tag}", f"Moulin {tag}", insee=None, position=(44.50, 1.60)),
    ]
    path = export(tmp_path / "export.jsonld", records)

    dry = await run_cli([*TBC, "import-sites", "--dry-run", path], env=env)
    assert dry.returncode == 0, dry.stderr
    assert "would import 4 records from export.jsonld: 1 created, 0 updated, 0 unchanged, 3 skipped" in dry.stdout
    assert f"OUT{tag}  Musée de Toulouse {tag}: skipped: outside the Lot" in dry.stdout
    assert f"NOPOS{tag}  Sans position {tag}: skipped: no position (schema:geo)" in dry.stdout
    assert f"NOOT{tag}  Moulin {tag}: skipped: a commune no OT is set for" in dry.stdout
    site_id = site_id_of(name)
    assert site_id not in await _managed(client)  # a dry run writes nothing

    first = await run_cli([*TBC, "import-sites", path], env=env)
    assert first.returncode == 0, first.stderr
    assert f"{museum}  {name} → {site_id} (cahors): created" in first.stdout
    site = (await _managed(client))[site_id]
    assert site["active"] is False and site["ot"] == "cahors"  # off until the OT gives it an offer
    assert site["sit"]["id"] == museum and site["address"]["town"] == "Cahors"

    # the OT's own settings stay; a renamed record updates its site, under the same id
    with_ot = await run_cli([*TBC, "import-sites", "--ot", "figeac", path], env=env)
    assert f"NOOT{tag}  Moulin {tag} → {site_id_of(f'Moulin {tag}')} (figeac): created" in with_ot.stdout
    assert f"{museum}  {name} → {site_id} (cahors): unchanged" in with_ot.stdout
    records[0]["rdfs:label"] = {"fr": [f"Musée des Beaux-Arts {tag}"]}
    renamed = await run_cli([*TBC, "import-sites", export(tmp_path / "renamed.json", records, graph=False)], env=env)
    assert f"{museum}  Musée des Beaux-Arts {tag} → {site_id} (cahors): updated" in renamed.stdout
    assert (await _managed(client))[site_id]["name"] == f"Musée des Beaux-Arts {tag}"
    assert f"NOOT{tag}" in renamed.stdout and f"Moulin {tag} → " in renamed.stdout  # its OT kept without --ot


async def test_a_site_typed_by_hand_is_linked_not_doubled_and_keeps_its_offer(client, database_url, settings, tmp_path):
    env = cli_env(DATABASE_URL=database_url, TBC_SECRET_KEY=settings.secret_key)
    tag = nonce()[:6]
    hand = f"grange-{tag}"
    sites = tmp_path / "sites.toml"
    sites.write_text(
        f'[[sites]]\nid = "{hand}"\nname = "La Grange {tag}"\not = "cahors"\nlat = 44.4490\nlon = 1.4420\n'
        f'modes = ["train"]\noffer = {{ label = "Entrée à 2 €" }}\n',
        encoding="utf-8",
    )
    assert (await run_cli([*TBC, "import-sites", str(sites)], env=env)).returncode == 0
    path = export(tmp_path / "export.json", [record(f"GR{tag}", f"La grange  {tag.upper()}")])
    linked = await run_cli([*TBC, "import-sites", path], env=env)
    assert f"→ {hand} (cahors): updated" in linked.stdout, linked.stdout
    site = (await client.get(f"/api/v1/sites/{hand}")).json()
    assert site["offer"]["label"] == "Entrée à 2 €" and site["modes"] == ["train"]
    assert site["sit"]["id"] == f"GR{tag}" and site["contact"]["website"] == "https://example.org/"


async def test_two_imports_at_once_create_each_site_once(client, database_url, settings, tmp_path):
    env = cli_env(DATABASE_URL=database_url, TBC_SECRET_KEY=settings.secret_key)
    tag = nonce()[:6].upper()
    path = export(tmp_path / "export.json", [record(f"C{tag}{n}", f"Site {tag} {n}") for n in range(5)])
    runs = await asyncio.gather(*(run_cli([*TBC, "import-sites", path], env=env) for _ in range(3)))
    assert all(run.returncode == 0 for run in runs), [run.stderr for run in runs]
    created = sum(run.stdout.count(": created") for run in runs)
    assert created == 5
    ids = [sid for sid in await _managed(client) if sid.startswith(f"site-{tag.lower()}")]
    assert len(ids) == 5


async def test_an_unreadable_export_names_the_record_and_imports_nothing(client, database_url, settings, tmp_path):
    env = cli_env(DATABASE_URL=database_url, TBC_SECRET_KEY=settings.secret_key)
    path = tmp_path / "broken.json"
    path.write_text('[{"dc:identifier": "A", "rdfs:label": "x"}, "oops"]', encoding="utf-8")
    failed = await run_cli([*TBC, "import-sites", str(path)], env=env)
    assert failed.returncode == 2
    assert failed.stderr.strip() == f"error: {path}: record 2: a JSON object was expected; nothing imported"
    unknown = await run_cli([*TBC, "import-sites", "--ot", "quercy", export(tmp_path / "e.json", [])], env=env)
    assert unknown.returncode == 2 and "unknown OT 'quercy'" in unknown.stderr


# --- the import through the API (the OT's page uses it) -----------------------------------


async def test_an_ot_previews_then_imports_into_its_own_territory_only(client):
    tag = nonce()[:6].upper()
    body = json.dumps(
        {
            "@graph": [
                record(f"A{tag}", f"Atelier {tag}"),
                record(f"F{tag}", f"Figeac {tag}", insee="46102", town="Figeac", position=(44.6086, 2.0317)),
                record(f"U{tag}", f"Sans commune {tag}", insee=None, position=(44.50, 1.60)),
            ]
        }
    )
    cahors = await staff_headers(client, "demo-ot-cahors")
    headers = {**cahors, "Content-Type": "application/ld+json", "Accept-Language": "fr"}
    preview = await client.post("/api/v1/sites/import?dry_run=true", content=body, headers=headers)
    assert preview.status_code == 200, preview.text
    report = preview.json()
    assert report["dry_run"] is True
    assert report["counts"] == {"created": 2, "updated": 0, "unchanged": 0, "skipped": 1}
    assert [(r["sit_id"], r["outcome"], r.get("ot")) for r in report["records"]] == [
        (f"A{tag}", "created", "cahors"),
        (f"F{tag}", "skipped", "figeac"),
        (f"U{tag}", "created", "cahors"),  # a commune the table does not place: the importing OT's
    ]
    assert (
        report["records"][1]["reason"] == "other_ot" and report["records"][1]["reason_text"] == "un site d'un autre OT"
    )
    assert site_id_of(f"Atelier {tag}") not in await _managed(client)

    done = await client.post("/api/v1/sites/import", content=body, headers=headers)
    assert done.status_code == 200 and done.json()["counts"]["created"] == 2
    assert {site_id_of(f"Atelier {tag}"), site_id_of(f"Sans commune {tag}")} <= set(await _managed(client))
    again = await client.post("/api/v1/sites/import", content=body, headers=headers)
    assert again.json()["counts"] == {"created": 0, "updated": 0, "unchanged": 2, "skipped": 1}

    # Figeac's OT imports its own; it never sees Cahors's
    figeac = await staff_headers(client, "demo-ot-figeac")
    theirs = await client.post(
        "/api/v1/sites/import", content=body, headers={**figeac, "Content-Type": "application/json"}
    )
    # the record of the unplaced commune already has its site, Cahors's: not Figeac's to change
    assert [(r["outcome"], r.get("reason")) for r in theirs.json()["records"]] == [
        ("skipped", "other_ot"),
        ("created", None),
        ("skipped", "other_ot"),
    ]


async def test_the_import_api_refuses_what_is_no_export_and_who_may_not(client):
    cahors = await staff_headers(client, "demo-ot-cahors")
    as_json = {**cahors, "Content-Type": "application/ld+json"}
    bad = await client.post("/api/v1/sites/import", content=b"<xml/>", headers=as_json)
    assert bad.status_code == 422 and bad.json()["code"] == "site.import_invalid"
    assert "Exportez les sites depuis DATAtourisme au format JSON-LD" in bad.json()["detail"]
    xml = await client.post("/api/v1/sites/import", content=b"<xml/>", headers={**cahors, "Content-Type": "text/xml"})
    assert xml.status_code == 415 and xml.json()["code"] == "request.unsupported_media_type"
    big = await client.post("/api/v1/sites/import", content=b"[" + b" " * (33 * 1024 * 1024) + b"]", headers=as_json)
    assert big.status_code == 413 and big.json()["code"] == "request.too_large"
    other = await client.post("/api/v1/sites/import?ot=figeac", content=b"[]", headers=as_json)
    assert other.status_code == 403 and other.json()["code"] == "auth.forbidden"
    partner = await staff_headers(client, "demo-partner-musee-henri-martin")
    refused = await client.post(
        "/api/v1/sites/import", content=b"[]", headers={**partner, "Content-Type": "application/json"}
    )
    assert refused.status_code == 403
    anonymous = await client.post("/api/v1/sites/import", content=b"[]", headers={"Content-Type": "application/json"})
    assert anonymous.status_code == 401


def test_the_full_price_its_offers_state():
    (priced,) = _read([record("PRICED", "Musée payant", price="7.50")])
    assert isinstance(priced, Record) and priced.price_eur == 7.5  # the highest of its specifications
    (free,) = _read([record("NOPRICE", "Musée gratuit")])
    assert isinstance(free, Record) and free.price_eur is None


async def test_the_sit_price_is_the_full_price_of_the_discount_when_the_ot_states_none(client):
    ot = await staff_headers(client, "demo-ot-cahors")
    tag = nonce()[:6].upper()
    body = json.dumps([record(f"PR{tag}", f"Maison payante {tag}", price="8")])
    (done,) = (
        await client.post("/api/v1/sites/import", content=body, headers={**ot, "Content-Type": "application/json"})
    ).json()["records"]
    site_id = done["site_id"]
    offer = {"label": "Entrée réduite", "reduced_price_eur": 5.0}
    assert (
        await client.patch(f"/api/v1/sites/{site_id}", json={"active": True, "offer": offer}, headers=ot)
    ).status_code == 200
    assert (await _managed(client))[site_id]["sit"]["price_eur"] == 8.0
    figures = (await client.get("/api/v1/reports/figures", params={"site": site_id}, headers=ot)).json()
    assert figures["discount"] == {"per_person_eur": 3.0, "estimate": True}  # 8 (the SIT's) − 5 (the OT's)
