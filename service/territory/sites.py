"""Partner sites as data: the checks a site must pass, whoever writes it (the sites
API, `tbc import-sites`, the demo), and reading a sites file with errors that name
its line. No I/O besides the file given."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import msgspec

from service.settings import SiteConfig


class SitesFileError(Exception):
    """A sites file cannot be imported; the message names the file, line and field."""


class SitesFile(msgspec.Struct, forbid_unknown_fields=True):
    sites: list[SiteConfig]


def problems(site: SiteConfig, ot_ids: set[str]) -> list[tuple[str, str]]:
    """(field, reason) of what is wrong with a site beyond its types."""
    found = []
    if site.ot not in ot_ids:
        found.append(("ot", f"unknown OT {site.ot!r} (known: {', '.join(sorted(ot_ids))})"))
    if len(set(site.modes)) != len(site.modes):
        found.append(("modes", "a mode is listed twice"))
    if site.booking_required and not site.bookable:
        found.append(("booking_required", "a site can only require a booking when it is bookable"))
    if not site.name.strip():
        found.append(("name", "empty"))
    offer = site.offer
    if (
        offer.normal_price_eur is not None
        and offer.reduced_price_eur is not None
        and offer.reduced_price_eur > offer.normal_price_eur
    ):
        found.append(("offer.reduced_price_eur", "higher than the normal price"))
    return found


def as_dict(site: SiteConfig) -> dict[str, Any]:
    return msgspec.to_builtins(site)


_PATH = re.compile(r"^\$\.sites\[(\d+)\](?:\.([a-z_]+))?(?:\.([a-z_]+))?")


def _line_of(text: str, index: int, field: str | None) -> int | None:
    """The line of the `index`-th [[sites]] table, or of `field` within it."""
    headers = [number for number, line in enumerate(text.splitlines(), 1) if line.strip() == "[[sites]]"]
    if index >= len(headers):
        return None
    start = headers[index]
    end = headers[index + 1] if index + 1 < len(headers) else len(text.splitlines()) + 1
    if field:
        key = re.compile(rf"^\s*{re.escape(field)}\s*=")
        for number, line in enumerate(text.splitlines()[start : end - 1], start + 1):
            if key.match(line):
                return number
    return start


def _located(path: Path, text: str, index: int, field: str | None, message: str) -> SitesFileError:
    line = _line_of(text, index, field)
    where = f"{path}:{line}" if line else str(path)
    name = f"sites[{index}]" + (f".{field}" if field else "")
    return SitesFileError(f"{where}: {name}: {message}")


def read_sites_file(path: Path, ot_ids: set[str]) -> list[SiteConfig]:
    """The sites of a TOML file of `[[sites]]` tables (the format of config/demo.toml),
    all checked; the first problem raises SitesFileError naming its line and field."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SitesFileError(f"{path}: cannot read: {exc}") from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SitesFileError(f"{path}: not valid TOML: {exc}") from exc
    try:
        sites = msgspec.convert(raw, SitesFile).sites
    except msgspec.ValidationError as exc:
        message = str(exc)
        match = _PATH.search(message.rsplit(" - at `", 1)[-1].rstrip("`"))
        if match:
            index, field = int(match.group(1)), match.group(2)
            raise _located(path, text, index, field, message.split(" - at `")[0]) from exc
        raise SitesFileError(f"{path}: {message}") from exc
    seen: dict[str, int] = {}
    for index, site in enumerate(sites):
        if site.id in seen:
            raise _located(path, text, index, "id", f"{site.id!r} is already defined by sites[{seen[site.id]}]")
        seen[site.id] = index
        for field, reason in problems(site, ot_ids):
            raise _located(path, text, index, field.split(".")[0], reason)
    return sites
