"""The keyring: which key signs new passes, which keys verify them."""

from __future__ import annotations

import asyncio
import logging
import time

import asyncpg

from service.core import audit, db
from service.signing import repository
from service.signing.keys import SigningKey

log = logging.getLogger("service.signing")

# How often an unknown `kid` may trigger a reload (another process may have rotated).
RELOAD_INTERVAL_SECONDS = 10.0


class KeyringError(Exception):
    """The stored signing keys cannot be used with this deployment's secret."""


class Keyring:
    def __init__(self, password: bytes) -> None:
        self._password = password
        self._keys: dict[str, SigningKey] = {}
        self._current: str | None = None
        self._loaded_at = 0.0
        self._lock = asyncio.Lock()

    @property
    def current(self) -> SigningKey:
        if self._current is None:
            raise RuntimeError("no current signing key: run the service start-up first")
        return self._keys[self._current]

    def get(self, kid: str) -> SigningKey | None:
        return self._keys.get(kid)

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        return {"keys": [key.jwk() for key in self._keys.values()]}

    async def load(self, conn: asyncpg.Connection) -> None:
        keys: dict[str, SigningKey] = {}
        current = None
        for row in await repository.fetch_usable(conn):
            try:
                keys[row["kid"]] = SigningKey.from_stored(
                    row["kid"],
                    bytes(row["public_key"]),
                    row["private_key"] if row["is_current"] else None,
                    self._password,
                )
            except ValueError as exc:
                raise KeyringError(
                    f"signing key {row['kid']} cannot be decrypted: TBC_SECRET_KEY is not the secret it was stored with"
                ) from exc
            if row["is_current"]:
                current = row["kid"]
        self._keys, self._current, self._loaded_at = keys, current, time.monotonic()

    async def refresh(self, conn: asyncpg.Connection, max_age_seconds: float) -> None:
        """Reload when older than `max_age_seconds`: another process may have rotated
        the keys, or the last passes of an old key may have expired."""
        if time.monotonic() - self._loaded_at >= max_age_seconds:
            await self.load(conn)

    async def find(self, pool: asyncpg.Pool, kid: str) -> SigningKey | None:
        """The key `kid`, reloading the ring (rate-limited) when it is unknown here."""
        key = self._keys.get(kid)
        if key is not None:
            return key
        async with self._lock:
            if time.monotonic() - self._loaded_at >= RELOAD_INTERVAL_SECONDS:
                async with db.acquire(pool) as conn:
                    await self.load(conn)
        return self._keys.get(kid)


async def ensure_current_key(conn: asyncpg.Connection, password: bytes, *, rotate: bool = False) -> str | None:
    """Generate and store a signing key if there is none (or, with `rotate`, always,
    making it the current one); returns its kid when one was made."""
    async with conn.transaction():
        await repository.lock_keys(conn)
        if not rotate and await repository.has_current(conn):
            return None
        key = SigningKey.generate()
        await repository.insert_current(conn, key.kid, key.public_raw, key.encrypted_private(password))
        await audit.record(conn, "key.rotated" if rotate else "key.generated", "signing_key", key.kid)
    log.info("generated signing key %s", key.kid)
    return key.kid
