"""Tarif bas carbone du Lot: arrival proofs, signed QR passes, partner redemptions, reports."""

__version__ = "0.1.0"
