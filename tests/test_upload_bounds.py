"""Uploads cannot stall or swell the server (issue 15, rows 4 and 5): images are refused
from their header past 16 MP, decoded and re-encoded off the event loop a few at a time,
PDF pages rendered no larger than the barcode reader needs, and nothing of a photo's
metadata reaches the reviewer."""

from __future__ import annotations

import asyncio
import io
import json
import time

import pytest
import zxingcpp
from PIL import Image, ImageCms

from service.core.clock import local_date
from service.proofs.rail import barcode_image
from service.settings import RailBarcodeConfig
from tests.helpers import staff_headers
from tests.photo_factory import ticket_photo

STOP = "StopArea:OCE87613042"  # a Dordogne stop: its OT reviews the proof


def _manual_form(settings) -> dict[str, str]:
    evidence = {"date": local_date(settings).isoformat(), "arrival_stop_id": STOP}
    return {"mode": "train", "method": "manual", "persons": "1", "evidence": json.dumps(evidence)}


def _huge_png(side: int = 6300) -> bytes:
    out = io.BytesIO()
    Image.new("L", (side, side), 255).save(out, format="PNG", optimize=True)
    return out.getvalue()


def _peak_rss_reset() -> None:
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")  # resets VmHWM, the peak resident size


def _peak_rss_mb() -> float:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


async def _while_probing(client, work) -> tuple[list, float]:
    """Run `work` while /health/live is asked every 50 ms; (work's answers, the longest a
    probe waited beyond its 50 ms, in s: the app shares the test's event loop, so a stall
    of the loop anywhere shows here)."""
    slowest = 0.0
    done = asyncio.Event()

    async def probe() -> None:
        nonlocal slowest
        while not done.is_set():
            started = time.perf_counter()
            await asyncio.sleep(0.05)
            assert (await client.get("/health/live")).status_code == 200
            slowest = max(slowest, time.perf_counter() - started - 0.05)

    prober = asyncio.create_task(probe())
    try:
        answers = await work
    finally:
        done.set()
        await prober
    return answers, slowest


async def test_huge_pngs_at_once_are_refused_from_their_header_without_stalling(client, settings):
    png = _huge_png()
    assert len(png) < 100_000  # 39.7 MP in a few tens of kB
    manual = [
        client.post("/api/v1/claims", data=_manual_form(settings), files={"file": ("t.png", png, "image/png")})
        for _ in range(6)
    ]
    rail = [
        client.post(
            "/api/v1/claims",
            data={"mode": "train", "method": "rail_barcode", "persons": "1", "evidence": "{}"},
            files={"file": ("t.png", png, "image/png")},
        )
        for _ in range(6)
    ]
    answers, slowest = await _while_probing(client, asyncio.gather(*manual, *rail))
    assert [a.json()["code"] for a in answers] == ["proof.photo_too_large"] * 6 + ["proof.upload_too_large"] * 6
    assert slowest < 0.4, slowest


async def test_phone_sized_photos_decode_off_the_event_loop_a_few_at_a_time(client, settings):
    photos = [ticket_photo(f"bounds-{n}-{time.time_ns()}", size=(4000, 3000), format="PNG") for n in range(6)]
    _peak_rss_reset()
    before = _rss_mb()
    work = asyncio.gather(
        *(
            client.post("/api/v1/claims", data=_manual_form(settings), files={"file": ("t.png", p, "image/png")})
            for p in photos
        )
    )
    answers, slowest = await _while_probing(client, work)
    assert [a.status_code for a in answers] == [202] * 6, [a.text for a in answers]
    assert slowest < 0.4, slowest
    # two decodes at a time: 12 MP in RGB is 36 MB, a few copies each; six at once would be far more
    assert _peak_rss_mb() - before < 450, (before, _peak_rss_mb())


def test_a_pdf_page_declared_huge_is_rendered_at_the_size_the_reader_needs(monkeypatch):
    pdf = (
        b"%PDF-1.1\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 14400 14400]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    assert len(pdf) < 300
    rendered: list[int] = []
    real = zxingcpp.read_barcodes

    def read(image, **kwargs):
        rendered.append(image.width * image.height)
        return real(image, **kwargs)

    monkeypatch.setattr(zxingcpp, "read_barcodes", read)
    limits = RailBarcodeConfig()
    with pytest.raises(Exception) as refused:
        barcode_image.read_ticket_barcode(pdf, limits)
    assert getattr(refused.value, "code", None) == "proof.barcode_not_found"
    assert rendered and max(rendered) <= limits.pdf_max_render_pixels


def _jpeg_with_everything() -> bytes:
    image = Image.open(io.BytesIO(ticket_photo("metadata-carrier")))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {2: (44.0, 26.0, 50.0), 4: (1.0, 26.0, 30.0)}  # GPS latitude and longitude
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><dc:creator>Jane Doe</dc:creator></x:xmpmeta>'
    out = io.BytesIO()
    image.save(out, format="JPEG", comment=b"owner: Jane Doe, +33 6 12 34 56 78", exif=exif, icc_profile=icc, xmp=xmp)
    return out.getvalue()


async def test_no_metadata_of_a_photo_reaches_the_reviewer(client, settings):
    photo = _jpeg_with_everything()
    assert b"Jane Doe" in photo and b"ICC_PROFILE" in photo and b"Exif" in photo
    sent = await client.post(
        "/api/v1/claims", data=_manual_form(settings), files={"file": ("t.jpg", photo, "image/jpeg")}
    )
    assert sent.status_code == 202, sent.text
    review_id = sent.json()["review"]["id"]
    served = await client.get(
        f"/api/v1/review/proofs/{review_id}/photo", headers=await staff_headers(client, "demo-ot-dordogne")
    )
    assert served.status_code == 200
    assert served.headers["x-content-type-options"] == "nosniff"
    kept = served.content
    for trace in (b"Jane Doe", b"+33 6", b"ICC_PROFILE", b"Exif", b"adobe:ns:meta", b"PhoneMaker"):
        assert trace not in kept, trace
    with Image.open(io.BytesIO(kept)) as image:
        assert not {"comment", "exif", "icc_profile", "xmp"} & set(image.info), image.info
        assert image.size[0] > 0
