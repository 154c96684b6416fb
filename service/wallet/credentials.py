"""The Lot's own wallet accounts, from the environment (all optional): Apple's Pass Type ID
certificate and key with Apple's WWDR intermediate, and Google's issuer with its service
account. A variable that is set but wrong stops the start, its name in the message."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from service.settings import ConfigError

APPLE = (
    "TBC_WALLET_APPLE_PASS_TYPE_ID",
    "TBC_WALLET_APPLE_TEAM_ID",
    "TBC_WALLET_APPLE_CERT",
    "TBC_WALLET_APPLE_KEY",
    "TBC_WALLET_APPLE_WWDR",
)
GOOGLE = ("TBC_WALLET_GOOGLE_ISSUER_ID", "TBC_WALLET_GOOGLE_SERVICE_ACCOUNT")


@dataclass(frozen=True)
class AppleAccount:
    pass_type_id: str
    team_id: str
    certificate: x509.Certificate
    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    wwdr: x509.Certificate


@dataclass(frozen=True)
class GoogleAccount:
    issuer_id: str
    client_email: str
    private_key: rsa.RSAPrivateKey
    key_id: str | None


@dataclass(frozen=True)
class Wallets:
    apple: AppleAccount | None = None
    google: GoogleAccount | None = None


def load(environ: Mapping[str, str] = os.environ) -> Wallets:
    """The wallets the environment configures (none: no button, the routes answer 404)."""
    return Wallets(_apple(environ), _google(environ))


def _given(environ: Mapping[str, str], names: tuple[str, ...]) -> dict[str, str] | None:
    values = {name: (environ.get(name) or "").strip() for name in names}
    if not any(values.values()):
        return None
    if missing := [name for name, value in values.items() if not value]:
        raise ConfigError(f"environment variable {missing[0]}: needed with {', '.join(n for n in names if values[n])}")
    return values


def _pem(environ: Mapping[str, str], name: str) -> bytes:
    """The PEM itself, or the file it is in."""
    value = environ[name].strip()
    if value.startswith("-----BEGIN"):
        return value.encode()
    try:
        return Path(value).read_bytes()
    except OSError as exc:
        raise ConfigError(f"environment variable {name}: cannot read {value}: {exc.strerror}") from exc


def _certificate(environ: Mapping[str, str], name: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(_pem(environ, name))
    except ValueError as exc:
        raise ConfigError(f"environment variable {name}: not a PEM certificate") from exc


def _apple(environ: Mapping[str, str]) -> AppleAccount | None:
    values = _given(environ, APPLE)
    if values is None:
        return None
    password = (environ.get("TBC_WALLET_APPLE_KEY_PASSWORD") or "").encode() or None
    try:
        key = serialization.load_pem_private_key(_pem(environ, "TBC_WALLET_APPLE_KEY"), password)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"environment variable TBC_WALLET_APPLE_KEY: not a PEM private key ({exc})") from exc
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ConfigError("environment variable TBC_WALLET_APPLE_KEY: an RSA or EC key is needed")
    certificate = _certificate(environ, "TBC_WALLET_APPLE_CERT")
    if certificate.public_key().public_numbers() != key.public_key().public_numbers():
        raise ConfigError("environment variable TBC_WALLET_APPLE_KEY: not the key of TBC_WALLET_APPLE_CERT")
    wwdr = _certificate(environ, "TBC_WALLET_APPLE_WWDR")
    return AppleAccount(values[APPLE[0]], values[APPLE[1]], certificate, key, wwdr)


def _google(environ: Mapping[str, str]) -> GoogleAccount | None:
    values = _given(environ, GOOGLE)
    if values is None:
        return None
    name = "TBC_WALLET_GOOGLE_SERVICE_ACCOUNT"
    try:
        account: Any = json.loads(Path(values[name]).read_text(encoding="utf-8"))
        key = serialization.load_pem_private_key(account["private_key"].encode(), None)
        email = str(account["client_email"])
    except OSError as exc:
        raise ConfigError(f"environment variable {name}: cannot read {values[name]}: {exc.strerror}") from exc
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(
            f"environment variable {name}: not a service account key (client_email, private_key)"
        ) from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigError(f"environment variable {name}: its private_key is not an RSA key")
    return GoogleAccount(values[GOOGLE[0]], email, key, account.get("private_key_id"))
