"""Staff access tokens: HS256 JWTs keyed by the deployment secret. No I/O.

A person's token lasts a working day; an enrolled scanner device gets a long-lived
token naming the device (`dev`), ended at once by disabling the device. Every token
names the account's credential version (`ver`: a new password, disabling and "sign
out everywhere" move it) and has an id (`jti`: its sign-out ends it alone).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import jwt

ALGORITHM = "HS256"
AUDIENCE = "tbc-staff"


@dataclass(frozen=True)
class Bearer:
    account_id: int
    device_id: int | None
    # seconds since the epoch: a session cookie lives no longer than its token
    expires: int = 0
    credential_version: int = 0
    token_id: uuid.UUID | None = None


def issue(
    account_id: int,
    role: str,
    key: bytes,
    issuer: str,
    lifetime_seconds: int,
    *,
    credential_version: int,
    device_id: int | None = None,
    now: float | None = None,
) -> str:
    issued = int(now if now is not None else time.time())
    payload: dict[str, object] = {
        "sub": str(account_id),
        "role": role,
        "iss": issuer,
        "aud": AUDIENCE,
        "iat": issued,
        "exp": issued + lifetime_seconds,
        "ver": credential_version,
        "jti": str(uuid.uuid4()),
    }
    if device_id is not None:
        payload["dev"] = device_id
    return jwt.encode(payload, key, algorithm=ALGORITHM)


# Genuine tokens already verified, by their text: a desk presents the same token at every
# scan, and checking its signature and claims (PyJWT) was a sixth of the server's work on a
# scan (docs/BENCHMARKS.md). That check depends on the token, the key and the issuer only,
# so a token found here has only its expiry checked again; whether its account, device and
# id are still good is the database's question at every request (guards.authenticate).
# Only genuine tokens are kept, at most this many, the oldest dropped first.
VERIFIED_KEPT = 4096
_verified: dict[tuple[str, bytes, str], Bearer] = {}


def bearer(token: str, key: bytes, issuer: str) -> Bearer | None:
    """Who a genuine, unexpired token speaks for, else None."""
    known = _verified.get((token, key, issuer))
    if known is not None:
        return known if time.time() < known.expires else None  # PyJWT's own test, no leeway
    who = _verify(token, key, issuer)
    if who is not None:
        while len(_verified) >= VERIFIED_KEPT:
            del _verified[next(iter(_verified))]
        _verified[(token, key, issuer)] = who
    return who


def _verify(token: str, key: bytes, issuer: str) -> Bearer | None:
    try:
        payload = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            issuer=issuer,
            audience=AUDIENCE,
            options={"require": ["sub", "exp", "iss", "aud", "iat", "ver", "jti"]},
        )
        device = payload.get("dev")
        return Bearer(
            int(payload["sub"]),
            int(device) if device is not None else None,
            int(payload["exp"]),
            int(payload["ver"]),
            uuid.UUID(str(payload["jti"])),
        )
    except (jwt.PyJWTError, ValueError, TypeError, AttributeError):
        return None
