"""DOSIPAS (UIC 918.9 dynamic barcodes, U1/U2) and SNCF 2200 barcodes: the
public French samples read as the project they come from reads them, and our
own signed tickets verified, tampered, signed by the wrong key or outside the
key's window. Samples: tests/data/sncf/, listed in docs/PROOFS.md."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from service.core.clock import lot_today
from service.core.errors import Problem
from service.proofs.rail import dosipas, keys, sncf_2200, uic9183
from service.proofs.rail.signatures import SigningKey
from service.proofs.rail.verify import read_ticket
from service.settings import RailBarcodeConfig
from tests import rail_factory as factory
from tests.rail_factory import key_ring, verify

SAMPLES = Path(__file__).with_name("data") / "sncf"
TODAY = lot_today()
ISSUED = datetime.combine(TODAY - timedelta(days=1), datetime.min.time()).replace(hour=18, minute=5)

# What KDE Itinerary's tests assert of each sample (autotests/extractordata/sncf/*.json):
# ticket number, issuer, first day and last day of validity, from and to stations.
EXPECTED = {
    "20200301-pass-ok-F-Z.bin": ("0", "1187", "2020-03-01", "2020-03-31", None, None),
    "20210120-plein-tarif-U-OD-AS.bin": ("152", "1187", "2021-01-20", "2021-01-20", None, None),
    "20230805-billet-carte-avantage-adulte-ter-U-OD-AR.bin": ("448716", "1187", "2023-08-05", "2023-08-06", None, None),
    "20230901-breizhgo-26-ans-F-Z-LC.bin": ("123456", "1187", "2023-09-01", "2024-08-31", None, None),
    "20240207-Exemple-24H-EMS-2-passagers-CB2D.bin": ("217910", "3703", "2024-02-07", "2024-02-08", None, None),
    "20240207-Exemple-Aeroport-Enthzeim-vers-Strasbourg-6-passagers-CB2D.bin": (
        "217912",
        "3703",
        "2024-02-07",
        "2024-02-07",
        "8721452",
        "8721202",
    ),
    "20240207-Exemple-Aller-simple-valable-uniquement-CTS-CB2D.bin": (
        "217909",
        "3703",
        "2024-02-07",
        "2024-02-07",
        None,
        None,
    ),
    "20240301-trans80-1-trajet-U-Z.bin": ("999999999", "1187", "2024-03-01", "2024-03-01", None, None),
    "20240422-pass-jeunes-ete-F-OD.bin": ("987654321", "1187", "2024-04-22", "2024-04-28", None, None),
    "20241217-ter-ticket.bin": ("123456789", "0087", "2024-12-17", "2024-12-17", "FRAEG", "FRENC"),
    "20250224-ter-zone-pass.bin": ("123456789", "0087", "2025-02-24", "2025-02-25", None, None),
}
# Samples whose level 2 (the app's key, carried in the barcode) signs the barcode.
LEVEL2_SIGNED = {
    "20200301-pass-ok-F-Z.bin",
    "20230805-billet-carte-avantage-adulte-ter-U-OD-AR.bin",
    "20240207-Exemple-24H-EMS-2-passagers-CB2D.bin",
    "20240207-Exemple-Aeroport-Enthzeim-vers-Strasbourg-6-passagers-CB2D.bin",
    "20240207-Exemple-Aller-simple-valable-uniquement-CTS-CB2D.bin",
    "20240422-pass-jeunes-ete-F-OD.bin",
}
# ... and the class (its `seatingType`).
FIRST_CLASS = {"20230805-billet-carte-avantage-adulte-ter-U-OD-AR.bin", "20240301-trans80-1-trajet-U-Z.bin"}
NO_KEYS = keys.KeyRing(())
CONFIG = RailBarcodeConfig()


def _sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_public_french_sample_is_read_with_the_fields_its_project_asserts(name):
    reference, issuer, valid_from, valid_until, origin, destination = EXPECTED[name]
    ticket = read_ticket(_sample(name), key_for=NO_KEYS.key_for, today=TODAY, config=CONFIG)
    assert (ticket.reference, ticket.issuer) == (reference, issuer)
    leg = ticket.legs[0]
    assert leg.travel_date.isoformat() == valid_from
    assert (leg.valid_until or leg.travel_date).isoformat() == valid_until
    assert (leg.origin.code if leg.origin else None, leg.destination.code if leg.destination else None) == (
        origin,
        destination,
    )
    assert leg.travel_class == ("1" if name in FIRST_CLASS else "2")
    # None of these keys is in a public list: read, not verified (plausible at best).
    assert ticket.signed_by is None
    assert ticket.format == ("sncf_2200" if name.startswith(("20241217", "20250224")) else "dosipas")


@pytest.mark.parametrize("name", sorted(LEVEL2_SIGNED))
def test_level_2_signatures_of_the_samples_verify_and_catch_any_altered_byte(name):
    raw = _sample(name)
    barcode = dosipas.read(raw)
    assert barcode.format == "U2" and barcode.level2_signature and barcode.level2_public_key
    dosipas.parse(raw, key_for=NO_KEYS.key_for)  # verifies level 2
    # Any altered bit of the signed part that still decodes is caught by level 2.
    caught_any = 0
    for at in range(8, len(raw) // 2, 7):
        tampered = bytearray(raw)
        tampered[at] ^= 0x04
        try:
            dosipas.read(bytes(tampered))
        except Problem:
            continue
        with pytest.raises(Problem) as caught:
            dosipas.parse(bytes(tampered), key_for=NO_KEYS.key_for)
        assert caught.value.code in ("proof.signature_invalid", "proof.barcode_unreadable"), at
        caught_any += caught.value.code == "proof.signature_invalid"
    assert caught_any > 3


def test_a_sample_whose_issuer_key_is_listed_with_another_key_is_refused():
    """Level 1 is checked when the list has the key: a wrong key cannot pass for SNCF's."""
    impostor = factory.Signer("1187", "90000", ec.generate_private_key(ec.SECP256R1()))
    with pytest.raises(Problem) as caught:
        dosipas.parse(_sample("20210120-plein-tarif-U-OD-AS.bin"), key_for=key_ring(impostor).key_for)
    assert caught.value.code == "proof.signature_invalid"


def test_the_samples_are_specimens_and_say_what_was_read():
    with pytest.raises(Problem) as caught:
        _verify(_sample("20240207-Exemple-Aeroport-Enthzeim-vers-Strasbourg-6-passagers-CB2D.bin"), NO_KEYS)
    assert caught.value.code == "proof.ticket_specimen"
    assert caught.value.params["ticket"] == {"date": "2024-02-07", "from": "8721452", "to": "8721202", "train": None}


# --- our own tickets, signed with keys made in the test run -----------------------


def _verify(raw: bytes, ring: keys.KeyRing, *, persons: int = 1):  # type: ignore[no-untyped-def]
    return verify(raw, ring=ring, persons=persons)


def _ring_valid(signer: factory.Signer, valid_from: str, valid_until: str) -> keys.KeyRing:
    entry = factory.key_entry(signer, valid_from=valid_from, valid_until=valid_until)
    return keys.KeyRing(keys.parse_key_list(factory.key_list_xml(entry), max_bytes=1_000_000).keys)


def _to_cahors(**kwargs) -> dict:  # type: ignore[no-untyped-def]
    return factory.fcb_reservation(ISSUED, TODAY, to_station=factory.CAHORS, train=3611, **kwargs)


RING = key_ring(factory.dosipas_signer(), factory.dosipas_dsa_signer())


@pytest.mark.parametrize("header", ["U1", "U2"])
@pytest.mark.parametrize("signer", [factory.dosipas_signer, factory.dosipas_dsa_signer], ids=["ecdsa", "dsa"])
def test_a_signed_ticket_arriving_at_cahors_today_is_verified(header, signer):
    verdict = _verify(factory.dosipas(signer(), _to_cahors(), header=header), RING, persons=2)
    assert verdict.confidence == "verified" and verdict.arrival_stop_id == "StopArea:OCE87613000"
    assert verdict.arrival_date == TODAY and verdict.persons == 2
    assert verdict.facts["format"] == "dosipas" and verdict.facts["signature_checked"] is True
    assert verdict.facts["train_number"] == "3611" and verdict.facts["signed_by"] == f"1187/{int(signer().key_id)}"


def test_the_same_ticket_as_dosipas_or_918_3_or_typed_is_one_proof():
    as_dosipas = _verify(factory.dosipas(factory.dosipas_signer(), _to_cahors()), RING)
    container = factory.uic9183(factory.ec_signer_v2(), [factory.u_flex(_to_cahors())], version=2)
    as_918_3 = _verify(container, key_ring(factory.ec_signer_v2()))
    assert as_dosipas.fingerprint == as_918_3.fingerprint


def test_tampered_bytes_are_refused_even_with_level_2_signed_again():
    genuine = dosipas.read(factory.dosipas(factory.dosipas_signer(), _to_cahors()))
    # The cheat changes the destination, keeps the issuer's level-1 signature and signs level 2 with a key of theirs.
    forged = factory.dosipas(
        factory.dosipas_signer(),
        factory.fcb_reservation(ISSUED, TODAY, to_station=factory.SOUILLAC, train=3611),
        level1_signature=genuine.level1_signature,
    )
    with pytest.raises(Problem) as caught:
        _verify(forged, RING)
    assert caught.value.code == "proof.signature_invalid"
    # and a byte flipped anywhere in the signed part breaks level 2
    raw = bytearray(factory.dosipas(factory.dosipas_signer(), _to_cahors()))
    raw[20] ^= 0x01
    with pytest.raises(Problem) as caught:
        _verify(bytes(raw), RING)
    assert caught.value.code in ("proof.signature_invalid", "proof.barcode_unreadable")


def test_a_ticket_signed_by_another_key_under_the_listed_id_is_refused():
    impostor = factory.Signer("1187", "00042", ec.generate_private_key(ec.SECP256R1()))
    with pytest.raises(Problem) as caught:
        _verify(factory.dosipas(impostor, _to_cahors()), RING)
    assert caught.value.code == "proof.signature_invalid"


def test_a_key_the_list_lacks_gives_a_plausible_ticket_that_says_so():
    verdict = _verify(factory.dosipas(factory.dosipas_signer(), _to_cahors()), NO_KEYS)
    assert verdict.confidence == "plausible"
    assert verdict.facts["signature_checked"] is False and verdict.facts["timetable_checked"] is False
    assert "signed_by" not in verdict.facts


def test_a_ticket_signed_outside_its_key_window_is_refused_in_both_formats():
    signer = factory.dosipas_signer()
    expired = _ring_valid(signer, "2019-01-01", "2021-12-31")
    with pytest.raises(Problem) as caught:
        _verify(factory.dosipas(signer, _to_cahors()), expired)
    problem = caught.value
    assert problem.code == "proof.key_not_valid"
    assert (problem.params["valid_until"], problem.params["signed_on"]) == ("2021-12-31", ISSUED.date().isoformat())
    assert problem.params["ticket"]["to"] == factory.CAHORS
    # not yet valid, in a 918.3 container
    ec_signer = factory.ec_signer_v2()
    future = _ring_valid(ec_signer, "2099-01-01", "2099-12-31")
    container = factory.uic9183(ec_signer, [factory.u_flex(_to_cahors())], version=2)
    with pytest.raises(Problem) as caught:
        uic9183.parse(container, key_for=future.key_for)
    assert caught.value.code == "proof.key_not_valid"


def test_signing_key_windows_are_inclusive_and_open_ended():
    key = SigningKey(factory.dosipas_signer().public_key, date(2024, 1, 1), date(2024, 12, 31))
    key.check_signed_on(date(2024, 1, 1), "1187", "42")
    key.check_signed_on(date(2024, 12, 31), "1187", "42")
    key.check_signed_on(None, "1187", "42")
    SigningKey(key.key).check_signed_on(date(1999, 1, 1), "1187", "42")
    with pytest.raises(Problem):
        key.check_signed_on(date(2025, 1, 1), "1187", "42")


def test_barcodes_that_are_not_dosipas_or_are_cut_short_are_unreadable():
    assert not dosipas.is_dosipas(b"#UT01") and not dosipas.is_dosipas(b"")
    raw = factory.dosipas(factory.dosipas_signer(), _to_cahors())
    assert dosipas.is_dosipas(raw)
    for cut in (3, 10, len(raw) // 2, len(raw) - 1):
        with pytest.raises(Problem) as caught:
            dosipas.parse(raw[:cut], key_for=RING.key_for)
        assert caught.value.code in ("proof.barcode_unreadable", "proof.signature_invalid"), cut
    # a header without any FCB block
    with pytest.raises(Problem) as caught:
        dosipas.parse(
            factory.dosipas(factory.dosipas_signer(), _to_cahors(), fcb_format="_1187X"), key_for=RING.key_for
        )
    assert caught.value.code == "proof.barcode_unreadable"


def test_sncf_2200_stations_map_to_the_lot_through_the_configuration():
    raw = bytearray(_sample("20241217-ter-ticket.bin"))
    raw[282:287] = b"FRXCA"
    today = date(2024, 12, 17)
    ticket = sncf_2200.parse(bytes(raw), resarail_to_uic={"FRXCA": factory.CAHORS})
    assert ticket.legs[0].destination.code == factory.CAHORS and ticket.signed_by is None
    assert ticket.passengers is None  # the barcode's count is not relied on: the claim rules cap persons
    with pytest.raises(Problem) as caught:
        sncf_2200.parse(b"2200" + b"\x00" * 500, resarail_to_uic={})
    assert caught.value.code == "proof.barcode_unreadable"
    assert today.year == 2024


# --- FCB versions 1.3 and 2 ---------------------------------------------------------

DB_SAMPLES = Path(__file__).with_name("data") / "db"
# KDE Itinerary's expected output for these Deutsche Bahn 918.3 tickets with FCB 1.3:
# booking reference, first and last day of validity, from and to (UIC codes when given).
DB_EXPECTED = {
    "20220422-Muster-918-9-FV_SuperSparpreis.bin": ("NA5AMJY2", "2022-04-22", "2022-04-23"),
    "20221030-Muster-918-9-Normalpreis.bin": ("32BGEJEY", "2022-10-30", "2022-10-31"),
    "20220425-Muster-918-9-Laenderticket-Saarland.bin": ("KYC4RWV5", "2022-04-25", "2022-04-26"),
}


@pytest.mark.parametrize("name", sorted(DB_EXPECTED))
def test_deutsche_bahn_tickets_with_fcb_1_3_are_read(name):
    reference, valid_from, valid_until = DB_EXPECTED[name]
    ticket = read_ticket((DB_SAMPLES / name).read_bytes(), key_for=NO_KEYS.key_for, today=TODAY, config=CONFIG)
    assert (ticket.format, ticket.issuer, ticket.reference) == ("uic9183", "1080", reference)
    assert (ticket.legs[0].travel_date.isoformat(), ticket.legs[0].valid_until.isoformat()) == (valid_from, valid_until)
    assert ticket.signed_by is None and not ticket.specimen  # DB's keys are not imported here


def test_the_uic_reference_fcb_2_sample_decodes_as_the_uic_asserts():
    """UIC-barcode's OpenTestComplexTicketV2 encoding: issuing data as its test sets it."""
    from service.proofs.rail import fcb

    data = bytes.fromhex((Path(__file__).with_name("data") / "uic" / "fcb2-open-ticket-complex.hex").read_text())
    value = fcb.schema("02").decode(fcb.ROOT_TYPE, data)
    issuing = value["issuingDetail"]
    assert (issuing["issuingYear"], issuing["issuingDay"], issuing["issuerPNR"], issuing["specimen"]) == (
        2018,
        1,
        "issuerTestPNR",
        True,
    )
    assert [document["ticket"][0] for document in value["transportDocument"]] == ["openTicket", "stationPassage"]
    # a station passage is a kind we do not read: refused rather than guessed past
    with pytest.raises(Problem) as caught:
        fcb.decode(data, "02")
    assert caught.value.code == "proof.barcode_unreadable"


@pytest.mark.parametrize("fcb_format", ["FCB1", "FCB2", "FCB3"])
def test_dosipas_carries_each_fcb_version(fcb_format):
    verdict = _verify(factory.dosipas(factory.dosipas_signer(), _to_cahors(), fcb_format=fcb_format), RING)
    assert verdict.confidence == "verified" and verdict.arrival_stop_id == "StopArea:OCE87613000"
    assert verdict.facts["train_number"] == "3611"


def test_dosipas_and_2200_barcodes_are_read_from_a_photo_of_the_ticket():
    from service.proofs.rail import barcode_image

    raw = factory.dosipas(factory.dosipas_signer(), _to_cahors())
    assert barcode_image.read_ticket_barcode(factory.photo_png(raw), CONFIG) == raw
    sample = _sample("20241217-ter-ticket.bin")
    assert barcode_image.read_ticket_barcode(factory.photo_png(sample), CONFIG) == sample


def test_mangled_dosipas_barcodes_only_ever_give_a_refusal():
    """Truncations and flipped bits of real and generated barcodes: a ticket or a Problem, nothing else."""
    import random

    rng = random.Random(918_9)
    seeds = [
        factory.dosipas(factory.dosipas_signer(), _to_cahors()),
        *(_sample(name) for name in sorted(LEVEL2_SIGNED)),
    ]
    for _ in range(1500):
        raw = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 4)):
            raw[rng.randrange(3, len(raw))] ^= 1 << rng.randrange(8)
        raw = raw[: rng.randint(3, len(raw))] if rng.random() < 0.3 else raw
        try:
            read_ticket(bytes(raw), key_for=RING.key_for, today=TODAY, config=CONFIG)
        except Problem:
            pass
