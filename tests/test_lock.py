"""The committed lock is what every machine installs: it must agree with pyproject.toml.

Each requirement the project states (runtime, the `test` extra, the build backend) is pinned
in the lock at a version its specifier allows, with hashes, and the lock pins no direct
requirement the project no longer states. `make lock` mends a failure here.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
BUILD = [line for line in (ROOT / "requirements/build.in").read_text().splitlines() if line and line[0] != "#"]

# name==version [; marker] \ then --hash lines, then `# via` lines naming who asked
_PIN = re.compile(r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>[^\s;\\]+)\s*(?:;\s*(?P<marker>[^\\]+?))?\s*\\?$")
_DIRECT = "tarif-bas-carbone (pyproject.toml)"


def _pins(lock: str) -> dict[str, list[tuple[Version, str | None, bool, bool]]]:
    """name → [(version, marker, has hashes, asked for by pyproject.toml)] of each pinned entry."""
    entries: dict[str, list[tuple[Version, str | None, bool, bool]]] = {}
    blocks = re.split(r"\n(?=[A-Za-z0-9])", (ROOT / lock).read_text())
    for block in blocks:
        match = _PIN.match(block.splitlines()[0])
        if match is None:
            continue
        hashed = "--hash=sha256:" in block
        direct = _DIRECT in block or "requirements/build.in" in block
        marker = match["marker"].strip() if match["marker"] else None
        name = canonicalize_name(match["name"])
        entries.setdefault(name, []).append((Version(match["version"]), marker, hashed, direct))
    return entries


def _stated(extras: list[str]) -> list[Requirement]:
    stated = [Requirement(r) for r in PROJECT["dependencies"]]
    for extra in extras:
        stated += [Requirement(r) for r in PROJECT["optional-dependencies"][extra]]
    return stated + [Requirement(r) for r in BUILD]


LOCKS = {"requirements/run.txt": [], "requirements/test.txt": ["test"]}


@pytest.mark.parametrize("lock", LOCKS)
def test_every_stated_requirement_is_pinned_in_the_lock_within_its_range(lock):
    pins = _pins(lock)
    for requirement in _stated(LOCKS[lock]):
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} is in pyproject.toml but not in {lock}: run `make lock`"
        for version, _marker, hashed, _direct in pins[name]:
            assert requirement.specifier.contains(version, prereleases=True), (
                f"{lock} pins {name}=={version}, outside {requirement}: run `make lock`"
            )
            assert hashed, f"{lock} pins {name} without a hash"


@pytest.mark.parametrize("lock", LOCKS)
def test_the_lock_asks_for_nothing_pyproject_no_longer_states(lock):
    stated = {canonicalize_name(r.name) for r in _stated(LOCKS[lock])}
    direct = {name for name, entries in _pins(lock).items() if any(e[3] for e in entries)}
    assert direct == stated, f"{lock} and pyproject.toml disagree on {sorted(direct ^ stated)}: run `make lock`"


def test_every_lock_entry_has_hashes_and_the_two_locks_agree_on_versions():
    run, test = _pins("requirements/run.txt"), _pins("requirements/test.txt")
    for pins in (run, test):
        assert all(hashed for entries in pins.values() for _v, _m, hashed, _d in entries)
    for name, entries in run.items():
        assert name in test, f"{name} is in the runtime lock but not the test lock"
        # the same versions; a marker may differ (tzdata: the runtime wants it on Windows only,
        # a test tool everywhere)
        assert {v for v, *_ in entries} == {v for v, *_ in test[name]}, name


def test_what_is_installed_is_what_the_lock_pins():
    """The suite runs on the locked versions (a venv installed by hand would not prove the lock)."""
    from importlib.metadata import distributions

    from packaging.markers import Marker

    pins = _pins("requirements/test.txt")
    installed = {canonicalize_name(d.metadata["Name"]): Version(d.version) for d in distributions()}
    for name, entries in pins.items():
        for version, marker, *_ in entries:
            if marker is not None and not Marker(marker).evaluate():
                continue
            assert installed.get(name) == version, f"{name}: installed {installed.get(name)}, locked {version}"
