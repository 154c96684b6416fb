"""The pages over HTTP: rendered from the same data as the API, in the chosen language,
with their assets served under a long cache. (The browser tests look at them in Chromium.)"""

from __future__ import annotations

import re

import httpx

from service.pages.assets import asset_url


async def test_home_lists_every_partner_offer_grouped_by_ot(client: httpx.AsyncClient) -> None:
    page = await client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    sites = (await client.get("/api/v1/sites")).json()
    ots = {ot["id"]: ot["name"] for ot in (await client.get("/api/v1/ots")).json()}
    assert sites
    for site in sites:
        # each site sits under its OT's heading, with its offer
        section = re.search(rf'<section class="ot" aria-labelledby="ot-{site["ot"]}">(.*?)</section>', html, re.S)
        assert section, site["ot"]
        assert f'id="site-{site["id"]}"' in section.group(1)
        assert f'<h3 id="ot-{site["ot"]}">{ots[site["ot"]]}</h3>' in section.group(1).replace("&#39;", "'")
    assert html.count('class="offer"') == len(sites)


async def test_the_page_language_follows_the_query_then_accept_language(client: httpx.AsyncClient) -> None:
    async def lang_of(url: str, accept: str | None = None) -> str:
        response = await client.get(url, headers={"accept-language": accept} if accept else {})
        assert response.status_code == 200
        match = re.search(r'<html lang="(\w+)">', response.text)
        assert match and response.headers["content-language"] == match.group(1)
        return match.group(1)

    assert await lang_of("/") == "fr"
    assert await lang_of("/", "es-ES,es;q=0.9,en;q=0.5") == "es"
    assert await lang_of("/", "de-DE, en;q=0.8") == "en"
    assert await lang_of("/?lang=en", "es") == "en"
    assert await lang_of("/?lang=xx", "es") == "en"  # a stated but unsupported choice: English, as the API


async def test_the_language_switch_keeps_the_path_and_query(client: httpx.AsyncClient) -> None:
    html = (await client.get("/?lang=es&utm=x%20y")).text
    links = dict(re.findall(r'<a href="([^"]+)" hreflang="(\w+)"', html))
    assert {lang: href.replace("&amp;", "&") for href, lang in links.items()} == {
        "fr": "/?utm=x+y&lang=fr",
        "en": "/?utm=x+y&lang=en",
        "es": "/?utm=x+y&lang=es",
    }
    assert re.search(r'hreflang="es" lang="es" aria-current="true"', html)


async def test_assets_are_served_with_a_long_immutable_cache(client: httpx.AsyncClient) -> None:
    html = (await client.get("/")).text
    for name in ("base.css", "base.js"):
        url = asset_url(name)
        assert url in html
        assert re.fullmatch(r"/static/base-[A-Z0-9]{8}\.(css|js)", url)
        response = await client.get(url)
        assert response.status_code == 200
        assert "immutable" in response.headers["cache-control"]
        assert "max-age=31536000" in response.headers["cache-control"]
    assert (await client.get("/static/nothing-here.js")).status_code == 404


async def test_pages_stay_out_of_the_api_schema(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    assert "/" not in paths
    assert not any(path.startswith("/static") for path in paths)
