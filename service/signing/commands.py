"""Key management: `tbc list-keys`, `tbc rotate-key`, `tbc retire-key KID`."""

from __future__ import annotations

import argparse
import sys

from service.core.commands import CommandContext


def cmd_list_keys(context: CommandContext, args: argparse.Namespace) -> int:
    from service.signing import repository

    for row in context.on_database(repository.all_keys):
        state = "current" if row["is_current"] else ("retired" if row["retired_at"] else "verifying")
        print(
            f"{row['kid']}  {state:9}  created {row['created_at']:%Y-%m-%d}"
            f"  last pass valid until {row['last_pass_until'] or '-'}"
        )
    return 0


def cmd_rotate_key(context: CommandContext, args: argparse.Namespace) -> int:
    from service.signing.service import ensure_current_key

    kid = context.on_database(lambda conn: ensure_current_key(conn, context.keys.key_encryption, rotate=True))
    print(f"new signing key {kid} is current; older keys keep verifying until their last pass expires")
    return 0


def cmd_retire_key(context: CommandContext, args: argparse.Namespace) -> int:
    from service.core import audit
    from service.signing import repository

    async def work(conn):  # type: ignore[no-untyped-def]
        async with conn.transaction():
            await repository.lock_keys(conn)
            refusal = await repository.retire(conn, args.kid)
            if refusal is None:
                await audit.record(conn, "key.retired", "signing_key", args.kid, actor="cli")
            return refusal

    refusal = context.on_database(work)
    if refusal is not None:
        print(f"error: cannot retire {args.kid}: {refusal}", file=sys.stderr)
        return 2
    print(f"retired {args.kid}: passes it signed are refused from now on")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    commands.add_parser("list-keys", help="list the pass signing keys").set_defaults(handler=cmd_list_keys)
    commands.add_parser("rotate-key", help="make a new signing key current").set_defaults(handler=cmd_rotate_key)
    retire = commands.add_parser("retire-key", help="stop honouring a (compromised) key at once")
    # a kid is base64url and may begin with "-": `tbc retire-key -- -AbC…` keeps it from reading as an option
    retire.add_argument("kid", help="the key's id as list-keys shows it (after `--` when it begins with -)")
    retire.set_defaults(handler=cmd_retire_key)
