"""SQL of the rail barcode proofs: the UIC key list, and the index of train
stations that a ticket's station codes and names are matched against."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import asyncpg

from service.core.db import from_row
from service.proofs.rail.keys import KeyRing, UicPublicKey
from service.proofs.rail.ticket import fold_station_name, uic_station_code
from service.proofs.rules import StopFacts

_KEY_COLUMNS = (
    "issuer_code",
    "key_id",
    "issuer_name",
    "signature_algorithm",
    "public_key",
    "barcode_version",
    "valid_from",
    "valid_until",
    "allowed_product_owners",
)


async def replace_keys(conn: asyncpg.Connection, keys: Sequence[UicPublicKey]) -> int:
    """Replace the stored list with `keys` atomically: readers see the old list or the new one."""
    async with conn.transaction():
        await conn.execute("LOCK TABLE uic_public_keys IN EXCLUSIVE MODE")
        await conn.execute("DELETE FROM uic_public_keys")
        await conn.copy_records_to_table(
            "uic_public_keys",
            columns=_KEY_COLUMNS,
            records=[
                (
                    k.issuer_code,
                    k.key_id,
                    k.issuer_name,
                    k.signature_algorithm,
                    k.public_key_der,
                    k.barcode_version,
                    k.valid_from,
                    k.valid_until,
                    list(k.allowed_product_owners),
                )
                for k in keys
            ],
        )
    return len(keys)


async def load_key_ring(conn: asyncpg.Connection) -> KeyRing:
    rows = await conn.fetch(f"SELECT {', '.join(_KEY_COLUMNS)} FROM uic_public_keys")
    return KeyRing(
        from_row(
            UicPublicKey,
            row,
            public_key_der=bytes(row["public_key"]),
            allowed_product_owners=tuple(row["allowed_product_owners"]),
        )
        for row in rows
    )


async def station_index(conn: asyncpg.Connection) -> Callable[[str], StopFacts | None]:
    """`station_in_lot` for the verifier: the known train stations (in the Lot or
    gateways) by 7-digit UIC code and by folded name."""
    rows = await conn.fetch(
        "SELECT id, name, mode, in_lot, gateway, ot_id, uic FROM stops WHERE mode = 'train' AND same_as IS NULL"
    )
    index: dict[str, StopFacts] = {}
    for row in rows:
        facts = StopFacts(row["id"], row["mode"], row["in_lot"], row["gateway"], row["ot_id"])
        code = uic_station_code(row["uic"])
        if code:
            index[code] = facts
        index.setdefault(fold_station_name(row["name"]), facts)

    def lookup(key: str) -> StopFacts | None:
        return index.get(uic_station_code(key) or key) or index.get(fold_station_name(key))

    return lookup
