"""The application factory: wires settings, the database pool, the keyring,
the controllers, dependencies and exception handlers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from litestar import Litestar, Request
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig

from service import __version__, pages
from service.accounts import api_doc as accounts_doc
from service.accounts.controller import AccountAlertController, AuthController, DeviceController, SessionController
from service.attestations import api_doc as attestations_doc
from service.attestations.controller import AttestationController
from service.bookings import api_doc as bookings_doc
from service.bookings.controller import BookingController, DeskBookingController, ScopeSlotController, SlotController
from service.core import db, health, metrics, openapi
from service.core.errors import EXCEPTION_HANDLERS
from service.core.language import choose_language
from service.core.observe import observed
from service.core.openapi import ContractJson, LocalSwaggerUI, Operations, assets_router
from service.core.requests import CheckedRequest, check_query_parameters
from service.mail import outbox
from service.opendata import api_doc as opendata_doc
from service.opendata.controller import OpenDataController
from service.opendata.service import Publication
from service.pages.assets import asset_url
from service.passes import api_doc as passes_doc
from service.passes import service as passes
from service.passes.controller import PassController, jwks
from service.passes.qr_links import WALLETS, QrLinks
from service.proofs import api_doc as proofs_doc
from service.proofs import service as proofs
from service.proofs.controller import ClaimController
from service.redemptions import api_doc as redemptions_doc
from service.redemptions.controller import (
    AlertController,
    ConflictController,
    RedemptionController,
    RevocationController,
)
from service.reports import api_doc as reports_doc
from service.reports import rollups
from service.reports.controller import ReportController
from service.reviews import api_doc as reviews_doc
from service.reviews.controller import ReviewOutcomeController, ReviewQueueController
from service.runtime import prepare_database, settings_keys
from service.settings import Settings, load_settings
from service.territory import api_doc as territory_doc
from service.territory.controller import TerritoryController
from service.territory.sites_controller import SiteController
from service.wallet import api_doc as wallet_doc
from service.wallet import credentials
from service.wallet.controller import WalletController

log = logging.getLogger("service")


async def prepare_request(request: Request) -> None:
    """Every request: its language first (so that even a refusal speaks it), then its parameters."""
    choose_language(request)
    check_query_parameters(request)


# Every route of the service: the API's controllers, then the pages and their assets.
ROUTES: tuple[Any, ...] = (
    health.live,
    health.ready,
    health.scrape,
    jwks,
    AuthController,
    SessionController,
    AccountAlertController,
    DeviceController,
    TerritoryController,
    SiteController,
    ClaimController,
    PassController,
    RevocationController,
    RedemptionController,
    ConflictController,
    AlertController,
    AttestationController,
    SlotController,
    BookingController,
    ScopeSlotController,
    DeskBookingController,
    ReportController,
    ReviewOutcomeController,
    ReviewQueueController,
    WalletController,
    OpenDataController,
)


def _lifespan(settings: Settings) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    """Before the first request: the database prepared, the pool, the keyring, the mail
    sender, the report folder; after the last: those stopped, the pool closed."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncGenerator[None, None]:
        conn = await db.connect(settings.database_url)  # type: ignore[arg-type]
        try:
            keyring = await prepare_database(settings, conn)
        finally:
            await conn.close()
        pool = await db.create_pool(settings.database_url, settings.pool_min_size, settings.pool_max_size)  # type: ignore[arg-type]
        app.state.pool = pool
        app.state.keyring = keyring
        app.state.mail_wakeup = asyncio.Event()
        pass_facts = passes.mail_facts(settings, keyring, app.state.qr_links, app.state.wallet_kinds)
        sender = asyncio.create_task(outbox.run(pool, settings, pass_facts, app.state.mail_wakeup), name="mail-outbox")
        try:
            async with rollups.folding(pool, settings.report_fold_seconds) as folder:
                app.state.folder = folder
                wake_mail = app.state.mail_wakeup.set
                app.state.claiming = proofs.Claiming(
                    settings, keyring, folder, app.state.derived_keys.fingerprint, wake_mail
                )
                yield
        finally:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender
            await pool.close()
            metrics.worker_stopped()

    return lifespan


def _api_docs(*tables: Operations) -> Operations:
    """What the OpenAPI document says of each route beyond what Litestar infers, from each
    domain's api_doc.py; a route documented twice stops the start."""
    merged: Operations = {}
    for table in tables:
        if twice := merged.keys() & table.keys():
            raise ValueError(f"routes documented twice: {sorted(twice)}")
        merged.update(table)
    return merged


API_DOCS = _api_docs(
    openapi.OPERATIONS,
    accounts_doc.OPERATIONS,
    territory_doc.OPERATIONS,
    proofs_doc.OPERATIONS,
    passes_doc.OPERATIONS,
    redemptions_doc.OPERATIONS,
    attestations_doc.OPERATIONS,
    bookings_doc.OPERATIONS,
    reports_doc.OPERATIONS,
    reviews_doc.OPERATIONS,
    wallet_doc.OPERATIONS,
    opendata_doc.OPERATIONS,
)


def _openapi() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Tarif bas carbone du Lot",
        version=__version__,
        path="/schema",
        render_plugins=[LocalSwaggerUI(start_script=lambda: asset_url("schema.js")), ContractJson(API_DOCS)],
    )


def create_app(settings: Settings | None = None, wallets: credentials.Wallets | None = None) -> Litestar:
    """The application; `wallets` the wallet accounts (by default from the environment)."""
    settings = settings or load_settings()
    if settings.database_url is None:
        raise ValueError("settings.database_url is required to create the app (the CLI starts an embedded one)")
    derived = settings_keys(settings)
    app = Litestar(
        route_handlers=[*ROUTES, *pages.routes(), assets_router()],
        template_config=pages.template_config(),
        dependencies={"db": Provide(db.provide_db)},
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        request_class=CheckedRequest,
        before_request=prepare_request,
        lifespan=[_lifespan(settings)],
        request_max_body_size=settings.max_body_bytes,
        openapi_config=_openapi(),
        debug=False,
        logging_config=None,  # one logging setup: service.core.logs (JSON lines)
    )
    app.state.settings = settings
    app.state.derived_keys = derived
    app.state.qr_links = QrLinks(derived.qr_link)
    app.state.open_data = Publication(settings.open_data_cache_seconds)
    app.state.wallets = wallets if wallets is not None else credentials.load()
    app.state.wallet_kinds = tuple(kind for kind in WALLETS if getattr(app.state.wallets, kind) is not None)
    app.asgi_handler = observed(app, app.asgi_handler)  # request ids, the access log, metrics
    return app
