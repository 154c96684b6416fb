"""How often the bike proof's reuse check refuses an honest rider, and lets a copy through.

`HONEST` riders (tests/rider_factory.py) ride the same three roads into the Lot's
towns over a few days, each with their own receiver, pace, stops and sampling;
each recording is judged, as the claim would judge it, against every recording
kept before it on its road (`ride_recording.alike`). Then every kind of copy of
`SOURCES` of those recordings is judged against its original. Printed: the
share of honest riders refused (goal 0), sent to a person, and of each cheat
kind given a pass (goal 0). The rates are counts, not timings: they do not
depend on the machine.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from bench._support import check_goals
from service.proofs import ride_recording
from service.proofs.ride_recording import Recording
from tests.rider_factory import cheats, lot_roads, recording_of, ride_road, rider

HONEST = 210
SOURCES = 24
KEY = b"bench-ride-reuse".ljust(32, b".")
# Reversing a file whose app paused during a stop moves the pause along the road: its time
# profile is then another's, and it may pass (docs/PROOFS.md says so).
KNOWN_LIMITS = {"reversed"}


def _recording(fixes) -> Recording:
    return recording_of(KEY, fixes)


def _outcome(new: Recording, kept: list[Recording]) -> str:
    found = ride_recording.alike(new, list(enumerate(kept)))
    if any(likeness.verdict == "copy" for _, likeness in found):
        return "refused"
    return "review" if found else "pass"


def main() -> int:
    around = datetime(2026, 7, 14, 16, tzinfo=UTC)
    roads = lot_roads()
    kept: dict[str, list[Recording]] = {way.name: [] for way in roads}
    honest: Counter[str] = Counter()
    sources = []
    for seed in range(HONEST):
        way, who = roads[seed % len(roads)], rider(seed, around=around)
        fixes = ride_road(way, who, backwards=seed % 5 == 4)
        mine = _recording(fixes)
        honest[_outcome(mine, kept[way.name])] += 1
        kept[way.name].append(mine)
        if len(sources) < SOURCES:
            sources.append((fixes, mine))
    print(f"  honest riders: {HONEST} on {len(roads)} roads: {dict(honest)}")
    given = {}
    for name in cheats():
        outcomes: Counter[str] = Counter()
        for seed, (fixes, original) in enumerate(sources):
            outcomes[_outcome(_recording(cheats(seed)[name](fixes)), [original])] += 1
        given[name] = outcomes["pass"] / len(sources)
        print(f"  {name:42s} {dict(outcomes)}")
    results = {"honest_refused_share": honest["refused"] / HONEST, "honest_review_share": honest["review"] / HONEST}
    results |= {f"passes_{name}": share for name, share in given.items() if name not in KNOWN_LIMITS}
    goals = {"honest_refused_share": 0.0, "honest_review_share": 0.05}
    goals |= {name: 0.0 for name in results if name.startswith("passes_")}
    return check_goals(results, goals)


if __name__ == "__main__":
    raise SystemExit(main())
