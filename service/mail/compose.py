"""The messages to visitors, in their language. No I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid

from service.core.i18n import N_, End, gettext, ngettext, text


@dataclass(frozen=True)
class PassFacts:
    code_display: str
    persons: int
    valid_from: datetime
    valid_until: datetime
    link: str
    qr_png: bytes
    wallet: dict[str, str] = field(default_factory=dict)  # "apple"/"google" → a link to add it


def _message(sender: str, to: str, subject: str, body: str, lang: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Content-Language"] = lang
    message["Message-ID"] = make_msgid(domain="tarif-bas-carbone")
    message.set_content(body)
    return message


def _pass_lines(facts: PassFacts, lang: str, timezone: str) -> list[str]:
    persons = ngettext("{count} person", "{count} persons", facts.persons, lang).format(count=facts.persons)
    return [
        text(
            N_("Your pass {code}, for {persons}, starts {start} and ends {end}."),
            code=facts.code_display,
            persons=persons,
            start=facts.valid_from,
            end=End(facts.valid_until),
        ).render(lang, timezone),
        "",
        gettext("Open it on your phone: once opened, it also works without a network.", lang),
        facts.link,
        "",
        gettext("Show its QR code (attached) at each partner's desk.", lang),
        *_wallet_lines(facts, lang),
    ]


# The wording of the wallets' own badges (their guidelines name the button so).
WALLET_BUTTONS = {"apple": N_("Add to Apple Wallet"), "google": N_("Add to Google Wallet")}


def _wallet_lines(facts: PassFacts, lang: str) -> list[str]:
    lines = []
    for wallet, label in WALLET_BUTTONS.items():
        if wallet in facts.wallet:
            lines += ["", f"{gettext(label, lang)}:", facts.wallet[wallet]]
    return lines


def _with_qr(message: EmailMessage, facts: PassFacts) -> EmailMessage:
    message.add_attachment(facts.qr_png, maintype="image", subtype="png", filename=f"pass-{facts.code_display}.png")
    return message


def _privacy_line(retention_days: int, lang: str) -> str:
    return ngettext(
        "We keep your address until {count} day after your pass ends, then delete it.",
        "We keep your address until {count} days after your pass ends, then delete it.",
        retention_days,
        lang,
    ).format(count=retention_days)


def _pass_message(
    sender: str,
    to: str,
    lang: str,
    timezone: str,
    facts: PassFacts,
    retention_days: int,
    subject: str,
    opening: str | None = None,
) -> EmailMessage:
    """A message carrying the pass (its link, its QR attached), after an `opening` line."""
    body = [gettext("Hello,", lang), "", *([opening, ""] if opening else []), *_pass_lines(facts, lang, timezone)]
    body += ["", _privacy_line(retention_days, lang)]
    return _with_qr(_message(sender, to, subject, "\n".join(body) + "\n", lang), facts)


def pass_issued(sender: str, to: str, lang: str, timezone: str, facts: PassFacts, retention_days: int) -> EmailMessage:
    subject = gettext("Your Tarif bas carbone pass", lang)
    return _pass_message(sender, to, lang, timezone, facts, retention_days, subject)


def pass_sent_again(
    sender: str, to: str, lang: str, timezone: str, facts: PassFacts, retention_days: int
) -> EmailMessage:
    """The pass again, as its holder asked (« I already have a pass »)."""
    subject = gettext("Your Tarif bas carbone pass, again", lang)
    opening = gettext(
        "You asked for your pass again: here it is. If it was not you, you may ignore this message.", lang
    )
    return _pass_message(sender, to, lang, timezone, facts, retention_days, subject, opening)


def review_accepted(
    sender: str, to: str, lang: str, timezone: str, facts: PassFacts, retention_days: int
) -> EmailMessage:
    subject = gettext("Your proof was accepted: your pass is ready", lang)
    opening = gettext("The tourist office checked the photo of your ticket: your pass is ready.", lang)
    return _pass_message(sender, to, lang, timezone, facts, retention_days, subject, opening)


def review_rejected(sender: str, to: str, lang: str, reason: str | None, home_link: str) -> EmailMessage:
    body = [
        gettext("Hello,", lang),
        "",
        gettext("The tourist office could not accept the photo of your ticket.", lang),
    ]
    if reason:
        body += ["", text(N_("Their reason: {reason}"), reason=reason).render(lang)]
    body += ["", gettext("You may claim again with another proof:", lang), home_link]
    subject = gettext("Your proof was not accepted", lang)
    return _message(sender, to, subject, "\n".join(body) + "\n", lang)
