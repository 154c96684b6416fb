"""All settings in one place.

Two sources: the deployment (environment variables: database, secret, host/port)
and the operation's rules (`config/*.toml`: territory, rules, CO2 factors),
decoded into msgspec Structs at start-up. A wrong value stops the start with a
message naming the field.
"""

from __future__ import annotations

import os
import tomllib
from datetime import date
from pathlib import Path
from typing import Annotated, Literal, get_args
from urllib.parse import urlsplit

import msgspec

from service.publisher import LegalConfig

ROOT = Path(__file__).resolve().parent.parent

Mode = Literal["train", "bus", "bike"]
Confidence = Literal["plausible", "verified"]
Role = Literal["partner", "ot", "pilot", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)
Lang = Literal["fr", "en", "es"]

Identifier = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")]
Latitude = Annotated[float, msgspec.Meta(ge=-90, le=90)]
Longitude = Annotated[float, msgspec.Meta(ge=-180, le=180)]
NonNegativeInt = Annotated[int, msgspec.Meta(ge=0)]
PositiveInt = Annotated[int, msgspec.Meta(ge=1)]
NonNegativeFloat = Annotated[float, msgspec.Meta(ge=0)]
PositiveFloat = Annotated[float, msgspec.Meta(gt=0)]


IGN_PLAN_V2 = (
    "https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2"
    "&STYLE=normal&TILEMATRIXSET=PM&FORMAT=image/png&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}"
)


class ConfigError(Exception):
    """A configuration file or variable is wrong; the message names the field."""


# --- territory.toml ---------------------------------------------------------


class OTConfig(msgspec.Struct, forbid_unknown_fields=True):
    id: Identifier
    name: str
    pilot: bool = False


class StopConfig(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    name: str
    mode: Literal["train", "bus"]
    lat: Latitude
    lon: Longitude
    ot: Identifier
    uic: Annotated[str, msgspec.Meta(pattern=r"^[0-9]{7,8}$")] | None = None
    in_lot: bool = True
    gateway: bool = False


class Boundary(msgspec.Struct, forbid_unknown_fields=True):
    points: Annotated[list[tuple[Latitude, Longitude]], msgspec.Meta(min_length=3)]


InseeCode = Annotated[str, msgspec.Meta(pattern=r"^[0-9][0-9AB][0-9]{3}$")]


class TerritoryConfig(msgspec.Struct, forbid_unknown_fields=True):
    department: str
    timezone: str
    boundary: Boundary
    ots: list[OTConfig]
    stops: list[StopConfig]
    # The OT of each commune, by its INSEE code: where a site imported from the SIT belongs.
    communes: dict[InseeCode, Identifier] = msgspec.field(default_factory=dict)


# --- rules.toml -------------------------------------------------------------


class ClaimRules(msgspec.Struct, forbid_unknown_fields=True):
    max_proof_age_days: NonNegativeInt = 30
    max_days_ahead: NonNegativeInt = 30
    max_persons: Annotated[int, msgspec.Meta(ge=1, le=50)] = 6
    modes: list[Mode] = msgspec.field(default_factory=lambda: ["train", "bus", "bike"])


class PassRules(msgspec.Struct, forbid_unknown_fields=True):
    validity_days: PositiveInt = 7
    issuer: Annotated[str, msgspec.Meta(min_length=1, max_length=40)] = "tbc46"
    audience: Annotated[str, msgspec.Meta(min_length=1, max_length=40)] = "tbc46"


class SiteDefaults(msgspec.Struct, forbid_unknown_fields=True):
    proof_max_age_days: NonNegativeInt = 7
    min_confidence: Confidence = "plausible"


class RateLimits(msgspec.Struct, forbid_unknown_fields=True):
    claims_per_minute: PositiveInt = 30
    # « Send my pass again » by e-mail, per client address and hour.
    pass_resends_per_hour: PositiveInt = 10
    # Wrong staff passwords, counted in fixed windows of `sign_in_window_minutes`: per
    # address and username (that account is locked from that address until the window
    # ends), and per address whatever the username (a higher ceiling, so that one locked
    # account never locks out a whole office behind one router).
    sign_in_failures_per_account: PositiveInt = 10
    sign_in_failures_per_address: PositiveInt = 100
    sign_in_window_minutes: PositiveInt = 15
    # ...and per username from every address together (a password sprayed from many
    # addresses): past it the account is locked for `sign_in_lockout_minutes`, doubled
    # with each lockout in a row up to a day, and its OT is alerted.
    sign_in_failures_per_username: PositiveInt = 30
    sign_in_lockout_minutes: PositiveInt = 15
    # Scans of pass codes that do not exist (or do not check, or forged tokens), per
    # window of `unknown_codes_window_minutes`: per device, and per partner account
    # whatever the device. Past either, such scans are refused (429) and the OT alerted.
    unknown_codes_per_device: PositiveInt = 20
    unknown_codes_per_account: PositiveInt = 50
    unknown_codes_window_minutes: PositiveInt = 10


class GpxRules(msgspec.Struct, forbid_unknown_fields=True):
    """What a bike track must show. Defaults follow PRODUCT.md, "Arrival proofs"."""

    # The last point within this distance of a Lot station, coach stop or partner site.
    max_end_distance_km: PositiveFloat = 2.0
    # Whether a ride that ends within max_end_distance_km of its start (a loop) counts.
    loops_count: bool = True
    min_distance_km: PositiveFloat = 10.0
    # Moving average (pauses excluded, see the module's docstring).
    min_moving_avg_kmh: PositiveFloat = 8.0
    max_moving_avg_kmh: PositiveFloat = 28.0
    # No stretch faster than this lasting longer than that.
    max_stretch_kmh: PositiveFloat = 45.0
    max_stretch_minutes: PositiveFloat = 2.0
    # A chunk of at least this many seconds moving slower than this is a pause.
    pause_below_kmh: PositiveFloat = 2.0
    pause_window_seconds: PositiveFloat = 30.0
    # Speeds and distances are measured on the track smoothed over this many seconds.
    smooth_seconds: PositiveFloat = 20.0
    # Device clocks run a little ahead: a track may end this far in the future.
    max_clock_skew_minutes: Annotated[float, msgspec.Meta(ge=0)] = 5.0
    min_points: Annotated[int, msgspec.Meta(ge=2)] = 50
    # 14 hours at a point a second; the bytes follow: a point of a Strava or Garmin export
    # with its extensions (heart rate, cadence, temperature) takes about 330 bytes, so a
    # file that keeps to the point limit keeps to the byte limit too.
    max_points: Annotated[int, msgspec.Meta(ge=2)] = 50_000
    max_bytes: Annotated[int, msgspec.Meta(ge=1024)] = 16 * 1024 * 1024

    def __post_init__(self) -> None:
        if self.min_moving_avg_kmh >= self.max_moving_avg_kmh:
            raise ValueError("min_moving_avg_kmh must be below max_moving_avg_kmh")
        if self.min_points > self.max_points:
            raise ValueError("min_points must not exceed max_points")


# RESARAIL codes are five letters (country + three letters); UIC station codes
# are kept in their 7-digit form (country + station, without the check digit).
ResarailCode = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{5}$")]
UicStationCode = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{7}$")]


class RailBarcodeConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    # SNCF's own barcodes name stations by RESARAIL code; those listed here are
    # looked up by their UIC code, the others by the RESARAIL code itself.
    resarail_to_uic: dict[ResarailCode, UicStationCode] = msgspec.field(default_factory=dict)
    # Uploads (photo, screenshot or PDF of a ticket).
    max_upload_bytes: Annotated[int, msgspec.Meta(ge=1024)] = 8 * 1024 * 1024
    # A phone's photo or screenshot is at most 16 MP: larger is refused from its header.
    max_image_pixels: Annotated[int, msgspec.Meta(ge=10_000)] = 16_000_000
    pdf_max_pages: Annotated[int, msgspec.Meta(ge=1, le=20)] = 4
    pdf_dpi: Annotated[int, msgspec.Meta(ge=72, le=600)] = 200
    # A PDF page is rendered no larger than this (an A4 page at 200 dpi is 3.9 MP, and
    # reads every ticket barcode): a page declared huge is rendered at a lower resolution.
    pdf_max_render_pixels: Annotated[int, msgspec.Meta(ge=10_000)] = 6_000_000
    # A UIC 918.3 payload is a few hundred bytes; anything far larger is refused
    # before it is inflated.
    max_inflated_bytes: Annotated[int, msgspec.Meta(ge=1024)] = 64 * 1024
    # The UIC key list (a few MB today).
    max_key_list_bytes: Annotated[int, msgspec.Meta(ge=1024)] = 32 * 1024 * 1024


class TimetableRules(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    # how far a declared arrival time may be from the scheduled one
    tolerance_minutes: Annotated[int, msgspec.Meta(ge=0, le=180)] = 20
    # a feed's stop of the same mode this close to a stop of territory.toml is that
    # stop (listed once, under the territory's id); so is a station of the same UIC code
    same_place_radius_m: Annotated[int, msgspec.Meta(ge=0, le=1000)] = 150
    # limits against zip bombs and malformed files; a regional feed (SNCF TER)
    # is some hundred megabytes once uncompressed
    max_uncompressed_bytes: Annotated[int, msgspec.Meta(ge=1)] = 1024 * 1024 * 1024
    max_members: Annotated[int, msgspec.Meta(ge=1)] = 64
    max_line_chars: Annotated[int, msgspec.Meta(ge=80)] = 10_000


class ScanRules(msgspec.Struct, forbid_unknown_fields=True):
    """Bounds on the moment a desk says it scanned a pass (`scanned_at`)."""

    # How long a desk may stay offline: a synced scan older than this is refused.
    offline_window_hours: PositiveInt = 72
    # How far ahead of the server a desk's clock may run.
    max_clock_skew_seconds: NonNegativeInt = 300


class PrivacyRules(msgspec.Struct, forbid_unknown_fields=True):
    """Retention, enforced by `tbc purge` (run it daily)."""

    # Photos still unreviewed after this many days are deleted and their proof closed.
    photo_retention_days: PositiveInt = 30
    # A visitor's e-mail is kept this many days after their pass expired.
    email_retention_days: NonNegativeInt = 30
    # Scan answers kept for replays by offline scanners (and alerts about scanners).
    scan_retention_days: PositiveInt = 90
    # Bike rides' shapes and review photos' perceptual hashes are kept this long to
    # refuse the same ride or photo sent again in another form.
    reuse_window_days: PositiveInt = 180
    # The audit trail (who revoked, reviewed, rotated keys, changed accounts) is kept
    # this long, then deleted: long enough to answer for a decision, not forever.
    audit_retention_days: PositiveInt = 365


class ReportRules(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """The OT reports. A season starts every year on `season_start` ("MM-DD", a Lot day);
    the dashboard's default period is this season to date."""

    season_start: Annotated[str, msgspec.Meta(pattern=r"^[0-9]{2}-[0-9]{2}$")] = "04-01"

    def __post_init__(self) -> None:
        month, day = (int(part) for part in self.season_start.split("-"))
        try:
            date(2001, month, day)  # a common year: no season may start on 29 February
        except ValueError as exc:
            raise ValueError(f"season_start: {self.season_start!r} is not a day of the year") from exc

    @property
    def season_month_day(self) -> tuple[int, int]:
        month, day = (int(part) for part in self.season_start.split("-"))
        return month, day


class OpenDataRules(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """The published uptake file (/open-data): a count from 1 to `min_count` - 1 is left
    empty and flagged, so that no published figure is about fewer than `min_count` passes
    or uses."""

    min_count: Annotated[int, msgspec.Meta(ge=2, le=100)] = 5


class RulesConfig(msgspec.Struct, forbid_unknown_fields=True):
    claims: ClaimRules = msgspec.field(default_factory=ClaimRules)
    passes: PassRules = msgspec.field(default_factory=PassRules)
    sites: SiteDefaults = msgspec.field(default_factory=SiteDefaults)
    rate_limits: RateLimits = msgspec.field(default_factory=RateLimits)
    gpx: GpxRules = msgspec.field(default_factory=GpxRules)
    rail_barcodes: RailBarcodeConfig = msgspec.field(default_factory=RailBarcodeConfig)
    privacy: PrivacyRules = msgspec.field(default_factory=PrivacyRules)
    scans: ScanRules = msgspec.field(default_factory=ScanRules)
    timetables: TimetableRules = msgspec.field(default_factory=TimetableRules)
    reports: ReportRules = msgspec.field(default_factory=ReportRules)
    open_data: OpenDataRules = msgspec.field(default_factory=OpenDataRules)


# --- factors.toml -----------------------------------------------------------


class ModeFactors(msgspec.Struct, forbid_unknown_fields=True):
    train: NonNegativeFloat
    bus: NonNegativeFloat
    bike: NonNegativeFloat
    ebike: NonNegativeFloat


class AssumedTripKm(msgspec.Struct, forbid_unknown_fields=True):
    train: NonNegativeFloat
    bus: NonNegativeFloat
    bike: NonNegativeFloat


class FactorsConfig(msgspec.Struct, forbid_unknown_fields=True):
    source: str
    car_kg_per_vehicle_km: NonNegativeFloat
    car_seats: PositiveInt
    modes: ModeFactors
    assumed_trip_km: AssumedTripKm


# --- demo.toml --------------------------------------------------------------


OfferLabel = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class OfferConfig(msgspec.Struct, forbid_unknown_fields=True):
    # `label` is the French one, shown when the visitor's language has none
    label: OfferLabel
    label_en: OfferLabel | None = None
    label_es: OfferLabel | None = None
    normal_price_eur: NonNegativeFloat | None = None
    reduced_price_eur: NonNegativeFloat | None = None
    conditions: Annotated[str, msgspec.Meta(max_length=1000)] | None = None


class SiteConfig(msgspec.Struct, forbid_unknown_fields=True):
    """A partner site, as `config/demo.toml`, `tbc import-sites` and the sites API write it."""

    id: Identifier
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
    ot: Identifier
    lat: Latitude
    lon: Longitude
    modes: Annotated[list[Mode], msgspec.Meta(min_length=1, max_length=3)]
    offer: OfferConfig
    proof_max_age_days: Annotated[int, msgspec.Meta(ge=0, le=366)] | None = None
    min_confidence: Confidence | None = None
    bookable: bool = False
    booking_required: bool = False
    active: bool = True


class DemoConfig(msgspec.Struct, forbid_unknown_fields=True):
    sites: list[SiteConfig]


# --- the deployment -----------------------------------------------------------


class Config(msgspec.Struct, frozen=True):
    """The operation's rules, read from `config/`."""

    territory: TerritoryConfig
    rules: RulesConfig
    factors: FactorsConfig
    legal: LegalConfig


class Settings(msgspec.Struct, kw_only=True):
    """The deployment: where things are and the secrets. From the environment."""

    config: Config
    config_dir: Path
    data_dir: Path
    # None: an embedded PostgreSQL is started under data_dir
    database_url: str | None = None
    # The deployment secret from which the fingerprint, session and key-encryption
    # keys are derived. None: generated once and kept in data_dir.
    secret_key: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = "http://127.0.0.1:8000"
    pool_min_size: int = 2
    pool_max_size: int = 10
    staff_token_minutes: int = 8 * 60
    # Scanner devices keep their access token this long (disabling a device ends it at once).
    device_token_days: int = 180
    # How stale a process's copy of the signing keys may get (rotations elsewhere).
    keyring_refresh_seconds: float = 30.0
    max_body_bytes: int = 2 * 1024 * 1024
    log_level: str = "INFO"
    # Mail to visitors (their pass, a review's outcome). No host: written as .eml files
    # under data_dir/mail (a demo shows them). STARTTLS unless told otherwise.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "Tarif bas carbone du Lot <no-reply@localhost>"
    smtp_starttls: bool = True
    # How often the outbox is looked at (a claim also wakes its own process's sender).
    mail_poll_seconds: float = 5.0
    # How often a server folds the report events other requests left (service/reports/rollups.py).
    report_fold_seconds: float = 1.0
    # How long a server serves the open-data file it made (it changes once a week, or
    # with a correction): a public download must not cost a query each.
    open_data_cache_seconds: float = 300.0
    # A bearer token that lets a scraper elsewhere read /metrics (else: loopback only).
    metrics_token: str | None = None
    # The map of partner sites: its tiles ({z}, {x}, {y}; https), and whose they are. The
    # Géoplateforme's « Plan IGN v2 » (WMTS, open, no key) unless told otherwise.
    map_tiles_url: str = IGN_PLAN_V2
    map_attribution: str = "© IGN – Géoplateforme"


def _tiles_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc or not all(key in url for key in ("{z}", "{x}", "{y}")):
        raise ConfigError(
            f"environment variable TBC_MAP_TILES_URL: an https URL with {{z}}, {{x}} and {{y}}, got {url!r}"
        )
    return url


def _decode_toml(path: Path, type_: type) -> object:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    try:
        return msgspec.convert(raw, type_)
    except msgspec.ValidationError as exc:
        # msgspec names the field, e.g. "Expected `float`, got `str` - at `$.stops[3].lat`"
        raise ConfigError(f"{path}: {exc}") from exc


def load_config(config_dir: Path) -> Config:
    config = Config(
        territory=_decode_toml(config_dir / "territory.toml", TerritoryConfig),  # type: ignore[arg-type]
        rules=_decode_toml(config_dir / "rules.toml", RulesConfig),  # type: ignore[arg-type]
        factors=_decode_toml(config_dir / "factors.toml", FactorsConfig),  # type: ignore[arg-type]
        legal=_decode_toml(config_dir / "legal.toml", LegalConfig),  # type: ignore[arg-type]
    )
    _check_territory(config.territory, config_dir / "territory.toml")
    return config


def load_demo(config_dir: Path) -> DemoConfig:
    return _decode_toml(config_dir / "demo.toml", DemoConfig)  # type: ignore[return-value]


def _check_territory(territory: TerritoryConfig, path: Path) -> None:
    ot_ids = [ot.id for ot in territory.ots]
    if len(set(ot_ids)) != len(ot_ids):
        raise ConfigError(f"{path}: `$.ots`: duplicate OT id")
    stop_ids = [stop.id for stop in territory.stops]
    if len(set(stop_ids)) != len(stop_ids):
        raise ConfigError(f"{path}: `$.stops`: duplicate stop id")
    for index, stop in enumerate(territory.stops):
        if stop.ot not in ot_ids:
            raise ConfigError(f"{path}: `$.stops[{index}].ot`: unknown OT {stop.ot!r}")
    for code, ot in territory.communes.items():
        if ot not in ot_ids:
            raise ConfigError(f"{path}: `$.communes.{code}`: unknown OT {ot!r}")
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(territory.timezone)
    except Exception as exc:
        raise ConfigError(f"{path}: `$.timezone`: unknown time zone {territory.timezone!r}") from exc


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"environment variable {name}: expected an integer, got {value!r}") from exc


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment; keyword arguments win (the CLI and tests use them)."""
    config_dir = Path(os.environ.get("TBC_CONFIG_DIR") or ROOT / "config")
    data_dir = Path(os.environ.get("TBC_DATA_DIR") or ROOT / "var")
    host = os.environ.get("TBC_HOST") or "127.0.0.1"
    port = _env_int("TBC_PORT", 8000)
    values: dict[str, object] = {
        "config_dir": config_dir,
        "data_dir": data_dir,
        "database_url": os.environ.get("DATABASE_URL") or None,
        "secret_key": os.environ.get("TBC_SECRET_KEY") or None,
        "host": host,
        "port": port,
        "public_url": os.environ.get("TBC_PUBLIC_URL") or f"http://{host}:{port}",
        "pool_min_size": _env_int("TBC_POOL_MIN_SIZE", 2),
        "pool_max_size": _env_int("TBC_POOL_MAX_SIZE", 10),
        "keyring_refresh_seconds": _env_int("TBC_KEYRING_REFRESH_SECONDS", 30),
        "open_data_cache_seconds": _env_int("TBC_OPEN_DATA_CACHE_SECONDS", 300),
        "log_level": os.environ.get("TBC_LOG_LEVEL") or "INFO",
        "smtp_host": os.environ.get("TBC_SMTP_HOST") or None,
        "smtp_port": _env_int("TBC_SMTP_PORT", 587),
        "smtp_user": os.environ.get("TBC_SMTP_USER") or None,
        "smtp_password": os.environ.get("TBC_SMTP_PASSWORD") or None,
        "smtp_from": os.environ.get("TBC_SMTP_FROM") or "Tarif bas carbone du Lot <no-reply@localhost>",
        "metrics_token": os.environ.get("TBC_METRICS_TOKEN") or None,
        "map_tiles_url": _tiles_url(os.environ.get("TBC_MAP_TILES_URL") or IGN_PLAN_V2),
        "map_attribution": os.environ.get("TBC_MAP_ATTRIBUTION") or "© IGN – Géoplateforme",
        "smtp_starttls": (os.environ.get("TBC_SMTP_STARTTLS") or "true").strip().lower() not in ("0", "false", "no"),
    }
    values.update(overrides)
    if "config" not in values:
        values["config"] = load_config(Path(values["config_dir"]))  # type: ignore[arg-type]
    return Settings(**values)  # type: ignore[arg-type]
