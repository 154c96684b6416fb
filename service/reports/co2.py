"""CO2 avoided by a low-carbon arrival, against the same trip by car. No I/O.

The counterfactual is the group driving: one thermal car per `car_seats`
persons, per vehicle-km; the actual trip is per passenger-km of its mode.
Factors and their source live in `config/factors.toml`.
"""

from __future__ import annotations

import math

from service.settings import FactorsConfig


def trip_km(mode: str, known_km: float | None, factors: FactorsConfig) -> float:
    return known_km if known_km is not None else getattr(factors.assumed_trip_km, mode)


def avoided_kg(mode: str, persons: int, known_km: float | None, factors: FactorsConfig) -> float:
    """kg CO2e avoided by `persons` arriving by `mode` instead of by car (never negative)."""
    km = trip_km(mode, known_km, factors)
    cars = math.ceil(persons / factors.car_seats)
    by_car = km * factors.car_kg_per_vehicle_km * cars
    by_mode = km * getattr(factors.modes, mode) * persons
    return max(0.0, by_car - by_mode)
