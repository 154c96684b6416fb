"""`config/legal.toml`: who publishes the service, hosts it and controls its data, and its
accessibility status — what /mentions-legales, /confidentialite and /accessibilite say."""

from __future__ import annotations

from datetime import date
from typing import Literal

import msgspec


class Publisher(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    address: str
    email: str
    director: str  # of the publication


class Host(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    address: str


class PrivacyContacts(msgspec.Struct, forbid_unknown_fields=True):
    controller: str  # who decides why and how the data is processed
    contact_email: str  # the data-protection contact


class AccessibilityStatement(msgspec.Struct, forbid_unknown_fields=True):
    status: Literal["full", "partial", "none"]
    rgaa_version: str
    assessed_on: date
    contact_email: str


class LegalConfig(msgspec.Struct, forbid_unknown_fields=True):
    """Who publishes the service, for /mentions-legales, /confidentialite and /accessibilite."""

    publisher: Publisher
    host: Host
    privacy: PrivacyContacts
    accessibility: AccessibilityStatement
