"""The uptake as open data (issue 22, item 4): a CSV by ISO week, OT and arrival mode that
validates against its own Table Schema and data package (checked with frictionless, as a
reuser would), whose small counts are withheld, and which holds only weeks nobody can still
add to. The season is written into a database of its own, so the whole file is known."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import frictionless
import httpx
import msgspec
import pytest
from asgi_lifespan import LifespanManager

from service.app import create_app
from service.core import clock, db
from service.demo import loader
from service.opendata import service, table
from service.reports import co2
from tests.helpers import PUBLIC_URL, TEST_DATABASE
from tests.season_factory import add_passes, add_uses

W28, W29 = datetime(2025, 7, 8, 10, tzinfo=UTC), datetime(2025, 7, 15, 10, tzinfo=UTC)
# Monday 14 July 2025 at 00:30 in the Lot, still Sunday in UTC: a use of week 29.
LOT_MONDAY_NIGHT = datetime(2025, 7, 13, 22, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
async def season(make_database, settings, wallets):
    """An app on a database holding one small season (below), made afresh for this module;
    its file is made again at every download."""
    url = await make_database(f"{TEST_DATABASE}_open_data")
    own = msgspec.structs.replace(settings, database_url=url, open_data_cache_seconds=0.0)
    application = create_app(own, wallets)
    async with LifespanManager(application):
        conn = await db.connect(url)
        try:
            await loader.load(conn, own)
            cahors = await add_passes(conn, 40, mode="train", ot="cahors", at=W28, persons=(1, 2, 3), tag="a")
            await add_uses(conn, cahors[:30], "musee-henri-martin", W28)
            figeac = await add_passes(conn, 3, mode="bike", ot="figeac", at=W28, persons=(2,), tag="b")
            await add_uses(conn, figeac[:2], "musee-champollion", W28)
            gourdon = await add_passes(conn, 5, mode="bus", ot="gourdon", at=W28, persons=(1, 4), tag="c")
            await add_uses(conn, gourdon[:4], "grottes-cougnac", W28)
            await add_passes(conn, 1, mode="train", ot="labastide", at=W28, tag="d")
            await add_passes(conn, 6, mode="train", ot=None, at=W29, persons=(2,), tag="e")
            await add_uses(conn, cahors[30:37], "gouffre-padirac", LOT_MONDAY_NIGHT)
            # this week's: not over, so not published
            now = await add_passes(conn, 8, mode="train", ot="cahors", at=clock.now(), tag="now")
            await add_uses(conn, now, "musee-henri-martin", clock.now())
        finally:
            await conn.close()
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client:
            yield client, own


def _co2(mode: str, groups: list[int], settings) -> int:
    return round(sum(co2.avoided_kg(mode, persons, None, settings.config.factors) for persons in groups))


def _expected(settings) -> dict[tuple[str, str, str], dict[str, str]]:
    """What the file must say of the season, worked out from the passes themselves."""
    cahors = [(1, 2, 3)[i % 3] for i in range(40)]
    gourdon = [(1, 4)[i % 2] for i in range(5)]
    withheld = {"passes": "", "persons": "", "co2_avoided_kg": "", "passes_suppressed": "true"}

    def shown(groups, mode):
        return {
            "passes": str(len(groups)),
            "persons": str(sum(groups)),
            "co2_avoided_kg": str(_co2(mode, groups, settings)),
            "passes_suppressed": "false",
        }

    def uses(n):
        return {"uses": "" if 0 < n < 5 else str(n), "uses_suppressed": "true" if 0 < n < 5 else "false"}

    none = {"passes": "0", "persons": "0", "co2_avoided_kg": "0", "passes_suppressed": "false"}
    return {
        ("2025-W28", "cahors", "train"): {**shown(cahors, "train"), **uses(30)},
        ("2025-W28", "figeac", "bike"): {**withheld, **uses(2)},  # 3 passes, 2 uses
        ("2025-W28", "gourdon", "bus"): {**shown(gourdon, "bus"), **uses(4)},  # exactly 5: shown
        ("2025-W28", "labastide", "train"): {**withheld, **uses(0)},  # 1 pass, a zero shown
        ("2025-W29", "dordogne", "train"): {**none, **uses(7)},  # uses only, on the Lot's Monday
        ("2025-W29", table.NO_OT, "train"): {**shown([2] * 6, "train"), **uses(0)},
    }


async def _files(client, tmp_path):
    for name in ("uptake.csv", "schema.json", "datapackage.json"):
        answer = await client.get(f"/api/v1/open-data/{name}")
        assert answer.status_code == 200, answer.text
        (tmp_path / name).write_bytes(answer.content)
    return (tmp_path / "uptake.csv").read_text(encoding="utf-8")


async def test_the_file_validates_against_its_schema_and_withholds_small_counts(season, tmp_path):
    client, settings = season
    text = await _files(client, tmp_path)
    report = frictionless.validate(tmp_path / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])

    rows = list(csv.DictReader(io.StringIO(text)))
    schema = json.loads((tmp_path / "schema.json").read_text())
    assert list(rows[0]) == [field["name"] for field in schema["fields"]]
    published = {(row["week"], row["ot"], row["mode"]): row for row in rows}
    assert len(published) == len(rows)
    expected = _expected(settings)
    assert set(published) == set(expected)  # this week's passes and uses are not there yet
    for key, counts in expected.items():
        assert {name: published[key][name] for name in counts} == counts, key
    assert published["2025-W28", "figeac", "bike"]["ot_name"] == "Grand Figeac – Vallées du Lot et du Célé"
    assert published["2025-W29", "dordogne", "train"]["week_start"] == "2025-07-14"
    # nothing from which a withheld count could be worked out: no total row, no other column
    assert not {"total", "all", ""} & ({row["ot"] for row in rows} | {row["mode"] for row in rows})
    assert set(rows[0]) == set(table.COLUMNS)


async def test_the_threshold_is_the_configured_one(season):
    client, settings = season
    conn = await db.connect(settings.database_url)
    try:
        stricter = msgspec.structs.replace(
            settings.config.rules, open_data=msgspec.structs.replace(settings.config.rules.open_data, min_count=2)
        )
        laxer = msgspec.structs.replace(settings, config=msgspec.structs.replace(settings.config, rules=stricter))
        rows = {(row["week"], row["ot"], row["mode"]): row for row in (await service.publish(conn, laxer)).rows}
    finally:
        await conn.close()
    figeac = rows["2025-W28", "figeac", "bike"]
    assert (figeac["passes"], figeac["uses"], figeac["passes_suppressed"]) == (3, 2, "false")
    assert rows["2025-W28", "labastide", "train"]["passes"] is None  # 1 < 2
    schema = (await client.get("/api/v1/open-data/schema.json")).json()
    passes = next(field for field in schema["fields"] if field["name"] == "passes")
    assert "de 1 à 4" in passes["description"]  # the published rule is the configured one (5)


async def test_the_files_are_public_described_and_cached(season):
    client, settings = season
    first = await client.get("/api/v1/open-data/uptake.csv")
    assert first.headers["content-type"].startswith("text/csv")
    assert first.headers["access-control-allow-origin"] == "*"
    assert first.headers["cache-control"] == "public, max-age=3600"
    again = await client.get("/api/v1/open-data/uptake.csv", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    listed = await client.get(
        "/api/v1/open-data/uptake.csv", headers={"If-None-Match": f'"x", W/{first.headers["etag"]}'}
    )
    assert listed.status_code == 304
    other = await client.get("/api/v1/open-data/uptake.csv", headers={"If-None-Match": '"another"'})
    assert other.status_code == 200 and other.content == first.content
    package = (await client.get("/api/v1/open-data/datapackage.json")).json()
    assert package["licenses"][0]["name"] == "etalab-2.0"
    assert package["update_frequency"] == "weekly"
    assert package["sources"][0]["path"] == settings.public_url
    assert package["resources"][0]["path"] == "uptake.csv" and package["resources"][0]["schema"] == "schema.json"
    assert package["contributors"][0]["title"] == settings.config.legal.publisher.name


async def test_a_server_keeps_its_file_until_it_is_stale(season):
    _, settings = season
    conn = await db.connect(settings.database_url)
    try:
        kept, fresh = service.Publication(ttl=3600), service.Publication(ttl=0)
        assert await kept.get(conn, settings) is await kept.get(conn, settings)
        assert await fresh.get(conn, settings) is not await fresh.get(conn, settings)
    finally:
        await conn.close()


@pytest.mark.parametrize(
    ("moment", "first_open"),
    [
        # Thursday 2 April 2026, 00:30 in the Lot (summer time since Sunday): 72 h after the
        # week of 23 March ended, it is published
        ("2026-04-01T22:30:00Z", date(2026, 3, 30)),
        # an hour earlier, a desk offline since that Sunday may still sync
        ("2026-04-01T21:30:00Z", date(2026, 3, 23)),
        # the night winter time comes back, and 23:30 UTC on a Wednesday
        ("2026-10-28T23:30:00Z", date(2026, 10, 26)),
        ("2026-10-28T22:30:00Z", date(2026, 10, 19)),
    ],
)
def test_a_week_is_published_once_no_desk_can_add_to_it(settings, moment, first_open):
    assert service.first_open_monday(settings, datetime.fromisoformat(moment)) == first_open


async def test_the_open_data_page_explains_the_files_in_three_languages(client, settings):
    french = await client.get("/open-data", params={"lang": "fr"})
    assert french.status_code == 200
    text = " ".join(french.text.split())
    for name in ("uptake.csv", "schema.json", "datapackage.json"):
        assert f'href="/api/v1/open-data/{name}"' in text
    assert "Licence Ouverte / Open Licence version 2.0" in text
    assert "de 1 à 4" in text and "passes_suppressed" in text
    for field in table.FIELDS:
        assert f"<code>{field.name}</code>" in text
    assert "Open data" in (await client.get("/open-data", params={"lang": "en"})).text
    assert "Datos abiertos" in (await client.get("/open-data", params={"lang": "es"})).text
