"""« Où utiliser mon pass »: `/sites` (filters, today's hours in the Lot's day, nearest a
stop, the map's CSP) and `/sites/{id}` (offer, address, week, contact, map links, stops)."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from service.core import clock
from service.territory.hours import WEEKDAYS
from tests.helpers import issue_pass, nonce
from tests.sit_factory import imported_site, opening


def _card(text: str, site_id: str) -> str:
    found = re.search(rf'<li class="site-card" data-site="{site_id}".*?</li>', text, re.S)
    assert found, site_id
    return html.unescape(re.sub(r"\s+", " ", found.group(0)))


@pytest.mark.lot_day  # today is the Lot's: at 23:30 UTC, already tomorrow
async def test_the_list_says_what_each_site_does_today(client, settings):
    today = clock.local_date(settings)
    other_day = WEEKDAYS[(today.weekday() + 1) % 7]
    tag = nonce()[:6]
    every_day = await imported_site(client, f"Atelier {tag}", [opening(None, "10:00:00", "18:00:00")])
    not_today = await imported_site(client, f"Moulin {tag}", [opening([other_day], "10:00:00", "18:00:00")])
    page = await client.get("/sites?lang=fr")
    assert page.status_code == 200
    assert "Ouvert aujourd’hui 10:00–18:00" in _card(page.text, every_day) or "Ouvert aujourd'hui 10:00–18:00" in _card(
        page.text, every_day
    )
    assert "Fermé aujourd" in _card(page.text, not_today)
    assert "Horaires non communiqués" in _card(page.text, "musee-henri-martin")  # typed by hand: no hours
    assert "Entrée à 4 €" in _card(page.text, every_day) and "Cahors" in _card(page.text, every_day)

    only_open = await client.get("/sites?lang=fr&open_today=1")
    assert f'data-site="{every_day}"' in only_open.text and f'data-site="{not_today}"' not in only_open.text
    english = await client.get("/sites?lang=en")
    assert f"Atelier {tag} (en)" in _card(english.text, every_day)


async def test_filters_by_ot_and_mode_and_nearest_a_stop_first(client):
    figeac = await client.get("/sites?ot=figeac")
    ids = re.findall(r'<li class="site-card" data-site="([^"]+)"', figeac.text)
    sites = {s["id"]: s for s in (await client.get("/api/v1/sites")).json()}
    assert ids and all(sites[i]["ot"] == "figeac" for i in ids)
    bikes = re.findall(r'<li class="site-card" data-site="([^"]+)"', (await client.get("/sites?mode=bike")).text)
    assert set(bikes) == {i for i, s in sites.items() if "bike" in s["modes"]}

    near = await client.get("/sites?near=StopArea:OCE87613091")  # Figeac's station
    listed = re.findall(r'<li class="site-card" data-site="([^"]+)"', near.text)
    distances = [float(km.replace(",", ".")) for km in re.findall(r"à ([0-9]+,[0-9]) km", near.text)]
    assert len(distances) == len(listed) and distances == sorted(distances)
    assert sites[listed[0]]["ot"] == "figeac"
    # a value that names nothing is no filter
    assert (await client.get("/sites?ot=quercy&mode=plane&near=nowhere")).status_code == 200


async def test_the_map_is_the_list_and_its_tiles_the_only_other_origin(client, settings):
    page = await client.get("/sites")
    policy = page.headers["content-security-policy"]
    assert "img-src 'self' data: https://data.geopf.fr;" in policy
    assert policy.count("https://") == 1
    assert 'data-tiles="https://data.geopf.fr/wmts?' in page.text
    home = await client.get("/")
    assert "data.geopf.fr" not in home.headers["content-security-policy"]
    # every listed site carries what its marker needs
    for item in re.findall(r'<li class="site-card"[^>]*>', page.text):
        assert all(f"data-{key}=" in item for key in ("site", "lat", "lon", "name", "href"))


@pytest.mark.lot_day  # today is the Lot's: at 23:30 UTC, already tomorrow
async def test_a_site_page_has_its_week_contact_map_links_and_nearest_stops(client, settings):
    tag = nonce()[:6]
    today = clock.local_date(settings)
    monday = today - timedelta(days=today.weekday())
    site_id = await imported_site(client, f"Maison {tag}", [opening(["Monday", "Tuesday"], "09:30:00", "17:00:00")])
    page = await client.get(f"/sites/{site_id}?lang=fr")
    assert page.status_code == 200
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text))
    assert "Entrée à 4 €" in text and "792 rue Émile-Zola" in text and "46000 Cahors" in text
    assert "Type de site Musée" in text
    week = re.findall(
        r"<tr(?: aria-current=\"date\")?>\s*<th scope=\"row\">(.*?)</th>\s*<td>(.*?)</td>", page.text, re.S
    )
    assert len(week) == 7
    assert [hours.strip() for _, hours in week[:3]] == ["09:30–17:00", "09:30–17:00", "Fermé"]
    (current,) = re.findall(r'<tr aria-current="date">\s*<th scope="row">(.*?)</th>', page.text, re.S)
    assert "(aujourd'hui)" in html.unescape(current) and str(today.day) in current
    assert monday.day == int(re.search(r"(\d+)", week[0][0]).group(1))
    assert 'href="tel:+33565000000"' in page.text and 'href="mailto:accueil@example.org"' in page.text
    assert 'href="geo:44.448000,1.441000?q=44.448000,1.441000(Maison%20' in page.text
    assert "Cahors (train)" in text  # the nearest arrival stop, the station beside it
    assert (await client.get("/sites/no-such-site")).status_code == 404
    assert (await client.get("/sites/musee-henri-martin")).status_code == 200


@pytest.mark.lot_day  # today is the Lot's: at 23:30 UTC, already tomorrow
async def test_the_pass_lists_the_sites_that_take_it_today_nearest_its_arrival_first(client, settings):
    issued = await issue_pass(client)  # arriving at Cahors's station
    answer = await client.get(
        f"/api/v1/passes/{issued['code']}", headers={"Authorization": f"Bearer {issued['token']}"}
    )
    listed = answer.json()["sites_today"]
    sites = {s["id"]: s for s in (await client.get("/api/v1/sites")).json()}
    takes_it = {
        i
        for i, s in sites.items()
        if "train" in s["modes"] and s["min_confidence"] == "plausible" and s["proof_max_age_days"] >= 0
    }
    assert {s["id"] for s in listed} == takes_it  # a verified-only site is not for a declared trip
    assert [s["km"] for s in listed] == sorted(s["km"] for s in listed)
    assert sites[listed[0]["id"]]["ot"] == "cahors"
    assert all(s["today"]["state"] in ("open", "closed", "unknown") for s in listed)
