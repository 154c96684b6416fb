"""The signed pass token in the QR: a compact EdDSA JWT. No I/O.

Claims are kept short so the QR stays small (version ≤ 12 at level M):
`jti` is the pass code, `p` the persons, `m` the mode, `c` the confidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import jwt

from service.signing.keys import SigningKey

ALGORITHM = "EdDSA"
_MODES = {"train": "t", "bus": "b", "bike": "v"}
_MODE_NAMES = {short: name for name, short in _MODES.items()}
_CONFIDENCES = {"plausible": "p", "verified": "v"}
_CONFIDENCE_NAMES = {short: name for name, short in _CONFIDENCES.items()}
# Clocks of desks and servers drift a little.
LEEWAY_SECONDS = 60


@dataclass(frozen=True)
class PassClaims:
    code: str
    persons: int
    mode: str
    confidence: str
    valid_from: datetime
    valid_until: datetime


class TokenRefused(Exception):
    """`reason` is one of: invalid, expired, not_yet_valid."""

    def __init__(self, reason: str, claims: PassClaims | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.claims = claims


def sign(claims: PassClaims, key: SigningKey, issuer: str, audience: str) -> str:
    payload = {
        "iss": issuer,
        "aud": audience,
        "jti": claims.code,
        "nbf": int(claims.valid_from.timestamp()),
        "exp": int(claims.valid_until.timestamp()),
        "p": claims.persons,
        "m": _MODES[claims.mode],
        "c": _CONFIDENCES[claims.confidence],
    }
    return jwt.encode(payload, key.private, algorithm=ALGORITHM, headers={"kid": key.kid, "typ": None})


def unverified_kid(token: str) -> str:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise TokenRefused("invalid") from exc
    kid = header.get("kid")
    if header.get("alg") != ALGORITHM or not isinstance(kid, str):
        raise TokenRefused("invalid")
    return kid


def _claims(payload: dict) -> PassClaims:
    try:
        return PassClaims(
            code=str(payload["jti"]),
            persons=int(payload["p"]),
            mode=_MODE_NAMES[payload["m"]],
            confidence=_CONFIDENCE_NAMES[payload["c"]],
            valid_from=datetime.fromtimestamp(int(payload["nbf"]), UTC),
            valid_until=datetime.fromtimestamp(int(payload["exp"]), UTC),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise TokenRefused("invalid") from exc


def verify(token: str, key: SigningKey | None, issuer: str, audience: str, now: datetime | None = None) -> PassClaims:
    """The claims of a genuine token; TokenRefused otherwise.

    The signature is checked first (with EdDSA only, never `none`), then issuer,
    audience and validity window. An expired or not-yet-valid token is reported
    with its claims, so the desk can say until when it was valid.
    """
    if key is None:
        raise TokenRefused("invalid")
    options = {"require": ["exp", "nbf", "iss", "aud", "jti"], "verify_exp": False, "verify_nbf": False}
    try:
        payload = jwt.decode(
            token, key.public, algorithms=[ALGORITHM], issuer=issuer, audience=audience, options=options
        )
    except jwt.PyJWTError as exc:
        raise TokenRefused("invalid") from exc
    claims = _claims(payload)
    moment = (now or datetime.now(UTC)).timestamp()
    if moment > claims.valid_until.timestamp() + LEEWAY_SECONDS:
        raise TokenRefused("expired", claims)
    if moment < claims.valid_from.timestamp() - LEEWAY_SECONDS:
        raise TokenRefused("not_yet_valid", claims)
    return claims
