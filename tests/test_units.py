"""Pure logic: codes, CO2, languages, configuration."""

from __future__ import annotations

import os
import re
import shutil

import pytest

from service.core.i18n import negotiate
from service.pages import claim_form
from service.passes import codes
from service.reports import co2
from service.settings import ROOT, ConfigError, load_config
from tests.helpers import refusal_statuses


def test_codes_round_trip_and_catch_typos():
    for _ in range(200):
        code = codes.new_code()
        assert codes.normalise(code) == code
        assert codes.normalise(codes.display(code).lower()) == code
        for position in range(codes.LENGTH):
            for symbol in codes.ALPHABET:
                if symbol != code[position]:
                    typo = code[:position] + symbol + code[position + 1 :]
                    assert codes.normalise(typo) is None
    assert codes.normalise("0OIL1") is None and codes.normalise("") is None


def test_co2_avoided_against_the_car():
    factors = load_config(ROOT / "config").factors
    # two persons, 100 km by train: one car avoided (14.2 kg) minus 2 × 100 × 0.0277 kg
    assert co2.avoided_kg("train", 2, 100.0, factors) == pytest.approx(14.2 - 5.54)
    # five persons need two cars
    assert co2.avoided_kg("bus", 5, 10.0, factors) == pytest.approx(2 * 1.42 - 5 * 0.376)
    # unknown distance: the configured assumption
    assert co2.avoided_kg("bike", 1, None, factors) == pytest.approx(factors.assumed_trip_km.bike * (0.142 - 0.00017))
    # never negative, even for a crowded coach on a short trip
    assert co2.avoided_kg("bus", 4, 1.0, factors) >= 0


def test_language_negotiation():
    assert negotiate(None, None) == "fr"  # no preference at all: French
    assert negotiate("es", "fr", accept_language="en") == "es"  # the body's lang first
    assert negotiate(None, "es", accept_language="en") == "es"  # then ?lang=
    assert negotiate("de", "es") == "en"  # a stated, unsupported choice: English
    assert negotiate(None, accept_language="de-DE,en;q=0.8,fr;q=0.5") == "en"
    assert negotiate(None, accept_language="fr;q=0.3, es-ES;q=0.9") == "es"
    assert negotiate(None, accept_language="de, it") == "en"
    assert negotiate(None, accept_language="en;q=bad, es") == "es"
    assert negotiate(" ", accept_language="") == "fr"


@pytest.mark.parametrize(
    ("file", "old", "new", "field"),
    [
        ("territory.toml", "lat = 44.4492", 'lat = "north"', "$.stops[0].lat"),
        (
            "territory.toml",
            'ot = "cahors"\n\n[[stops]]\nid = "StopArea:OCE87594333"',
            'ot = "mars"\n\n[[stops]]\nid = "StopArea:OCE87594333"',
            "$.stops[0].ot",
        ),
        ("rules.toml", "max_persons = 6", "max_persons = 0", "$.claims.max_persons"),
        ("factors.toml", "car_seats = 4", "car_seats = 4\ncar_colour = 1", "car_colour"),
        ("territory.toml", 'timezone = "Europe/Paris"', 'timezone = "Europe/Cahors"', "$.timezone"),
    ],
)
def test_a_wrong_config_names_the_field(tmp_path, file, old, new, field):
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    text = (config / file).read_text()
    assert old in text
    (config / file).write_text(text.replace(old, new, 1))
    with pytest.raises(ConfigError, match=file) as error:
        load_config(config)
    assert field in str(error.value)


def test_every_code_has_one_status():
    """One code, one status: the registry, every Problem(status, "code") and the HTTP fallbacks agree."""
    from service.core.errors import _HTTP_CODES

    STATUS = refusal_statuses()
    seen: dict[str, set[int]] = {}
    for path in (ROOT / "service").rglob("*.py"):
        text = path.read_text()
        for status, code in re.findall(
            r'(?:Problem|problem_response)\(\s*(?:request,\s*)?(\d{3}),\s*"([a-z_.]+)"', text
        ):
            seen.setdefault(code, set()).add(int(status))
    for status, code in _HTTP_CODES.items():
        seen.setdefault(code, set()).add(status)
    assert len(seen) > 60
    wrong = {code: statuses for code, statuses in seen.items() if statuses != {STATUS.get(code)}}
    assert not wrong, wrong


def test_the_claim_forms_summary_follows_the_forms_order():
    form = claim_form.FormState()
    form.refuse("email", "e-mail")
    form.refuse("persons", "persons")
    form.refuse("stop", "stop")
    form.refuse(None, "the file")
    form.refuse("mode", "mode")
    assert [name for name, _ in form.summary] == [None, "mode", "stop", "persons", "email"]
    # the page shows its fields in that order: tests/test_visitor_pages.py


def test_a_pass_is_judged_at_the_scans_moment_and_against_the_desks_revocation_list():
    from datetime import UTC, datetime, timedelta

    from service.core.errors import Problem
    from service.redemptions.service import check_pass_at, persons_to_admit

    scanned = datetime(2026, 7, 14, 10, tzinfo=UTC)
    valid = {"valid_from": scanned - timedelta(days=1), "valid_until": scanned + timedelta(days=6), "revoked_at": None}
    assert check_pass_at(valid, scanned, None) is False
    revoked_later = {**valid, "revoked_at": scanned + timedelta(hours=1)}
    # revoked after the offline scan, the desk not knowing it: accepted, and told
    assert check_pass_at(revoked_later, scanned, None) is True
    assert check_pass_at(revoked_later, scanned, scanned - timedelta(hours=1)) is True
    for pass_row, moment, known_at, code in (
        (revoked_later, scanned, scanned + timedelta(hours=2), "pass.revoked"),  # the desk could have known
        ({**valid, "revoked_at": scanned}, scanned, None, "pass.revoked"),
        (valid, valid["valid_until"], None, "pass.expired"),
        (valid, valid["valid_from"] - timedelta(seconds=1), None, "pass.not_yet_valid"),
    ):
        with pytest.raises(Problem) as refused:
            check_pass_at(pass_row, moment, known_at)
        assert refused.value.code == code
    assert [persons_to_admit(None, 4, before) for before in (0, 2, 4)] == [4, 2, 1]
    assert persons_to_admit(3, 4, 0) == 3
    with pytest.raises(Problem) as refused:
        persons_to_admit(5, 4, 0)
    assert refused.value.code == "redemption.too_many_persons"


def test_the_load_bench_reads_wrks_report():
    from bench.http_load import parse_wrk

    report = """Running 8s test @ http://127.0.0.1:40123/health/live
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    18.90ms    3.10ms    1.20s    80.00%
    Req/Sec   843.20     50.00     1.00k    70.00%
  Latency Distribution
     50%  850.00us
     75%   20.10ms
     90%   22.00ms
     99%    1.20s
  13424 requests in 8.00s, 2.10MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 12
Requests/sec:   1678.05
Transfer/sec:    268.00KB
"""
    measure = parse_wrk(report)
    assert (measure.rps, measure.p50_ms, measure.p99_ms) == (1678.05, 0.85, 1200.0)
    assert (measure.requests, measure.failed) == (13424, 15)


def test_the_load_bench_counts_a_servers_cpu_with_its_workers():
    """`cpu_seconds` sums a server's process and its children (the workers), from /proc."""
    import subprocess
    import sys

    from bench._support import cpu_seconds

    busy = "import time\nwhile time.process_time() < 0.3: pass\nprint('spent', flush=True)\ntime.sleep(60)"
    before, _ = cpu_seconds(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", busy], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline() == "spent\n"
        after, _ = cpu_seconds(os.getpid())
    finally:
        child.kill()
        child.wait()
    assert after - before >= 0.25  # /proc counts in ticks (10 ms)


def test_a_known_staff_token_is_checked_again_for_its_expiry_only(monkeypatch):
    """The verified-token cache (accounts.tokens) answers for the very token, key and issuer
    it verified, never for a forged one, and refuses it once expired."""
    from service.accounts import tokens

    key, issuer = os.urandom(32), "https://tbc.test"
    token = tokens.issue(7, "partner", key, issuer, 60, credential_version=3, device_id=9)
    first = tokens.bearer(token, key, issuer)
    assert first is not None and (first.account_id, first.device_id, first.credential_version) == (7, 9, 3)
    assert tokens.bearer(token, key, issuer) == first
    assert tokens.bearer(token, os.urandom(32), issuer) is None
    assert tokens.bearer(token, key, "https://elsewhere.test") is None
    head, signature = token.rsplit(".", 1)
    forged = f"{head}.{signature[:5]}{'B' if signature[5] != 'B' else 'C'}{signature[6:]}"
    assert tokens.bearer(forged, key, issuer) is None
    monkeypatch.setattr(tokens.time, "time", lambda: float(first.expires))
    assert tokens.bearer(token, key, issuer) is None


def test_the_known_staff_tokens_are_bounded(monkeypatch):
    from service.accounts import tokens

    monkeypatch.setattr(tokens, "VERIFIED_KEPT", 8)
    key, issuer = os.urandom(32), "https://tbc.test"
    issued = [tokens.issue(n, "partner", key, issuer, 60, credential_version=1) for n in range(20)]
    assert all(tokens.bearer(token, key, issuer) is not None for token in issued)
    assert len(tokens._verified) <= 8  # the oldest went first
    assert tokens.bearer(issued[0], key, issuer) is not None  # verified again when asked again


def test_make_bench_runs_benchmarks_only_each_documented():
    """`make bench` runs every module of bench/ not named as a helper (`_…`): each must be a
    benchmark a maintainer can find in the docs, run without arguments (a helper server that
    read its port from the command line once broke the whole `make bench`)."""
    import importlib
    import inspect

    from bench.__main__ import benches
    from service.settings import ROOT

    documented = " ".join(path.read_text() for path in (ROOT / "docs").glob("*.md"))
    for name in benches():
        module = importlib.import_module(f"bench.{name}")
        assert not inspect.signature(module.main).parameters, name
        assert "sys.argv" not in inspect.getsource(module.main), name
        assert f"bench/{name}.py" in documented, name
