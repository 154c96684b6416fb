"""CO2 avoided by a low-carbon arrival, against the same trip by car. No I/O.

The counterfactual is the group driving: one thermal car per `car_seats`
persons, per vehicle-km; the actual trip is per passenger-km of its mode.
Factors and their source live in `config/factors.toml`. The trip length is the
proof's (a GPX track), the timetable's (the matched trip), or else the mode's
configured average (`assumed_trip_km`).
"""

from __future__ import annotations

import math

from service.settings import FactorsConfig

# Where a pass's trip length comes from (sql/010_report_rollups.sql, report_distance_source).
DISTANCE_SOURCES = ("proof", "timetable", "assumed")


def assumed_km(mode: str, factors: FactorsConfig) -> float:
    return getattr(factors.assumed_trip_km, mode)


def trip_km(mode: str, known_km: float | None, factors: FactorsConfig) -> float:
    return known_km if known_km is not None else assumed_km(mode, factors)


def kg_per_km(mode: str, persons: int, factors: FactorsConfig) -> float:
    """kg CO2e avoided per km of trip by `persons` travelling by `mode` (never negative)."""
    cars = math.ceil(persons / factors.car_seats)
    return max(0.0, factors.car_kg_per_vehicle_km * cars - getattr(factors.modes, mode) * persons)


def avoided_kg(mode: str, persons: int, known_km: float | None, factors: FactorsConfig) -> float:
    """kg CO2e avoided by `persons` arriving by `mode` instead of by car (never negative)."""
    return trip_km(mode, known_km, factors) * kg_per_km(mode, persons, factors)


def group_km(mode: str, passes: int, known_km: float, known_passes: int, factors: FactorsConfig) -> float:
    """Total trip length of `passes` passes of one mode, `known_passes` of which gave theirs (`known_km` in all)."""
    return known_km + (passes - known_passes) * assumed_km(mode, factors)


def group_avoided_kg(
    mode: str, persons: int, passes: int, known_km: float, known_passes: int, factors: FactorsConfig
) -> float:
    """`avoided_kg` summed over passes of one mode and size: linear in the trip length."""
    return group_km(mode, passes, known_km, known_passes, factors) * kg_per_km(mode, persons, factors)
