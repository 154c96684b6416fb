"""Throw-away wallet accounts made in the test run: a root CA, an intermediate standing for
Apple's WWDR, a Pass Type ID certificate and its key; a Google service account's key. Nothing
here is Apple's or Google's, and nothing is kept beyond the run."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from service.wallet import credentials

PASS_TYPE_ID = "pass.fr.lot.tarif-bas-carbone.test"
TEAM_ID = "TESTTEAM42"
ISSUER_ID = "3388000000012345678"


def _name(common: str) -> x509.Name:
    return x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, common), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test")]
    )


def _certificate(
    subject: str, key: rsa.RSAPrivateKey, issuer: str, issuer_key: rsa.RSAPrivateKey, *, ca: bool
) -> x509.Certificate:
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(issuer_key, hashes.SHA256())
    )


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def make(folder: Path) -> dict[str, str]:
    """Write the accounts under `folder`; the TBC_WALLET_* variables that name them, and
    `ca` (the root, for `openssl smime -verify -CAfile`) and `google_public` (to verify the JWT)."""
    folder.mkdir(parents=True, exist_ok=True)
    root_key, wwdr_key, pass_key, google_key = _key(), _key(), _key(), _key()
    root = _certificate("Test Root CA", root_key, "Test Root CA", root_key, ca=True)
    wwdr = _certificate("Test WWDR", wwdr_key, "Test Root CA", root_key, ca=True)
    pass_cert = _certificate(f"Pass Type ID: {PASS_TYPE_ID}", pass_key, "Test WWDR", wwdr_key, ca=False)
    files = {
        "ca.pem": _pem(root),
        "wwdr.pem": _pem(wwdr),
        "pass.pem": _pem(pass_cert),
        "pass.key": pass_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"test-password"),
        ),
        "google.pub": google_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    account = {
        "type": "service_account",
        "client_email": "wallet@tbc-test.iam.gserviceaccount.com",
        "private_key_id": "test-key-1",
        "private_key": google_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode(),
    }
    (folder / "google.json").write_text(json.dumps(account), encoding="utf-8")
    return {
        "TBC_WALLET_APPLE_PASS_TYPE_ID": PASS_TYPE_ID,
        "TBC_WALLET_APPLE_TEAM_ID": TEAM_ID,
        "TBC_WALLET_APPLE_CERT": str(folder / "pass.pem"),
        "TBC_WALLET_APPLE_KEY": str(folder / "pass.key"),
        "TBC_WALLET_APPLE_KEY_PASSWORD": "test-password",
        "TBC_WALLET_APPLE_WWDR": str(folder / "wwdr.pem"),
        "TBC_WALLET_GOOGLE_ISSUER_ID": ISSUER_ID,
        "TBC_WALLET_GOOGLE_SERVICE_ACCOUNT": str(folder / "google.json"),
        "ca": str(folder / "ca.pem"),
        "google_public": str(folder / "google.pub"),
    }


def wallets(folder: Path) -> credentials.Wallets:
    return credentials.load(make(folder))
