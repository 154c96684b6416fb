"""Rail ticket barcodes as arrival proofs: UIC 918.3 (v1/v2, U_HEAD, U_TLAY,
0080BL, U_FLEX/FCB), SNCF i0CV, read from raw bytes, photos and PDFs, checked
against a UIC key list imported through the CLI. Keys are made in the test run."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import date, datetime, timedelta

import pytest
import zxingcpp
from cryptography.hazmat.primitives.asymmetric import dsa
from PIL import Image

from service.core.errors import Problem
from service.proofs.fingerprint import ticket_fingerprint
from service.proofs.rail import barcode_image, fcb, keys, repository, sncf_cv, uic9183
from service.proofs.rail.verify import verify_rail_barcode
from service.settings import ROOT, RailBarcodeConfig
from tests import rail_factory as factory
from tests.rail_factory import CONFIG, FINGERPRINT_KEY, RULES, TODAY, key_ring, verify

ISSUED = datetime.combine(TODAY - timedelta(days=3), datetime.min.time()).replace(hour=9, minute=30)

RING = factory.default_ring()


def refusal(raw: bytes, **kwargs) -> Problem:  # type: ignore[no-untyped-def]
    with pytest.raises(Problem) as caught:
        verify(raw, **kwargs)
    return caught.value


def v1_rct2_ticket(travel: date = TODAY, destination: str = "Cahors") -> bytes:
    return factory.uic9183(
        factory.dsa_signer_v1(),
        [
            factory.u_head("1080", "ABC12345", ISSUED),
            factory.u_tlay_rct2(factory.rct2_itinerary(travel, "Paris Austerlitz", destination)),
        ],
        version=1,
    )


def v1_db_ticket(travel: date = TODAY, persons: int = 3) -> bytes:
    return factory.uic9183(
        factory.dsa_signer_v1(),
        [
            factory.u_head("1080", "XYZ98765", ISSUED),
            factory.db_0080bl(
                travel, travel + timedelta(days=1), origin="8000105", destination=factory.FIGEAC, persons=persons
            ),
        ],
        version=1,
    )


def v2_open_ticket(travel: date = TODAY, to_station: str = factory.CAHORS, passengers: int = 2) -> bytes:
    return factory.uic9183(
        factory.dsa_signer_v2(),
        [
            factory.u_head("1187", "QX7RTA", ISSUED),
            factory.u_flex(factory.fcb_open_ticket(ISSUED, travel, to_station=to_station, passengers=passengers)),
        ],
        version=2,
    )


def v2_ec_reservation(travel: date = TODAY, **kwargs) -> bytes:  # type: ignore[no-untyped-def]
    issued = min(ISSUED, datetime.combine(travel, ISSUED.time()) - timedelta(days=2))
    return factory.uic9183(
        factory.ec_signer_v2(),
        [
            factory.u_head("1187", "QX7RTA", issued),
            factory.u_flex(factory.fcb_reservation(issued, travel, to_station=factory.SOUILLAC, **kwargs)),
        ],
        version=2,
    )


def i0cv_ticket(travel: date = TODAY, destination: str = "FRXCA") -> bytes:
    return factory.sncf_cv(pnr="QX7RTA", travel=travel, origin="FRPAZ", destination=destination, train=3611)


# --- a good ticket, in each format ------------------------------------------------


def test_v1_dsa_sha1_with_rct2_layout_is_verified():
    verdict = verify(v1_rct2_ticket())
    assert verdict.confidence == "verified"
    assert verdict.arrival_stop_id == "StopArea:OCE87613000" and verdict.ot_id == "cahors"
    assert verdict.arrival_date == TODAY
    assert verdict.facts["signed_by"] == "1080/00007" and verdict.facts["format"] == "uic9183"


def test_v1_with_deutsche_bahn_record_gives_dates_stations_and_persons():
    verdict = verify(v1_db_ticket(persons=3), persons=3)
    assert verdict.confidence == "verified" and verdict.arrival_stop_id == "StopArea:OCE87613091"
    assert verdict.facts["valid_until"] == (TODAY + timedelta(days=1)).isoformat()
    assert refusal(v1_db_ticket(persons=3), persons=4).code == "proof.too_many_persons"


def test_v2_dsa_sha256_with_fcb_open_ticket_is_verified():
    verdict = verify(v2_open_ticket(), persons=2)
    assert verdict.confidence == "verified" and verdict.arrival_stop_id == "StopArea:OCE87613000"
    assert verdict.facts["passengers_on_ticket"] == 2 and verdict.facts["arrival_station"] == factory.CAHORS


def test_v2_ecdsa_with_fcb_reservation_is_verified_with_its_train():
    verdict = verify(v2_ec_reservation(), persons=2)
    assert verdict.confidence == "verified" and verdict.arrival_stop_id == "StopArea:OCE87594333"
    assert verdict.facts["train_number"] == "3611"


def test_sncf_i0cv_is_plausible_and_asks_for_the_timetable():
    verdict = verify(i0cv_ticket(), persons=4)
    assert verdict.confidence == "plausible"
    assert verdict.arrival_stop_id == "StopArea:OCE87613000"
    assert verdict.facts == {
        "format": "sncf_cv",
        "issuer": "1187",
        "arrival_station": factory.CAHORS,
        "travel_date": TODAY.isoformat(),
        "passengers_on_ticket": None,
        "train_number": "3611",
        "timetable_checked": False,
    }


def test_i0cv_second_leg_arriving_in_the_lot_is_the_arrival():
    raw = factory.sncf_cv(
        pnr="QX7RTA",
        travel=TODAY,
        origin="FRPAZ",
        destination="FRBVE",
        train=3601,
        second_leg=("FRBVE", "FRXSL", 61234),
    )
    verdict = verify(raw)
    assert verdict.arrival_stop_id == "StopArea:OCE87594333" and verdict.facts["train_number"] == "61234"


@pytest.mark.parametrize("barcode_format", [zxingcpp.BarcodeFormat.Aztec, zxingcpp.BarcodeFormat.QRCode])
def test_a_photo_of_the_ticket_reads_back_the_binary_barcode(barcode_format):
    raw = v2_open_ticket()
    assert barcode_image.read_ticket_barcode(factory.photo_png(raw, barcode_format), CONFIG) == raw
    assert (
        verify(barcode_image.read_ticket_barcode(factory.photo_png(raw, barcode_format), CONFIG)).confidence
        == "verified"
    )


@pytest.mark.parametrize("make", [v1_rct2_ticket, i0cv_ticket])
def test_a_pdf_ticket_reads_back_its_pdf417_barcode(make):
    raw = make()
    assert barcode_image.read_ticket_barcode(factory.ticket_pdf(raw), CONFIG) == raw


def test_same_ticket_as_declared_trip_gives_the_same_fingerprint():
    expected = ticket_fingerprint(FINGERPRINT_KEY, "qx7-rta", TODAY.isoformat())
    assert verify(v2_open_ticket(), persons=2).fingerprint == expected
    assert verify(i0cv_ticket()).fingerprint == expected
    # presented later, an open ticket keeps its fingerprint
    later = verify(v2_open_ticket(), persons=2, today=TODAY + timedelta(days=2))
    assert later.fingerprint == expected


# --- refusals ------------------------------------------------------------------------


def test_a_flipped_byte_breaks_the_signature():
    for raw in (v1_rct2_ticket(), v2_open_ticket(), v2_ec_reservation()):
        tampered = bytearray(raw)
        tampered[-5] ^= 0x01
        assert refusal(bytes(tampered)).code == "proof.signature_invalid"


def test_a_ticket_signed_with_an_unknown_key_is_only_plausible():
    """Read but not verifiable (SNCF's TER keys are not in the UIC list): plausible, and it says so."""
    stranger = factory.Signer("1187", "00099", factory.dsa_signer_v2().private_key)
    flex = factory.u_flex(factory.fcb_open_ticket(ISSUED, TODAY, to_station=factory.CAHORS, passengers=2))
    raw = factory.uic9183(stranger, [factory.u_head("1187", "QX7RTA", ISSUED), flex], version=2)
    verdict = verify(raw)
    assert verdict.confidence == "plausible" and verdict.arrival_stop_id == "StopArea:OCE87613000"
    assert verdict.facts["signature_checked"] is False and verdict.facts["timetable_checked"] is False
    assert "signed_by" not in verdict.facts
    # the right key id, but a key of another issuer: the same
    assert verify(v2_open_ticket(), ring=key_ring(factory.dsa_signer_v1())).confidence == "plausible"
    # and a verified one says it was checked
    assert verify(v2_open_ticket()).facts["signature_checked"] is True


def test_a_signature_by_another_key_under_a_known_id_is_invalid():
    impostor = factory.Signer("1187", "00002", dsa.generate_private_key(2048))
    raw = factory.uic9183(
        impostor, [factory.u_flex(factory.fcb_open_ticket(ISSUED, TODAY, to_station=factory.CAHORS))], version=2
    )
    assert refusal(raw).code == "proof.signature_invalid"


def test_a_ticket_to_a_station_outside_the_lot_is_refused():
    assert refusal(v2_open_ticket(to_station=factory.PARIS_AUSTERLITZ)).code == "proof.stop_outside_lot"
    assert refusal(v1_rct2_ticket(destination="Toulouse Matabiau")).code == "proof.stop_outside_lot"
    assert refusal(i0cv_ticket(destination="FRTLS")).code == "proof.stop_outside_lot"


def test_a_gateway_station_counts():
    verdict = verify(v2_open_ticket(to_station="8759400"), persons=2)
    assert verdict.arrival_stop_id == "StopArea:OCE87594002"


def test_an_old_ticket_is_refused():
    old = TODAY - timedelta(days=RULES.max_proof_age_days + 5)
    assert refusal(v2_ec_reservation(old)).code == "proof.too_old"
    assert refusal(i0cv_ticket(TODAY - timedelta(days=45))).code == "proof.too_old"


def test_passengers_on_the_ticket_cap_persons():
    assert verify(v2_open_ticket(passengers=2), persons=2).persons == 2
    problem = refusal(v2_open_ticket(passengers=2), persons=3)
    assert problem.code == "proof.too_many_persons" and problem.params["max"] == 2
    # what was read is in the refusal, so the visitor sees why
    assert problem.params["ticket"] == {
        "date": TODAY.isoformat(),
        "from": factory.PARIS_AUSTERLITZ,
        "to": factory.CAHORS,
        "train": None,
    }
    # travellers are counted when no tariff says how many
    assert refusal(v2_ec_reservation(travellers=1), persons=2).code == "proof.too_many_persons"


def test_a_specimen_is_refused():
    raw = factory.uic9183(
        factory.ec_signer_v2(),
        [
            factory.u_flex(factory.fcb_reservation(ISSUED, TODAY, to_station=factory.CAHORS, specimen=True)),
        ],
        version=2,
    )
    assert refusal(raw).code == "proof.ticket_specimen"


def test_unreadable_contents_are_refused():
    for raw in (b"hello", b"#UT03" + b"0" * 100, v2_open_ticket()[:90], b"i0CV" + b" " * 10):
        assert refusal(raw).code == "proof.barcode_unreadable", raw[:20]
    signed_but_empty = factory.uic9183(factory.dsa_signer_v2(), [b"not records at all"], version=2)
    assert refusal(signed_but_empty).code == "proof.ticket_incomplete"


def test_an_inflation_bomb_is_refused_before_it_is_inflated():
    signer = factory.dsa_signer_v2()
    raw = factory.uic9183(signer, [factory.record("U_TLAY", "01", b"RCT20000" + b" " * 5_000_000)], version=2)
    problem = refusal(raw)
    assert problem.code == "proof.barcode_unreadable" and "inflate" in problem.params["reason"]


def test_fcb_of_another_version_or_unread_kind_is_unreadable():
    with pytest.raises(Problem) as caught:
        fcb.decode(b"\x00", "99")
    assert caught.value.code == "proof.barcode_unreadable"
    value = factory.fcb_open_ticket(ISSUED, TODAY, to_station=factory.CAHORS)
    value["transportDocument"] = [{"ticket": ("voucher", None)}]
    with pytest.raises(Problem):
        fcb.decode(fcb.encode(value))


def test_an_fcb_version_not_read_falls_back_on_the_layout():
    records = [factory.u_head("1080", "ABC12345", ISSUED), factory.record("U_FLEX", "99", b"\x01\x02\x03")]
    with_layout = records + [factory.u_tlay_rct2(factory.rct2_itinerary(TODAY, "Paris Austerlitz", "Cahors"))]
    verdict = verify(factory.uic9183(factory.dsa_signer_v1(), with_layout, version=1))
    assert verdict.confidence == "verified" and verdict.arrival_stop_id == "StopArea:OCE87613000"
    problem = refusal(factory.uic9183(factory.dsa_signer_v1(), records, version=1))
    assert problem.code == "proof.barcode_unreadable" and "'99'" in problem.params["reason"]


def test_i0cv_offsets():
    ticket = sncf_cv.parse(i0cv_ticket(), today=TODAY, resarail_to_uic={})
    assert ticket.reference == "QX7RTA" and ticket.passengers is None and len(ticket.legs) == 1
    leg = ticket.legs[0]
    assert (leg.origin.code, leg.destination.code, leg.train_number, leg.travel_date) == (
        "FRPAZ",
        "FRXCA",
        "3611",
        TODAY,
    )
    # a date without year is put in the year closest to today
    new_year = sncf_cv.parse(
        factory.sncf_cv(pnr="QX7RTA", travel=date(2026, 12, 30), origin="FRPAZ", destination="FRXCA", train=1),
        today=date(2027, 1, 2),
        resarail_to_uic={},
    )
    assert new_year.legs[0].travel_date == date(2026, 12, 30)


# --- uploads ------------------------------------------------------------------------


def test_uploads_are_capped_and_typed():
    small = RailBarcodeConfig(max_upload_bytes=2048, max_image_pixels=10_000)
    assert _read_problem(b"\x89PNG\r\n\x1a\n" + b"0" * 4096, small).code == "proof.upload_too_large"
    assert (
        _read_problem(factory.photo_png(i0cv_ticket()), RailBarcodeConfig(max_image_pixels=10_000)).code
        == "proof.upload_too_large"
    )
    assert _read_problem(b"GIF89a....", CONFIG).code == "proof.upload_unsupported"
    assert _read_problem(b"\x89PNG\r\n\x1a\nbroken", CONFIG).code == "proof.upload_unsupported"
    assert _read_problem(b"%PDF-1.4 broken", CONFIG).code == "proof.upload_unsupported"


@pytest.mark.parametrize("kind", ["PNG", "PDF"])
def test_a_picture_without_barcode_says_so(kind):
    buffer = io.BytesIO()
    Image.new("RGB", (600, 800), "white").save(buffer, kind)
    assert _read_problem(buffer.getvalue(), CONFIG).code == "proof.barcode_not_found"


def _read_problem(upload: bytes, limits: RailBarcodeConfig) -> Problem:
    with pytest.raises(Problem) as caught:
        barcode_image.read_ticket_barcode(upload, limits)
    return caught.value


# --- the key list ---------------------------------------------------------------------


def test_key_list_parsing_normalises_and_skips_forged_or_broken_keys():
    v1, v2 = factory.dsa_signer_v1(), factory.dsa_signer_v2()
    broken = factory.key_entry(factory.ec_signer_v2()).replace("<publicKey>", "<publicKey>!!")
    listing = keys.parse_key_list(
        factory.key_list_xml(factory.key_entry(v1, version=1), factory.key_entry(v2, forged=True), broken),
        max_bytes=1_000_000,
    )
    assert [(k.issuer_code, k.key_id) for k in listing.keys] == [("1080", "7")]
    assert listing.keys[0].valid_until == date(2030, 12, 31) and listing.keys[0].allowed_product_owners == (1080,)
    assert len(listing.skipped) == 2
    ring = keys.KeyRing(listing.keys)
    assert ring.key_for("1080", "00007") is not None and ring.key_for("1187", "00002") is None
    assert keys.normalise_code("0080") == "80" and keys.normalise_code("am013") == "AM013"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE keys [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<keys><key><issuerCode>&d;</issuerCode></key></keys>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE keys [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<keys><key><issuerCode>1080</issuerCode><id>1</id><publicKey>&secret;</publicKey></key></keys>"""


@pytest.mark.parametrize("document", [BILLION_LAUGHS, XXE, b"<keys><key>", b"<other/>"])
def test_hostile_or_broken_key_lists_are_refused(document):
    with pytest.raises(keys.KeyListError):
        keys.parse_key_list(document, max_bytes=1_000_000)


# --- through the CLI and the database --------------------------------------------------


def _import_keys(settings, tmp_path, name: str, document: bytes) -> subprocess.CompletedProcess:  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_bytes(document)
    env = {k: v for k, v in os.environ.items() if k not in ("TBC_CONFIG_DIR",)}
    env.update(
        DATABASE_URL=settings.database_url, TBC_SECRET_KEY=settings.secret_key, TBC_DATA_DIR=str(tmp_path / "var")
    )
    return subprocess.run(
        [sys.executable, "-m", "service", "import-uic-keys", str(path)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_import_uic_keys_through_the_cli_replaces_the_list_and_refuses_hostile_files(settings, conn, tmp_path):
    v1, v2, ec_signer = factory.dsa_signer_v1(), factory.dsa_signer_v2(), factory.ec_signer_v2()
    first = _import_keys(
        settings,
        tmp_path,
        "keys.xml",
        factory.key_list_xml(
            factory.key_entry(v1, version=1),
            factory.key_entry(v2),
            factory.key_entry(ec_signer, as_certificate=False),
            factory.key_entry(factory.Signer("1088", "00001", v1.private_key), forged=True),
        ),
    )
    assert first.returncode == 0, first.stderr
    assert "imported 3 UIC public keys (1 skipped)" in first.stdout
    ring = await repository.load_key_ring(conn)
    assert len(ring) == 3
    stations = await repository.station_index(conn)
    verdict = verify_rail_barcode(
        v2_open_ticket(),
        key_for=ring.key_for,
        today=TODAY,
        rules=RULES,
        persons=2,
        fingerprint_key=FINGERPRINT_KEY,
        station_in_lot=stations,
        config=CONFIG,
    )
    assert verdict.confidence == "verified" and verdict.arrival_stop_id == "StopArea:OCE87613000"

    for name, hostile in (("laughs.xml", BILLION_LAUGHS), ("xxe.xml", XXE), ("empty.xml", b"<keys/>")):
        refused = _import_keys(settings, tmp_path, name, hostile)
        assert refused.returncode == 2 and "error:" in refused.stderr, (name, refused.stdout, refused.stderr)
    assert len(await repository.load_key_ring(conn)) == 3, "a refused file leaves the list as it was"

    second = _import_keys(settings, tmp_path, "keys2.xml", factory.key_list_xml(factory.key_entry(v1, version=1)))
    assert second.returncode == 0, second.stderr
    ring = await repository.load_key_ring(conn)
    assert len(ring) == 1 and ring.key_for("1187", "00002") is None
    assert uic9183.parse(v2_open_ticket(), key_for=ring.key_for).signed_by is None
