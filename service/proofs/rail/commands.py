"""`tbc import-uic-keys PATH.xml`: load the UIC public key list, replacing the stored one."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from service.core.commands import CommandContext
from service.proofs.rail import repository
from service.proofs.rail.keys import KeyListError, parse_key_list


def register(commands: argparse._SubParsersAction) -> None:
    keys = commands.add_parser("import-uic-keys", help="import the UIC public key list (XML) for rail barcodes")
    keys.add_argument("path", type=Path, help="the key list as published by the UIC")
    keys.set_defaults(handler=cmd_import_uic_keys)


def cmd_import_uic_keys(context: CommandContext, args: argparse.Namespace) -> int:
    limit = context.settings.config.rules.rail_barcodes.max_key_list_bytes
    try:
        with args.path.open("rb") as file:
            document = file.read(limit + 1)
        key_list = parse_key_list(document, max_bytes=limit)
    except OSError as exc:
        print(f"error: cannot read {args.path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyListError as exc:
        print(f"error: {args.path}: {exc}", file=sys.stderr)
        return 2
    for reason in key_list.skipped:
        print(f"skipped: {reason}", file=sys.stderr)
    if not key_list.keys:
        # An empty or broken download must not wipe the keys that verify tickets today.
        print(f"error: {args.path} holds no usable key; the stored list is unchanged", file=sys.stderr)
        return 2

    imported = context.on_database(lambda conn: repository.replace_keys(conn, key_list.keys))
    print(f"imported {imported} UIC public keys ({len(key_list.skipped)} skipped)")
    return 0
