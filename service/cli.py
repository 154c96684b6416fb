"""`tbc`: serve, migrate, demo-data, create-user, import-gtfs.

Without DATABASE_URL every command uses the embedded PostgreSQL under `var/`.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import importlib
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from service.settings import ConfigError, Settings, load_settings

log = logging.getLogger("service.cli")
T = TypeVar("T")

EMBEDDED_DATABASE = "tbc"

# Domains that bring their own subcommands: each module has
# `register(commands: argparse._SubParsersAction) -> None`, whose handlers take
# (settings, args) and return an exit code, like the ones below.
COMMAND_MODULES: tuple[str, ...] = (
    "service.timetables.commands",
    "service.proofs.rail.commands",
    "service.signing.commands",
    "service.privacy.commands",
    "service.territory.commands",
    "service.reports.commands",
)

# The embedded PostgreSQL this process started, if any; it stops with the process.
EMBEDDED = None


def resolve_database(settings: Settings) -> Settings:
    """Settings pointing at a database: DATABASE_URL, or the embedded server (started here)."""
    if settings.database_url is not None:
        return settings
    from service.core.db import EmbeddedPostgres, ensure_database

    global EMBEDDED
    server = EMBEDDED = EmbeddedPostgres(settings.data_dir / "postgres")
    asyncio.run(ensure_database(server.admin_url, EMBEDDED_DATABASE))
    log.info("embedded PostgreSQL under %s", settings.data_dir / "postgres")
    settings.database_url = server.url_for(EMBEDDED_DATABASE)
    return settings


def with_connection(settings: Settings, work: Callable[..., Awaitable[T]]) -> T:
    from service.core import db

    async def run() -> T:
        conn = await db.connect(settings.database_url)  # type: ignore[arg-type]
        try:
            return await work(conn)
        finally:
            await conn.close()

    return asyncio.run(run())


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    from service.app import prepare_database

    with_connection(settings, lambda conn: prepare_database(settings, conn))
    print("database is up to date")
    return 0


def cmd_demo_data(settings: Settings, args: argparse.Namespace) -> int:
    from service.app import prepare_database
    from service.demo import loader

    async def work(conn):  # type: ignore[no-untyped-def]
        await prepare_database(settings, conn)
        return await loader.load(conn, settings)

    created = with_connection(settings, work)
    print(f"demo data loaded ({created} new accounts; password '{loader.DEMO_PASSWORD}')")
    return 0


def cmd_create_user(settings: Settings, args: argparse.Namespace) -> int:
    from service.accounts import repository
    from service.accounts.passwords import hash_password_async
    from service.app import prepare_database
    from service.core import audit

    password = os.environ.get("TBC_NEW_PASSWORD") or (
        sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("Password: ")
    )
    if len(password) < 12:
        print("error: the password needs at least 12 characters", file=sys.stderr)
        return 2

    async def work(conn):  # type: ignore[no-untyped-def]
        await prepare_database(settings, conn)
        password_hash = await hash_password_async(password)
        async with conn.transaction():
            account_id, created = await repository.upsert(
                conn, args.username.lower(), password_hash, args.role, args.ot, args.site
            )
            await audit.record(
                conn,
                "account.created" if created else "account.updated",
                "staff_account",
                str(account_id),
                actor="cli",
                details={"username": args.username.lower(), "role": args.role, "ot": args.ot, "site": args.site},
            )
        return created

    import asyncpg

    try:
        created = with_connection(settings, work)
    except (asyncpg.CheckViolationError, asyncpg.ForeignKeyViolationError) as exc:
        print(
            f"error: {exc.args[0] if exc.args else exc} (a partner needs --site, an OT user --ot, both must exist)",
            file=sys.stderr,
        )
        return 2
    print(f"{'created' if created else 'updated'} {args.role} account {args.username.lower()}")
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from service.app import create_app

    if args.demo:
        cmd_demo_data(settings, args)
    else:
        cmd_migrate(settings, args)
    settings.host, settings.port = args.host or settings.host, args.port or settings.port
    print(f"serving on http://{settings.host}:{settings.port}  (API schema: /schema)", flush=True)
    # Uvicorn shuts down gracefully, then re-raises SIGTERM to the handler it found:
    # turning it into SystemExit lets the exit hooks stop the embedded PostgreSQL.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        uvicorn.run(
            create_app(settings),
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level.lower(),
            proxy_headers=True,
            forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        )
    finally:
        if EMBEDDED is not None:
            EMBEDDED.stop()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tbc", description="Tarif bas carbone du Lot")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="migrate and serve the HTTP API")
    serve.add_argument("--demo", action="store_true", help="load the demo sites and accounts first")
    serve.add_argument("--host", help="default: TBC_HOST or 127.0.0.1")
    serve.add_argument("--port", type=int, help="default: TBC_PORT or 8000")
    serve.set_defaults(handler=cmd_serve)

    migrate = commands.add_parser("migrate", help="apply the pending migrations")
    migrate.set_defaults(handler=cmd_migrate)

    demo = commands.add_parser("demo-data", help="load the demo sites and accounts (idempotent)")
    demo.set_defaults(handler=cmd_demo_data)

    user = commands.add_parser("create-user", help="create or update a staff account")
    user.add_argument("username")
    user.add_argument("--role", required=True, choices=["partner", "ot", "pilot", "admin"])
    user.add_argument("--ot", help="the OT of an `ot` account")
    user.add_argument("--site", help="the site of a `partner` account")
    user.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    user.set_defaults(handler=cmd_create_user)

    for module in COMMAND_MODULES:
        importlib.import_module(module).register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=os.environ.get("TBC_LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    from service.core.migrations import MigrationError
    from service.signing.service import KeyringError

    try:
        settings = resolve_database(load_settings())
        return args.handler(settings, args)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except MigrationError as exc:
        print(f"migration error: {exc}", file=sys.stderr)
        return 2
    except KeyringError as exc:
        print(f"signing keys: {exc}", file=sys.stderr)
        return 2
