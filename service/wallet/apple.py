"""An Apple Wallet pass (`.pkpass`): `pass.json`, its strings in French, English and
Spanish, icon and logo at 1× and 2×, `manifest.json` (the SHA-1 of every file) and
`signature` — a detached PKCS#7 (DER) of the manifest by the Pass Type ID certificate,
Apple's WWDR intermediate included — made with `cryptography`'s PKCS#7 builder. Pure."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from functools import cache

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7
from PIL import Image, ImageDraw

from service.core.i18n import N_, gettext
from service.wallet.credentials import AppleAccount
from service.wallet.facts import BRAND, SiteLine, WalletFacts

LANGS = ("fr", "en", "es")
MAX_LOCATIONS = 10  # Wallet shows a pass near at most ten places

# pass.json names its labels by key; each lproj/pass.strings says them in its language.
STRINGS = {
    "description": N_("Pass of the Tarif bas carbone du Lot"),
    "persons": N_("Persons"),
    "valid_from": N_("Valid from"),
    "valid_until": N_("Valid until"),
    "arrival": N_("Arrived at"),
    "mode": N_("Arrived by"),
    "train": N_("train"),
    "bus": N_("liO coach"),
    "bike": N_("bike"),
    "offers": N_("Where to use it"),
    "how": N_("At the desk"),
    "how_text": N_("Show this code at the desk of each partner site: it is scanned there, even offline."),
}


def pkpass(account: AppleAccount, facts: WalletFacts) -> bytes:
    """The signed pass, zipped."""
    files = {"pass.json": _pass_json(account, facts), **_images()}
    for lang in LANGS:
        files[f"{lang}.lproj/pass.strings"] = _strings(lang)
    # SHA-1 is what Wallet's manifest names; the signature over it is SHA-256
    digests = {name: hashlib.sha1(data, usedforsecurity=False).hexdigest() for name, data in files.items()}  # noqa: S324
    manifest = json.dumps(digests, indent=2).encode()
    files["manifest.json"] = manifest
    files["signature"] = _signature(account, manifest)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def _pass_json(account: AppleAccount, facts: WalletFacts) -> bytes:
    barcode = {
        "format": "PKBarcodeFormatQR",
        "message": facts.token,  # what the desk verifies, as the pass page's QR
        "messageEncoding": "iso-8859-1",
        "altText": facts.code_display,
    }
    offers = "\n".join(f"{site.name} — {site.offer}" if site.offer else site.name for site in facts.sites)
    content = {
        "formatVersion": 1,
        "passTypeIdentifier": account.pass_type_id,
        "teamIdentifier": account.team_id,
        "serialNumber": facts.code,
        "organizationName": "Tarif bas carbone du Lot",
        "description": "description",
        "logoText": "Tarif bas carbone",
        "foregroundColor": "rgb(255, 255, 255)",
        "backgroundColor": f"rgb({BRAND[0]}, {BRAND[1]}, {BRAND[2]})",
        "labelColor": "rgb(214, 235, 220)",
        "barcodes": [barcode],
        "barcode": barcode,  # the key before iOS 9
        "expirationDate": facts.valid_until.isoformat(),
        "relevantDate": facts.valid_from.isoformat(),
        "locations": [
            {
                "latitude": site.lat,
                "longitude": site.lon,
                "relevantText": _near(site),
            }
            for site in facts.sites[:MAX_LOCATIONS]
        ],
        "generic": {
            "primaryFields": [{"key": "persons", "label": "persons", "value": facts.persons}],
            "secondaryFields": [
                {
                    "key": "valid_from",
                    "label": "valid_from",
                    "value": facts.valid_from.isoformat(),
                    "dateStyle": "PKDateStyleMedium",
                    "timeStyle": "PKDateStyleNone",
                },
                {
                    "key": "valid_until",
                    "label": "valid_until",
                    "value": facts.valid_until.isoformat(),
                    "dateStyle": "PKDateStyleMedium",
                    "timeStyle": "PKDateStyleShort",
                },
            ],  # fmt: skip
            "auxiliaryFields": [
                {"key": "mode", "label": "mode", "value": facts.mode},
                *([{"key": "arrival", "label": "arrival", "value": facts.arrival}] if facts.arrival else []),
            ],
            "backFields": [
                {"key": "offers", "label": "offers", "value": offers or "–"},
                {"key": "how", "label": "how", "value": "how_text"},
            ],
        },
    }
    return json.dumps(content, ensure_ascii=False, indent=2).encode()


def _near(site: SiteLine) -> str:
    """What the lock screen says near a site: its name and offer (the partners write French)."""
    return f"{site.name} — {site.offer}" if site.offer else site.name


def _strings(lang: str) -> bytes:
    """`"key" = "value";` lines, UTF-16 with its byte order mark (the .strings format)."""

    def quoted(text: str) -> str:
        return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")

    lines = [f'"{key}" = "{quoted(gettext(message, lang))}";' for key, message in STRINGS.items()]
    return ("\n".join(lines) + "\n").encode("utf-16")


@cache
def _images() -> dict[str, bytes]:
    """Icon (29 pt) and logo (160×50 pt) at 1× and 2×: the Lot's green with a white mark."""
    images = {}
    for name, (width, height) in {"icon": (29, 29), "logo": (160, 50)}.items():
        for scale, suffix in ((1, ""), (2, "@2x")):
            size = (width * scale, height * scale)
            image = Image.new("RGB", size, BRAND)
            draw = ImageDraw.Draw(image)
            side = min(size) * 0.6
            left, top = (size[1] - side) / 2, (size[1] - side) / 2
            draw.ellipse((left, top, left + side, top + side), outline=(255, 255, 255), width=max(2, scale * 2))
            out = io.BytesIO()
            image.save(out, "PNG")
            images[f"{name}{suffix}.png"] = out.getvalue()
    return images


def _signature(account: AppleAccount, manifest: bytes) -> bytes:
    return (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(manifest)
        .add_signer(account.certificate, account.private_key, hashes.SHA256())
        .add_certificate(account.wwdr)
        .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary])
    )
