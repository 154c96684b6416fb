"""A Google Wallet « save » link: `https://pay.google.com/gp/v/save/<JWT>`, the JWT signed
RS256 with the service account's key (`iss` its e-mail, `aud` google, `typ` savetowallet,
`origins` the public URL), holding the pass class and a generic object. Pure."""

from __future__ import annotations

import jwt

from service.core.i18n import gettext
from service.core.security import origin_of
from service.wallet.apple import STRINGS
from service.wallet.credentials import GoogleAccount
from service.wallet.facts import BRAND, WalletFacts

SAVE_URL = "https://pay.google.com/gp/v/save/"
CLASS_SUFFIX = "tarif-bas-carbone"


def _text(message: str, lang: str) -> dict[str, object]:
    """A localized string: the page's language by default, French and the others translated."""
    return {
        "defaultValue": {"language": lang, "value": gettext(message, lang)},
        "translatedValues": [{"language": other, "value": gettext(message, other)} for other in ("fr", "en", "es")],
    }


def save_url(account: GoogleAccount, facts: WalletFacts, public_url: str, lang: str, now: int) -> str:
    class_id = f"{account.issuer_id}.{CLASS_SUFFIX}"
    offers = "\n".join(f"{site.name} — {site.offer}" if site.offer else site.name for site in facts.sites)
    modules = [
        {"id": "persons", "header": gettext(STRINGS["persons"], lang), "body": str(facts.persons)},
        {"id": "mode", "header": gettext(STRINGS["mode"], lang), "body": gettext(STRINGS[facts.mode], lang)},
        *(
            [{"id": "arrival", "header": gettext(STRINGS["arrival"], lang), "body": facts.arrival}]
            if facts.arrival
            else []
        ),
        *([{"id": "offers", "header": gettext(STRINGS["offers"], lang), "body": offers}] if offers else []),
    ]
    generic = {
        "id": f"{account.issuer_id}.{facts.code}",
        "classId": class_id,
        "state": "ACTIVE",
        "cardTitle": {"defaultValue": {"language": "fr", "value": "Tarif bas carbone du Lot"}},
        "header": _text(STRINGS["description"], lang),
        "subheader": {"defaultValue": {"language": lang, "value": facts.code_display}},
        "barcode": {"type": "QR_CODE", "value": facts.token, "alternateText": facts.code_display},
        "validTimeInterval": {
            "start": {"date": facts.valid_from.isoformat()},
            "end": {"date": facts.valid_until.isoformat()},
        },
        "textModulesData": modules,
        "hexBackgroundColor": "#{:02x}{:02x}{:02x}".format(*BRAND),
    }
    claims = {
        "iss": account.client_email,
        "aud": "google",
        "typ": "savetowallet",
        "iat": now,
        "origins": [origin_of(public_url)],
        "payload": {"genericClasses": [{"id": class_id}], "genericObjects": [generic]},
    }
    headers = {"kid": account.key_id} if account.key_id else None
    return SAVE_URL + jwt.encode(claims, account.private_key, algorithm="RS256", headers=headers)
