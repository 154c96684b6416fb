"""Front-end assets: the bundles front/build.mjs writes to service/static/dist/.

Their names carry a content hash (listed in dist/manifest.json), so the app serves
them with a year-long immutable cache and a new build is never mixed with an old one.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from litestar import Router
from litestar.datastructures import CacheControlHeader
from litestar.static_files import create_static_files_router

DIST_DIR = Path(__file__).resolve().parent.parent / "static" / "dist"
STATIC_PATH = "/static"


class AssetsNotBuilt(RuntimeError):
    pass


@cache
def _manifest(dist_dir: Path) -> dict[str, str]:
    try:
        return json.loads((dist_dir / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AssetsNotBuilt(f"{dist_dir}/manifest.json is missing: build the front end (`make assets`)") from None


def asset_url(name: str) -> str:
    """The URL of a built asset by its source name in front/src/, e.g. `asset_url("base.css")`."""
    manifest = _manifest(DIST_DIR)
    if name not in manifest:
        raise AssetsNotBuilt(f"{name!r} is not an entry of the front-end build (front/build.mjs)")
    return f"{STATIC_PATH}/{manifest[name]}"


def static_router() -> Router:
    return create_static_files_router(
        path=STATIC_PATH,
        directories=[DIST_DIR],
        name="static",
        cache_control=CacheControlHeader(public=True, max_age=365 * 24 * 3600, immutable=True),
    )
