"""`tbc`: serve, migrate, demo-data, create-user, and the commands each domain brings
(COMMAND_MODULES).

Without DATABASE_URL every command uses the embedded PostgreSQL under `var/`.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import importlib
import logging
import os
import re
import shutil
import signal
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from service.core.commands import CommandContext, CommandError
from service.settings import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from service.core.db import Connection

log = logging.getLogger("service.cli")

EMBEDDED_DATABASE = "tbc"

# Domains that bring their own subcommands (service.core.commands says how).
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


async def _nothing_more(conn: Connection) -> None:
    return None


def cmd_migrate(context: CommandContext, args: argparse.Namespace) -> int:
    context.on_database(_nothing_more)
    print("database is up to date")
    return 0


def cmd_demo_data(context: CommandContext, args: argparse.Namespace) -> int:
    from service.demo import loader

    created = context.on_database(lambda conn: loader.load(conn, context.settings))
    print(f"demo data loaded ({created} new accounts; password '{loader.DEMO_PASSWORD}')")
    return 0


# The check of staff_accounts.username in sql/001_initial.sql, told before the database refuses.
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")
USERNAME_RULE = "3 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit"


def read_password(args: argparse.Namespace) -> str:
    """The new password: TBC_NEW_PASSWORD, standard input (--password-stdin) or the terminal."""
    if os.environ.get("TBC_NEW_PASSWORD"):
        return os.environ["TBC_NEW_PASSWORD"]
    try:
        if args.password_stdin:
            return sys.stdin.readline().rstrip("\r\n")
        if not sys.stdin.isatty():
            raise CommandError("no terminal to ask the password on: use --password-stdin or TBC_NEW_PASSWORD")
        return getpass.getpass("Password: ")
    except EOFError as exc:
        raise CommandError("no password given: use --password-stdin or TBC_NEW_PASSWORD") from exc


def check_account(username: str, role: str, ot_id: str | None, site_id: str | None) -> None:
    """What the database's checks on staff_accounts require, said before asking it."""
    if not USERNAME.fullmatch(username):
        raise CommandError(f"username {username!r}: {USERNAME_RULE}")
    if (role == "partner") != (site_id is not None):
        raise CommandError("a partner account needs --site, and only a partner account has one")
    if (role == "ot") != (ot_id is not None):
        raise CommandError("an ot account needs --ot, and only an ot account has one")


def check_create_user(args: argparse.Namespace) -> None:
    from service.accounts.passwords import PASSWORD_RULE, is_acceptable_password

    args.username = args.username.strip().lower()
    check_account(args.username, args.role, args.ot, args.site)
    args.password = read_password(args)
    if not is_acceptable_password(args.password):
        raise CommandError(f"the password needs {PASSWORD_RULE}")


def cmd_create_user(context: CommandContext, args: argparse.Namespace) -> int:
    import asyncpg

    from service.accounts import repository
    from service.accounts.passwords import hash_password_async
    from service.core import audit
    from service.territory import repository as territory

    username, password = args.username, args.password

    async def work(conn: Connection) -> bool:
        if args.ot is not None and not await territory.ot_exists(conn, args.ot):
            known = ", ".join(row["id"] for row in await territory.list_ots(conn))
            raise CommandError(f"no OT {args.ot!r}; the OTs are: {known}")
        if args.site is not None and await territory.site(conn, args.site) is None:
            raise CommandError(f"no site {args.site!r}; GET /api/v1/sites lists them")
        password_hash = await hash_password_async(password)
        async with conn.transaction():
            account_id, created = await repository.upsert(conn, username, password_hash, args.role, args.ot, args.site)
            await audit.record(
                conn,
                "account.created" if created else "account.updated",
                "staff_account",
                str(account_id),
                actor="cli",
                details={"username": username, "role": args.role, "ot": args.ot, "site": args.site},
            )
        return created

    try:
        created = context.on_database(work)
    except asyncpg.ForeignKeyViolationError as exc:  # the OT or site went away meanwhile
        raise CommandError(f"the OT or site of this account does not exist ({exc.constraint_name})") from exc
    print(f"{'created' if created else 'updated'} {args.role} account {username}")
    return 0


def _workers_app(settings: Settings, workers: int, create_app: Callable[[Settings], Any]) -> tuple[Any, ...]:
    """What uvicorn serves: this process's app, or for several workers the factory each
    worker calls, with what this process settled (the database, the public URL) handed
    down in the environment, and Prometheus' multiprocess mode so that any worker's
    `/metrics` counts them all (a fresh directory at every start)."""
    if workers == 1:
        return (create_app(settings),)
    os.environ["DATABASE_URL"] = settings.database_url or ""
    os.environ["TBC_PUBLIC_URL"] = settings.public_url
    os.environ["TBC_DATA_DIR"] = str(settings.data_dir)
    shared = settings.data_dir / f"metrics-{settings.port}"
    shutil.rmtree(shared, ignore_errors=True)
    shared.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(shared)
    print(f"  {workers} worker processes", flush=True)
    return ("service.app:create_app",)


def cmd_serve(context: CommandContext, args: argparse.Namespace) -> int:
    import uvicorn

    from service.app import create_app
    from service.core.http11 import ProblemH11Protocol
    from service.wallet import credentials

    settings = context.settings
    credentials.load()  # a wallet variable set wrong stops the start here, named
    if args.demo:
        cmd_demo_data(context, args)
    else:
        cmd_migrate(context, args)
    settings.host, settings.port = args.host or settings.host, args.port or settings.port
    if not os.environ.get("TBC_PUBLIC_URL"):
        # links in e-mails and the origin of the staff pages' writes: where it is actually served
        settings.public_url = f"http://{settings.host}:{settings.port}"
    print(f"serving on http://{settings.host}:{settings.port}  (API schema: /schema)", flush=True)
    if args.demo:
        print(
            "  visitors: /   partner desk: /desk   tourist offices: /ot\n"
            "  demo accounts, password « demo »: demo-pilot, demo-ot-<ot> (e.g. demo-ot-cahors),"
            " demo-partner-<site> (e.g. demo-partner-musee-henri-martin)",
            flush=True,
        )
    workers = args.workers or (1 if args.demo else len(os.sched_getaffinity(0)))
    # Uvicorn shuts down gracefully, then re-raises SIGTERM to the handler it found:
    # turning it into SystemExit lets the exit hooks stop the embedded PostgreSQL.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        uvicorn.run(
            *_workers_app(settings, workers, create_app),
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level.lower(),
            # logging is service.core.logs' (JSON lines); the app writes the access lines
            log_config=None,
            access_log=False,
            proxy_headers=True,
            http=ProblemH11Protocol,
            forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
            **({"factory": True, "workers": workers} if workers > 1 else {}),
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
    serve.add_argument(
        "--workers", type=int, help="worker processes (default: one per core; with --demo, one)", metavar="N"
    )
    serve.set_defaults(handler=cmd_serve)

    migrate = commands.add_parser("migrate", help="apply the pending migrations")
    migrate.set_defaults(handler=cmd_migrate)

    demo = commands.add_parser("demo-data", help="load the demo sites and accounts (idempotent)")
    demo.set_defaults(handler=cmd_demo_data)

    from service.accounts.passwords import PASSWORD_RULE

    user = commands.add_parser(
        "create-user",
        help="create or update a staff account",
        description=f"Create or update a staff account. Username: {USERNAME_RULE}. "
        f"Password: {PASSWORD_RULE}; asked on the terminal, or read from standard input "
        "(--password-stdin) or from TBC_NEW_PASSWORD.",
    )
    user.add_argument("username", help=USERNAME_RULE)
    user.add_argument("--role", required=True, choices=["partner", "ot", "pilot", "admin"])
    user.add_argument("--ot", help="the OT of an `ot` account")
    user.add_argument("--site", help="the site of a `partner` account")
    user.add_argument(
        "--password-stdin", action="store_true", help=f"read the password ({PASSWORD_RULE}) from standard input"
    )
    user.set_defaults(handler=cmd_create_user, check=check_create_user)

    for module in COMMAND_MODULES:
        importlib.import_module(module).register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from service.core import logs

    logs.configure(os.environ.get("TBC_LOG_LEVEL", "INFO").upper(), os.environ.get("TBC_LOG_FORMAT"))
    import asyncpg

    from service.core.migrations import MigrationError
    from service.signing.service import KeyringError

    try:
        if check := getattr(args, "check", None):
            check(args)
        from service.runtime import command_context

        settings = resolve_database(load_settings())
        return args.handler(command_context(settings), args)
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
    except MigrationError as exc:
        print(f"migration error: {exc}", file=sys.stderr)
    except KeyringError as exc:
        print(f"signing keys: {exc}", file=sys.stderr)
    except OSError as exc:  # a file or directory named on the command line or in the environment
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
    except asyncpg.PostgresError as exc:
        print(f"error: the database refused: {exc}", file=sys.stderr)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 2
