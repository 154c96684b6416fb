"""The proof methods, looked up by name (service.proofs.methods.base says what one is).

A new method is one module of this package and one entry here; a new rail format is a
new reader behind `RailBarcode`. The claim body's method list and evidence shapes, the
method/mode table, the OpenAPI description and the visitor's claim form all derive
from `METHODS`.
"""

from __future__ import annotations

from service.proofs.methods.attestation import AttestationMethod
from service.proofs.methods.base import ProofMethod
from service.proofs.methods.declared_trip import DeclaredTripMethod
from service.proofs.methods.gpx import GpxMethod
from service.proofs.methods.manual import ManualMethod
from service.proofs.methods.rail_barcode import RailBarcodeMethod

METHODS: dict[str, ProofMethod] = {
    m.name: m for m in (DeclaredTripMethod(), RailBarcodeMethod(), GpxMethod(), AttestationMethod(), ManualMethod())
}
METHOD_MODES: dict[str, frozenset[str]] = {name: method.modes for name, method in METHODS.items()}
