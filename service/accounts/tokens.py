"""Staff access tokens: short-lived HS256 JWTs keyed by the deployment secret. No I/O."""

from __future__ import annotations

import time

import jwt

ALGORITHM = "HS256"
AUDIENCE = "tbc-staff"


def issue(account_id: int, role: str, key: bytes, issuer: str, lifetime_seconds: int, now: float | None = None) -> str:
    issued = int(now if now is not None else time.time())
    payload = {"sub": str(account_id), "role": role, "iss": issuer, "aud": AUDIENCE, "iat": issued, "exp": issued + lifetime_seconds}
    return jwt.encode(payload, key, algorithm=ALGORITHM)


def account_id(token: str, key: bytes, issuer: str) -> int | None:
    """The account of a genuine, unexpired token, else None."""
    try:
        payload = jwt.decode(
            token, key, algorithms=[ALGORITHM], issuer=issuer, audience=AUDIENCE,
            options={"require": ["sub", "exp", "iss", "aud", "iat"]},
        )
        return int(payload["sub"])
    except (jwt.PyJWTError, ValueError):
        return None
