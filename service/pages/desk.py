"""The partner's desk: sign in, name this phone, scan passes (camera or typed code), offline too.

The page is the same for everyone (the session decides what it shows, in the browser), so
its service worker can keep a copy that opens without network.
"""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.datastructures import State
from litestar.response import Template

from service.pages.assets import DIST_DIR, asset_url
from service.pages.templating import Lang, page

# Served from the root so that its scope may cover /desk (a worker's scope is at most its folder).
SERVICE_WORKER_PATH = "/desk-sw.js"


class DeskPages(Controller):
    @get("/desk", name="desk.home")
    async def desk(self, lang: Lang, state: State) -> Template:
        passes = state.settings.config.rules.passes
        shell = page(
            "desk/desk.html.j2",
            lang,
            issuer=passes.issuer,
            audience=passes.audience,
            service_worker=SERVICE_WORKER_PATH,
        )
        # the offline shell the service worker keeps: nobody's data in it, revalidated each time
        shell.headers["Cache-Control"] = "private, no-cache"
        return shell

    @get(SERVICE_WORKER_PATH, name="desk.service_worker")
    async def service_worker(self) -> Response[bytes]:
        """The desk's service worker, under a fixed name and never cached by HTTP (browsers look
        for a new one on each visit)."""
        built = DIST_DIR / asset_url("desk-sw.js").rsplit("/", 1)[-1]
        return Response(
            built.read_bytes(),
            media_type="text/javascript; charset=utf-8",
            headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
        )
